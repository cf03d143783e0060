import * as tf from '../tf';
import { edgeInputs, reductionCells, type DartsSpace } from '../spaces/darts/search-space';

/** The reference's three resource measures of one op (SNAS/operations.py: `size`, `flops`, `mac`). */
export interface OpCost {
  size: number;
  flops: number;
  mac: number;
}
export type ResourceMeasure = keyof OpCost;
export const RESOURCE_MEASURES: readonly ResourceMeasure[] = ['size', 'flops', 'mac'];

/**
 * One candidate op of a DARTS cell by the reference's formulas (SNAS/operations.py), for C channels,
 * an input of h×h and the edge's stride. size: conv weights (BN excluded); flops: multiply-adds,
 * size·y² for convs and 9·y²·C for pools; mac: memory access cost. y is the output size; the reference
 * writes h//2, the engine's network ceil(h/2) — the same on even sizes.
 */
export function snasOpCost(op: string, C: number, h: number, stride: 1 | 2): OpCost {
  const y = stride === 2 ? Math.ceil(h / 2) : h;
  const y2 = y * y;
  const conv = (size: number, macPerC: number, extraC = 1) => ({
    size,
    flops: size * y2,
    mac: y2 * (macPerC * C + extraC * C) + size,
  });
  const k = op.endsWith('5x5') ? 5 : 3;
  switch (op) {
    case 'none':
      return { size: 0, flops: 0, mac: 0 };
    case 'max_pool_3x3':
    case 'avg_pool_3x3':
      return { size: 0, flops: 9 * y2 * C, mac: (stride === 1 ? 2 : 5) * y2 * C };
    case 'skip_connect':
      // Stride 1: Identity (mac 2·C·h²); stride 2: FactorizedReduce(C, C), two 1×1 convs to C/2.
      if (stride === 1) return { size: 0, flops: 0, mac: 2 * C * h * h };
      return { size: C * C, flops: C * C * y2, mac: 2 * y2 * (4 * C + C / 2) + C * C };
    case 'sep_conv_3x3':
    case 'sep_conv_5x5':
      return conv(2 * C * k * k + 2 * C * C, stride === 1 ? 7 : 10);
    case 'dil_conv_3x3':
    case 'dil_conv_5x5':
      return conv(C * k * k + C * C, stride === 1 ? 3 : 6);
    default:
      throw new Error(`SNAS resource penalty: no cost formula for the op '${op}'`);
  }
}

/** Per cell type, the cost tables of its cells: measure → [cells of the type][edge][op]. */
export type CellCosts = Record<'normal' | 'reduce', Record<ResourceMeasure, number[][][]>>;

/**
 * The reference's per-edge, per-op costs of every cell of the DARTS search network (model_search.py
 * reads them from each cell's MixedOps): cells at 1/3 and 2/3 of the depth reduce (C doubles, the
 * first two inputs' edges have stride 2); the stem keeps the image size.
 */
export function dartsCellCosts(space: DartsSpace, imageSize: number): CellCosts {
  const out: CellCosts = {
    normal: { size: [], flops: [], mac: [] },
    reduce: { size: [], flops: [], mac: [] },
  };
  const reductions = new Set(reductionCells(space.cells));
  const edges = edgeInputs(space.nodes);
  let [C, h] = [space.channels, imageSize];
  for (let i = 0; i < space.cells; i++) {
    const reduction = reductions.has(i);
    if (reduction) C *= 2;
    const hOut = reduction ? Math.ceil(h / 2) : h;
    const costs = edges.map(({ input }) => {
      const strided = reduction && input < 2;
      return space.ops.map((op) => snasOpCost(op, C, strided ? h : hOut, strided ? 2 : 1));
    });
    const cell = out[reduction ? 'reduce' : 'normal'];
    for (const m of RESOURCE_MEASURES) cell[m].push(costs.map((row) => row.map((c) => c[m])));
    h = hOut;
  }
  return out;
}

export type ResourceMethod = 'reparametrization' | 'discrete' | 'policy_gradient';
export type ResourceTerm = 'all' | ResourceMeasure;

/** The reference's default λ per method and log switch (train_search.py, when --resource_lambda is unset). */
export function defaultResourceLambda(method: ResourceMethod, log: boolean): number {
  if (method === 'policy_gradient') return log ? 1e-4 : 1e-5;
  if (method === 'reparametrization') return log ? 1e-2 : 1e-5;
  return log ? 1e-2 : 1e-4;
}

/** log|R| with R replaced by 1 where |R| < 1 (the reference's `clean`): 0 there, and no gradient. */
function cleanLog(r: tf.Tensor): tf.Tensor {
  // m = 1 where |R| > 1, else 0 (tf.step, whose gradient is zero: tfjs has no gradient for a comparison).
  const m = tf.step(tf.abs(r).sub(1));
  const clean = r.mul(m).add(tf.scalar(1).sub(m));
  return tf.log(tf.abs(clean));
}

/**
 * Each edge's resource of the cells of one type, [cells, edges], from the per-edge op weights w
 * [edges, ops] (Z for reparametrization and the policy gradient, softmax(α) for discrete):
 * R_m = Σ_k cost_m[c, e, k]·w[e, k] per measure; 'all' is 0.43·(2·R_size + R_flops/4000 + R_mac/100),
 * or with `log` the mean of the three clean logs; a single measure is R_m or its clean log.
 */
export function edgeResource(
  costs: Record<ResourceMeasure, tf.Tensor3D>,
  w: tf.Tensor2D,
  term: ResourceTerm,
  log: boolean,
): tf.Tensor2D {
  return tf.tidy(() => {
    const r = (m: ResourceMeasure) => costs[m].mul(w.expandDims(0)).sum(2);
    if (term !== 'all') return (log ? cleanLog(r(term)) : r(term)) as tf.Tensor2D;
    if (log) return tf.addN(RESOURCE_MEASURES.map((m) => cleanLog(r(m)))).div(3) as tf.Tensor2D;
    return r('size').mul(2).add(r('flops').div(4000)).add(r('mac').div(100)).mul(0.43) as tf.Tensor2D;
  });
}

/** x's value with no gradient through it (PyTorch's `.data`; tfjs has no stop_gradient). */
const heldConstant = (x: tf.Tensor): tf.Tensor => {
  const f = (t: tf.Tensor) => ({ value: t.clone(), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) });
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0])(x);
};

/** log((n − 1)!), the concrete density's constant (the reference hard-codes log(5040) for 8 ops). */
function logFactorial(n: number): number {
  let s = 0;
  for (let i = 2; i <= n; i++) s += Math.log(i);
  return s;
}

/**
 * The log density of the relaxed sample Z [edges, ops] under the concrete distribution with location
 * log α = `logits` and temperature τ (Maddison et al. 2017), as model_search.py `logp` computes it,
 * per edge: log((n−1)!) + (n−1)·log τ + Σ_k logits_k − (τ+1)·Σ_k log z_k − n·log Σ_k exp(logits_k)·z_k^(−τ),
 * with z = max(Z, 1e-4) and each term of the last sum at least 1e-4 (the reference's epsilons).
 */
export function concreteLogProb(logits: tf.Tensor2D, z: tf.Tensor2D, tau: number): tf.Tensor1D {
  return tf.tidy(() => {
    const n = logits.shape[1];
    const eps = 1e-4;
    const zc = tf.maximum(z, eps);
    const last = tf.maximum(tf.pow(zc, -tau).mul(tf.exp(logits)), eps);
    return tf
      .scalar(logFactorial(n - 1) + (n - 1) * Math.log(tau))
      .add(logits.sum(1))
      .sub(
        tf
          .log(zc)
          .sum(1)
          .mul(tau + 1),
      )
      .sub(tf.log(last.sum(1)).mul(n)) as tf.Tensor1D;
  });
}

/**
 * The reference's resource penalty of one cell type (model_search.py forward, then train_search.py):
 * per cell and edge the resource of `edgeResource`, summed over edges and cells and divided by the
 * number of cells of the type (the reference divides by 6 and 2, its 8-cell network's counts).
 * reparametrization: under Z, differentiable through Z (the reparametrised sample); discrete: under
 * softmax(α), differentiable in α directly; policy_gradient: Σ log p(Z)·R with R held constant (the
 * score function), log p differentiated through α and Z both, as the reference (Z is not detached).
 */
export function cellTypePenalty(
  costs: Record<ResourceMeasure, tf.Tensor3D>,
  alpha: tf.Tensor2D,
  z: tf.Tensor2D,
  tau: number,
  method: ResourceMethod,
  term: ResourceTerm,
  log: boolean,
): tf.Scalar {
  return tf.tidy(() => {
    const cells = costs.size.shape[0];
    if (cells === 0) return tf.scalar(0);
    let total: tf.Tensor;
    if (method === 'discrete') total = edgeResource(costs, tf.softmax(alpha), term, log).sum();
    else if (method === 'reparametrization') total = edgeResource(costs, z, term, log).sum();
    else {
      const r = heldConstant(edgeResource(costs, z, term, log)); // [cells, edges]
      total = r.mul(concreteLogProb(alpha, z, tau).expandDims(0)).sum();
    }
    return total.div(cells) as tf.Scalar;
  });
}
