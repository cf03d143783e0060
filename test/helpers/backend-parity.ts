import { expect } from 'vitest';
import * as tf from '../../src/engine/tf';
import { chooseBackend } from '../../src/engine/backend/choose';
import { Rng } from '../../src/engine/util/rng';
import { DartsStrategySchema } from '../../src/engine/strategies/darts-spec';
import { DartsSpaceSchema } from '../../src/engine/spaces/darts/search-space';
import { SearchNetwork } from '../../src/engine/spaces/darts/supernet';
import { Darts } from '../../src/engine/strategies/darts';

/**
 * The backend parity tests' common parts (wasm-kernels.test.ts, webgpu-parity.test.ts): each case is
 * computed once on the cpu backend as the reference and again on the backend under test, and every
 * output must agree within 1e-4 of its scale.
 */
export type ParityCase = { name: string; run: () => tf.Tensor[] };

/** A tensor of standard normal values from a seeded generator. */
export const rnd = (shape: number[], seed: number) =>
  tf.tensor(new Rng(seed).fillNormal(shape.reduce((a, b) => a * b, 1)), shape);

/**
 * f(a, b) and its gradients for a and b, the output's cotangent drawn from `seed` (a random one, so
 * that every output element weighs in).
 */
export function withGrads(
  f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  a: tf.Tensor,
  b: tf.Tensor,
  seed: number,
): tf.Tensor[] {
  const y = f(a, b);
  const r = rnd(y.shape, seed);
  return [y, ...tf.grads((p: tf.Tensor, q: tf.Tensor) => f(p, q).mul(r).sum())([a, b])];
}

/** f(x, w) (a convolution and its filter) with both gradients: x from `seed`, w from seed + 1, the cotangent from seed + 2. */
export const filterGrads = (
  f: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor,
  xShape: number[],
  wShape: number[],
  seed: number,
): tf.Tensor[] =>
  withGrads(
    (x, w) => f(x as tf.Tensor4D, w as tf.Tensor4D),
    rnd(xShape, seed),
    rnd(wShape, seed + 1),
    seed + 2,
  );

/**
 * f(x) with its input gradient: x from `seed`, the cotangent from seed + 1. A zero scalar rides along
 * as withGrads' second input (its gradient, the cotangent's sum, is an output too).
 */
export const inputGrad = (f: (x: tf.Tensor4D) => tf.Tensor, xShape: number[], seed: number): tf.Tensor[] =>
  withGrads((x, z) => f(x as tf.Tensor4D).add(z.sum()), rnd(xShape, seed), tf.scalar(0), seed + 1);

/** spaceToBatchND then batchToSpaceND (how the engine dilates), with the input gradient. */
export const spaceToBatchRoundTrip = (
  xShape: number[],
  block: number[],
  paddings: number[][],
  crops: number[][],
  seed: number,
): tf.Tensor[] =>
  inputGrad((x) => tf.batchToSpaceND(tf.spaceToBatchND(x, block, paddings), block, crops), xShape, seed);

/**
 * A small DARTS supernet's loss and its gradients for α and the `weights` chosen of the network's,
 * on a batch of 4 images drawn from `seed`.
 */
export function dartsSupernetGradients(
  seed: number,
  weights: (net: SearchNetwork) => tf.Variable[],
): tf.Tensor[] {
  const rng = new Rng(3);
  const net = new SearchNetwork(DartsSpaceSchema.parse({ cells: 3, nodes: 2, channels: 4 }), 3, 4, rng);
  const darts = new Darts(net, DartsStrategySchema.parse({ name: 'darts' }), rng);
  const batch = { x: rnd([4, 8, 8, 3], seed) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3], 'int32') };
  const g = darts.gradients(batch, [darts.alphaNormal, darts.alphaReduce, ...weights(net)]);
  const out = [g.loss, ...g.grads].map((t) => t.clone());
  darts.dispose();
  net.dispose();
  return out;
}

/** Every case's outputs on the cpu backend (which it leaves chosen). */
export async function cpuReference(cases: ParityCase[]): Promise<Float32Array[][]> {
  await chooseBackend({ prefer: 'cpu' });
  return cases.map((c) => tf.tidy(() => c.run()).map((t) => t.dataSync() as Float32Array));
}

/** The outputs agree with the reference's: as many, each as long, max |difference| under 1e-4 of its scale. */
export function expectParity(got: Float32Array[], want: Float32Array[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, j) => {
    const w = want[j];
    expect(g.length).toBe(w.length);
    const scale = Math.max(1e-6, ...Array.from(w, Math.abs));
    let diff = 0;
    for (let q = 0; q < g.length; q++) diff = Math.max(diff, Math.abs(g[q] - w[q]));
    expect(diff / scale, `output ${j}`).toBeLessThan(1e-4);
  });
}
