import * as tf from '../tf';
import { activeBackendHas, numbered, numberedInputs } from './custom-kernels';

/**
 * Arithmetic over a whole list of parameter tensors in one kernel call. An optimiser step and DARTS'
 * second-order weight perturbations are a handful of elementwise ops per parameter tensor; the small
 * DARTS supernet has ~1,400 of them, so a step made ~50,000 tiny kernel calls, each paying tfjs's
 * per-op bookkeeping. The fused kernels are registered for wasm (SIMD loops,
 * backend/wasm-kernels/simd-kernels.ts) and cpu (backend/cpu-kernels/elementwise.ts, with the loops
 * below); elsewhere (tfjs-node's TensorFlow, CUDA included) the same arithmetic runs as composed tfjs
 * ops. Coefficients are a tensor, so nothing is read back from the device. Tested in multi-tensor.test.ts.
 */
export const LINEAR_COMBINATION = 'NasStudioLinearCombination';
export const SUM_OF_SQUARES = 'NasStudioSumOfSquares';

const fused = (kernel: string, tensors: tf.Tensor[]) =>
  activeBackendHas(kernel) && tensors.every((t) => t.dtype === 'float32');

/** Inputs t0, t1, … of the fused kernels, in order. */
export const listInputs = (inputs: Record<string, tf.TensorInfo>): tf.TensorInfo[] =>
  numberedInputs(inputs, 't');

/**
 * out[j] = Σ_k coefs[k]·terms[k][j] for every j: each term is a list of tensors aligned with the
 * others (same shapes). `coefs` holds one float per term (a tensor, or numbers). New tensors.
 */
export function linearCombination(terms: tf.Tensor[][], coefs: tf.Tensor1D | number[]): tf.Tensor[] {
  const count = terms[0]?.length ?? 0;
  if (terms.some((t) => t.length !== count))
    throw new Error('linearCombination: every term needs as many tensors');
  if (count === 0) return [];
  const flat = terms.flat();
  return tf.tidy(() => {
    const c = Array.isArray(coefs) ? tf.tensor1d(coefs) : coefs;
    if (c.size !== terms.length)
      throw new Error(`linearCombination: ${terms.length} terms but ${c.size} coefficients`);
    if (fused(LINEAR_COMBINATION, flat))
      return tf
        .engine()
        .runKernel(LINEAR_COMBINATION, { c, ...numbered('t', flat) }, { count }) as tf.Tensor[];
    // Term by term in float32, as the kernels add: the same bits whichever path runs.
    const ck = tf.unstack(c);
    return terms[0].map((_, j) =>
      terms.slice(1).reduce((acc, term, k) => acc.add(term[j].mul(ck[k + 1])), terms[0][j].mul(ck[0])),
    );
  });
}

/** Σ over all the tensors of the sum of their squares, as a scalar tensor. */
export function sumOfSquares(tensors: tf.Tensor[]): tf.Scalar {
  if (tensors.length === 0) return tf.scalar(0);
  if (fused(SUM_OF_SQUARES, tensors))
    return tf.engine().runKernel(SUM_OF_SQUARES, numbered('t', tensors), {}) as tf.Scalar;
  // The fused kernels sum in float64, this in float32: reproducible on one backend set-up, not bit for bit across the two.
  return tf.tidy(() => tf.addN(tensors.map((t) => t.square().sum())) as tf.Scalar);
}

/**
 * out = Σ_k c[k]·terms[k] elementwise from index `from` on, in float32 term by term as the wasm loop
 * (the cpu kernel; the wasm kernel's tail).
 */
export function combineValues(
  terms: Float32Array[],
  c: ArrayLike<number>,
  out: Float32Array,
  from = 0,
): void {
  for (let i = from; i < out.length; i++) {
    let v = 0;
    for (let k = 0; k < terms.length; k++) v = Math.fround(v + Math.fround(c[k] * terms[k][i]));
    out[i] = v;
  }
}

/** Σ x² in float64 (products rounded to float32, as the wasm loop's) from index `from` on. */
export function sumSquaresValues(x: Float32Array, from = 0): number {
  let s = 0;
  for (let i = from; i < x.length; i++) s += Math.fround(x[i] * x[i]);
  return s;
}
