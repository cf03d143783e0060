import * as tf from '../../tf';
import { sumOfSquares } from '../../ops/multi-tensor';
import { Rng } from '../../util/rng';

/** ∇ of a loss w.r.t. `variables` at their current values (a new tensor per variable, caller disposes). */
export type GradientAtCurrent = () => tf.Tensor[];

/**
 * Hv ≈ (∇L(x + εv) − ∇L(x − εv)) / 2ε, the central difference of the gradient along v: the
 * variables are moved in place and restored from a copy, bit for bit. Why not double backward: tfjs
 * has no second derivative through the supernet's custom-gradient ops (BatchNorm, gated recompute).
 * Central differences are exact for a quadratic and O(ε²·‖∇³L‖) off otherwise.
 */
export function hessianVectorProduct(
  variables: readonly tf.Variable[],
  gradient: GradientAtCurrent,
  v: readonly tf.Tensor[],
  epsilon: number,
): tf.Tensor[] {
  const saved = variables.map((x) => x.clone());
  try {
    const at = (sign: 1 | -1) => {
      tf.tidy(() => variables.forEach((x, i) => x.assign(saved[i].add(v[i].mul(sign * epsilon)))));
      return gradient();
    };
    const plus = at(1);
    const minus = at(-1);
    const hv = tf.tidy(() => plus.map((g, i) => g.sub(minus[i]).div(2 * epsilon)));
    tf.dispose([...plus, ...minus]);
    return hv;
  } finally {
    variables.forEach((x, i) => x.assign(saved[i]));
    tf.dispose(saved);
  }
}

export interface PowerIterationOptions {
  /** Hessian-vector products at most (per pass; a negative dominant eigenvalue takes a second pass). */
  iterations: number;
  epsilon: number;
  /** Stop when successive Rayleigh quotients differ by at most this, relative. */
  tolerance?: number;
  /** Seed of the start vector: a private generator, so that the search's own random stream is untouched. */
  seed?: number;
}

export interface EigenEstimate {
  /** The largest eigenvalue (algebraic, as the reference's max(eigvals(H))). */
  value: number;
  /** Hessian-vector products spent. */
  products: number;
}

function normalised(v: tf.Tensor[]): tf.Tensor[] {
  return tf.tidy(() => {
    const n = tf.sqrt(sumOfSquares(v));
    return v.map((t) => t.div(n));
  });
}

function dot(a: readonly tf.Tensor[], b: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.addN(a.map((t, i) => t.mul(b[i]).sum())) as tf.Scalar);
}

/**
 * The power iteration as a generator of its host reads: it yields each Rayleigh quotient as a scalar
 * tensor and takes its value back, so that one iteration serves a synchronous driver (cpu, wasm) and
 * an asynchronous one (webgpu) with the same tensor work in the same order.
 */
function* powerIteration(
  variables: readonly tf.Variable[],
  gradient: GradientAtCurrent,
  o: PowerIterationOptions,
): Generator<tf.Scalar, EigenEstimate, number> {
  const tolerance = o.tolerance ?? 1e-3;
  const rng = new Rng(o.seed ?? 0x5eed);
  let products = 0;
  const pass = function* (shift: number): Generator<tf.Scalar, number, number> {
    let v = tf.tidy(() => normalised(variables.map((x) => tf.tensor(rng.fillNormal(x.size), x.shape))));
    let lambda = Number.NaN;
    try {
      for (let k = 0; k < o.iterations; k++) {
        const hv = hessianVectorProduct(variables, gradient, v, o.epsilon);
        products += 1;
        const shifted = shift === 0 ? hv : tf.tidy(() => hv.map((t, i) => t.sub(v[i].mul(shift))));
        if (shifted !== hv) tf.dispose(hv);
        const next: number = yield dot(v, shifted);
        tf.dispose(v);
        v = normalised(shifted);
        tf.dispose(shifted);
        const settled = Math.abs(next - lambda) <= tolerance * Math.abs(next);
        lambda = next;
        if (settled || !Number.isFinite(next)) break;
      }
      return lambda + shift;
    } finally {
      tf.dispose(v);
    }
  };
  const dominant = yield* pass(0);
  const value = dominant >= 0 || !Number.isFinite(dominant) ? dominant : yield* pass(dominant);
  return { value, products };
}

/** Runs powerIteration, reading each yielded scalar with `read` (the scalar is disposed after). */
function drive(
  it: Generator<tf.Scalar, EigenEstimate, number>,
  read: (t: tf.Scalar) => number,
): EigenEstimate {
  let step = it.next();
  while (!step.done) {
    const t = step.value;
    let value: number;
    try {
      value = read(t);
    } catch (e) {
      it.throw(e);
      throw e;
    } finally {
      t.dispose();
    }
    step = it.next(value);
  }
  return step.value;
}

/**
 * Power iteration with Rayleigh quotients v·Hv on ‖v‖ = 1 for the largest eigenvalue of the Hessian
 * of the loss behind `gradient` w.r.t. `variables`. Power iteration finds the eigenvalue of largest
 * magnitude; when that one is negative, a second pass on H − λI (every eigenvalue ≥ 0 there) finds
 * the largest, as the reference's max(eigvals(H)) does. Reads synchronously (cpu, wasm, tensorflow).
 */
export function dominantEigenvalue(
  variables: readonly tf.Variable[],
  gradient: GradientAtCurrent,
  o: PowerIterationOptions,
): EigenEstimate {
  return drive(powerIteration(variables, gradient, o), (t) => t.dataSync()[0]);
}

/** dominantEigenvalue with each Rayleigh quotient awaited: the same estimate on a backend without synchronous reads (webgpu). */
export async function dominantEigenvalueAsync(
  variables: readonly tf.Variable[],
  gradient: GradientAtCurrent,
  o: PowerIterationOptions,
): Promise<EigenEstimate> {
  const it = powerIteration(variables, gradient, o);
  let step = it.next();
  while (!step.done) {
    const t = step.value;
    let value: number;
    try {
      value = (await t.data())[0];
    } catch (e) {
      it.throw(e);
      throw e;
    } finally {
      t.dispose();
    }
    step = it.next(value);
  }
  return step.value;
}
