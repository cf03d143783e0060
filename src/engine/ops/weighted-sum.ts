import * as tf from '../tf';
import { activeBackendHas, numbered } from './custom-kernels';

/**
 * Fused kernels for the forward and backward pass, where the active backend has them (wasm: SIMD
 * loops, backend/wasm-kernels/simd-kernels.ts); elsewhere the same arithmetic as composed tfjs ops.
 * Inputs o0, o1, … and w; attributes index (and K for the gradient, which returns do_0, do_1, …, dw).
 */
export const WEIGHTED_SUM = 'NasStudioWeightedSum';
export const WEIGHTED_SUM_GRAD = 'NasStudioWeightedSumGrad';

/** The op outputs' input names: o0, o1, … */
export const TERM_PREFIX = 'o';

function weightedSumForward(outs: tf.Tensor[], weights: tf.Tensor1D, index: readonly number[]): tf.Tensor {
  if (activeBackendHas(WEIGHTED_SUM))
    return tf
      .engine()
      .runKernel(
        WEIGHTED_SUM,
        { ...numbered(TERM_PREFIX, outs), w: weights },
        { index: [...index] },
      ) as tf.Tensor;
  const scalars = tf.unstack(weights);
  return tf.addN(outs.map((o, i) => o.mul(scalars[index[i]])));
}

function weightedSumBackward(
  g: tf.Tensor,
  outs: tf.Tensor[],
  weights: tf.Tensor1D,
  index: readonly number[],
  K: number,
): tf.Tensor[] {
  if (activeBackendHas(WEIGHTED_SUM_GRAD))
    return tf
      .engine()
      .runKernel(
        WEIGHTED_SUM_GRAD,
        { dy: g, ...numbered(TERM_PREFIX, outs), w: weights },
        { index: [...index], K },
      ) as tf.Tensor[];
  const wsc = tf.unstack(weights);
  const perWeight: tf.Tensor[] = Array.from({ length: K }, () => tf.scalar(0));
  outs.forEach((o, i) => (perWeight[index[i]] = g.mul(o).sum()));
  return [...outs.map((_, i) => g.mul(wsc[index[i]])), tf.stack(perWeight)];
}

/**
 * y = Σ_i w[index_i] · outputs_i with a hand-written gradient. Autodiff would keep every product
 * w_k·o_k of every edge for the backward pass; this keeps only the op outputs (needed anyway) and w:
 * ∂/∂o_i = w[index_i]·dy, ∂/∂w[k] = Σ dy·o_i for the output with index k, 0 for weights of skipped ops
 * ('none'). Tested against autodiff (weighted-sum.test.ts).
 */
export function weightedSum(outputs: tf.Tensor[], w: tf.Tensor1D, index: readonly number[]): tf.Tensor {
  const K = w.shape[0];
  const f = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const weights = args.pop() as tf.Tensor1D;
    const outs = args as tf.Tensor[];
    save([weights, ...outs]);
    return {
      value: weightedSumForward(outs, weights, index),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [ws, ...os] = saved;
        return weightedSumBackward(dy as tf.Tensor, os, ws as tf.Tensor1D, index, K);
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0])(...outputs, w);
}
