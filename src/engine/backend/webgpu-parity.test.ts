import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from './choose';
import { Rng } from '../util/rng';
import { DartsStrategySchema } from '../strategies/darts-spec';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { SearchNetwork } from '../spaces/darts/supernet';
import { Darts } from '../strategies/darts';
import { dilatedDepthwiseConv2d } from '../ops/dilated-depthwise';
import { batchNormTrain, batchNormTrainGrad } from '../ops/batchnorm-op';
import { weightedSum } from '../ops/weighted-sum';
import { linearCombination, sumOfSquares } from '../ops/multi-tensor';
import '../nn/activations';

/**
 * Every computation the engine runs, on webgpu against the cpu backend, with the wasm parity tests'
 * rule (wasm-kernels/wasm-kernels.test.ts): max |difference| under 1e-4 of the output's scale. Forward
 * and gradients; strides 1 and 2, 'same' and 'valid', dilation 1 and 2, odd and even sizes; the
 * engine's own fused ops (which take their composed path on webgpu), AddN over more inputs than a
 * shader may bind (webgpu-kernels.ts), and a DARTS supernet's loss and gradients. Kept to a few
 * shapes: on lavapipe (CI) each new shape compiles its shaders on the CPU.
 *
 * Skipped, with the reason printed, where no WebGPU adapter is found.
 */
type Case = { name: string; run: () => tf.Tensor[] };
const rnd = (shape: number[], seed: number) =>
  tf.tensor(new Rng(seed).fillNormal(shape.reduce((a, b) => a * b, 1)), shape);

function withGrads(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor, seed: number) {
  const y = f(a, b);
  const r = rnd(y.shape, seed);
  return [y, ...tf.grads((p: tf.Tensor, q: tf.Tensor) => f(p, q).mul(r).sum())([a, b])];
}

const cases: Case[] = [];
for (const size of [7, 8])
  for (const stride of [1, 2] as const)
    for (const pad of ['same', 'valid'] as const) {
      cases.push({
        name: `conv2d k3 s${stride} ${pad} ${size}x${size}`,
        run: () =>
          withGrads(
            (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
            rnd([2, size, size, 3], 1),
            rnd([3, 3, 3, 4], 2),
            3,
          ),
      });
      cases.push({
        name: `depthwise k5 s${stride} ${pad} ${size}x${size}`,
        run: () =>
          withGrads(
            (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad),
            rnd([2, size, size, 4], 4),
            rnd([5, 5, 4, 1], 5),
            6,
          ),
      });
      cases.push({
        name: `maxPool 3x3 s${stride} ${pad} ${size}x${size}`,
        run: () =>
          withGrads(
            (x, z) => tf.maxPool(x as tf.Tensor4D, 3, stride, pad).add(z.sum()),
            rnd([2, size, size, 3], 7),
            tf.scalar(0),
            8,
          ),
      });
      cases.push({
        name: `avgPool 3x3 s${stride} ${pad} ${size}x${size}`,
        run: () =>
          withGrads(
            (x, z) => tf.avgPool(x as tf.Tensor4D, 3, stride, pad).add(z.sum()),
            rnd([2, size, size, 3], 9),
            tf.scalar(0),
            10,
          ),
      });
    }
// The DARTS cell's explicit paddings (k−1)/2 and 1×1 convolutions.
for (const stride of [1, 2] as const)
  cases.push({
    name: `conv2d 1x1 s${stride} and depthwise k3 pad 1 s${stride} 7x7`,
    run: () => [
      ...withGrads(
        (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 0),
        rnd([2, 7, 7, 5], 11),
        rnd([1, 1, 5, 8], 12),
        13,
      ),
      ...withGrads(
        (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 1),
        rnd([2, 7, 7, 4], 14),
        rnd([3, 3, 4, 1], 15),
        16,
      ),
    ],
  });
// Dilation 2 as the engine computes it (the DARTS dil_conv ops).
for (const size of [7, 8])
  for (const stride of [1, 2])
    for (const k of [3, 5])
      cases.push({
        name: `dilated depthwise d2 k${k} s${stride} pad ${k - 1} ${size}x${size}`,
        run: () =>
          withGrads(
            (x, w) => dilatedDepthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 2, k - 1),
            rnd([2, size, size, 4], 17),
            rnd([k, k, 4, 1], 18),
            19,
          ),
      });
cases.push({
  name: 'concat along channels, slice, pad, mean (the cell plumbing)',
  run: () =>
    withGrads(
      (a, b) =>
        tf
          .pad(tf.slice(tf.concat([a, b], 3), [0, 1, 0, 2], [-1, 4, 5, 6]), [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
          ])
          .mean([1, 2]),
      rnd([2, 6, 5, 4], 20),
      rnd([2, 6, 5, 4], 21),
      22,
    ),
});
cases.push({
  name: 'spaceToBatch / batchToSpace round trip with gradients',
  run: () =>
    withGrads(
      (x, z) =>
        tf
          .batchToSpaceND(
            tf.spaceToBatchND(
              x,
              [2, 2],
              [
                [2, 3],
                [2, 3],
              ],
            ),
            [2, 2],
            [
              [0, 1],
              [0, 1],
            ],
          )
          .add(z.sum()),
      rnd([2, 7, 7, 3], 23),
      tf.scalar(0),
      24,
    ),
});
cases.push({
  name: 'BatchNorm training statistics and gradient (ops/batchnorm-op.ts, composed on webgpu)',
  run: () => {
    const x = rnd([3, 5, 4, 6], 25).mul(2).add(1);
    const bn = batchNormTrain(x, 1e-5);
    const dx = batchNormTrainGrad(rnd(x.shape, 26), bn.xhat, bn.invStd);
    return [bn.xhat, bn.mean, bn.variance, bn.invStd, dx];
  },
});
cases.push({
  name: 'ReLU and its gradient (ops/relu-grad.ts)',
  run: () => withGrads((x, z) => tf.relu(x).add(z.sum()), rnd([2, 5, 5, 4], 27), tf.scalar(0), 28),
});
cases.push({
  name: 'weighted sum of op outputs with its gradient, a skipped weight included (ops/weighted-sum.ts)',
  run: () => {
    const outs = [0, 1, 2].map((i) => rnd([2, 4, 4, 3], 29 + i));
    const w = rnd([4], 32) as tf.Tensor1D;
    const r = rnd([2, 4, 4, 3], 33);
    const f = (...args: tf.Tensor[]) =>
      weightedSum(args.slice(0, 3), args[3] as tf.Tensor1D, [0, 1, 3])
        .mul(r)
        .sum();
    return [weightedSum(outs, w, [0, 1, 3]), ...tf.grads(f)([...outs, w])];
  },
});
cases.push({
  name: 'linear combination and sum of squares over 40 tensors (ops/multi-tensor.ts; AddN in chunks)',
  run: () => {
    const a = Array.from({ length: 40 }, (_, i) => rnd([3 + (i % 4), 5], 40 + i));
    const b = Array.from({ length: 40 }, (_, i) => rnd([3 + (i % 4), 5], 90 + i));
    return [
      ...linearCombination([a, b], [0.9, -0.05]),
      sumOfSquares(a),
      tf.addN(a.filter((t) => t.shape[0] === 3)),
    ];
  },
});
cases.push({
  name: 'a DARTS supernet: loss and gradients of α and every weight',
  run: () => {
    const rng = new Rng(3);
    const net = new SearchNetwork(DartsSpaceSchema.parse({ cells: 3, nodes: 2, channels: 4 }), 3, 4, rng);
    const darts = new Darts(net, DartsStrategySchema.parse({ name: 'darts' }), rng);
    const batch = { x: rnd([4, 8, 8, 3], 34) as tf.Tensor4D, y: tf.tensor1d([0, 1, 2, 3], 'int32') };
    const g = darts.gradients(batch, [darts.alphaNormal, darts.alphaReduce, ...net.parameters()]);
    const out = [g.loss, ...g.grads].map((t) => t.clone());
    darts.dispose();
    net.dispose();
    return out;
  },
});

const reference: Float32Array[][] = [];
let skipReason = '';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  for (const c of cases) reference.push(tf.tidy(() => c.run()).map((t) => t.dataSync() as Float32Array));
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`webgpu parity tests skipped: ${skipReason}`);
  }
}, 600_000);

describe('webgpu computes what the cpu backend does', () => {
  cases.forEach((c, i) =>
    it(c.name, async (ctx) => {
      if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
      const outs = tf.tidy(() => c.run());
      // webgpu reads only asynchronously in Node.
      const got = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
      tf.dispose(outs);
      expect(got.length).toBe(reference[i].length);
      got.forEach((g, j) => {
        const want = reference[i][j];
        expect(g.length).toBe(want.length);
        const scale = Math.max(1e-6, ...Array.from(want, Math.abs));
        let diff = 0;
        for (let q = 0; q < g.length; q++) diff = Math.max(diff, Math.abs(g[q] - want[q]));
        expect(diff / scale, `output ${j}`).toBeLessThan(1e-4);
      });
    }),
  );
});
