import { beforeAll, describe, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from './choose';
import { dilatedDepthwiseConv2d } from '../ops/dilated-depthwise';
import { batchNormTrain, batchNormTrainGrad } from '../ops/batchnorm-op';
import { weightedSum } from '../ops/weighted-sum';
import { linearCombination, sumOfSquares } from '../ops/multi-tensor';
import '../nn/activations';
import {
  cpuReference,
  dartsSupernetGradients,
  expectParity,
  filterGrads,
  inputGrad,
  rnd,
  spaceToBatchRoundTrip,
  withGrads,
  type ParityCase,
} from '../../../test/helpers/backend-parity';

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
const cases: ParityCase[] = [];
for (const size of [7, 8])
  for (const stride of [1, 2] as const)
    for (const pad of ['same', 'valid'] as const) {
      cases.push({
        name: `conv2d k3 s${stride} ${pad} ${size}x${size}`,
        run: () => filterGrads((x, w) => tf.conv2d(x, w, stride, pad), [2, size, size, 3], [3, 3, 3, 4], 1),
      });
      cases.push({
        name: `depthwise k5 s${stride} ${pad} ${size}x${size}`,
        run: () =>
          filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, pad), [2, size, size, 4], [5, 5, 4, 1], 4),
      });
      cases.push({
        name: `maxPool 3x3 s${stride} ${pad} ${size}x${size}`,
        run: () => inputGrad((x) => tf.maxPool(x, 3, stride, pad), [2, size, size, 3], 7),
      });
      cases.push({
        name: `avgPool 3x3 s${stride} ${pad} ${size}x${size}`,
        run: () => inputGrad((x) => tf.avgPool(x, 3, stride, pad), [2, size, size, 3], 9),
      });
    }
// Max pooling over plateaus (integer values: most windows hold their maximum more than once): the
// gradient goes to the first maximum in scan order, as on cpu (webgpu-kernels.ts; the stock kernel
// took the last).
cases.push({
  name: 'maxPool 3x3 gradient on tied inputs, s1 and s2, same and valid, 7x7',
  run: () =>
    (['same', 'valid'] as const).flatMap((pad) =>
      ([1, 2] as const).flatMap((stride) =>
        withGrads(
          (x, z) => tf.maxPool(x as tf.Tensor4D, 3, stride, pad).add(z.sum()),
          tf.round(rnd([2, 7, 7, 3], 60).mul(1.5)),
          tf.scalar(0),
          61 + stride,
        ),
      ),
    ),
});
// The DARTS cell's explicit paddings (k−1)/2 and 1×1 convolutions.
for (const stride of [1, 2] as const)
  cases.push({
    name: `conv2d 1x1 s${stride} and depthwise k3 pad 1 s${stride} 7x7`,
    run: () => [
      ...filterGrads((x, w) => tf.conv2d(x, w, stride, 0), [2, 7, 7, 5], [1, 1, 5, 8], 11),
      ...filterGrads((x, w) => tf.depthwiseConv2d(x, w, stride, 1), [2, 7, 7, 4], [3, 3, 4, 1], 14),
    ],
  });
// Dilation 2 as the engine computes it (the DARTS dil_conv ops).
for (const size of [7, 8])
  for (const stride of [1, 2])
    for (const k of [3, 5])
      cases.push({
        name: `dilated depthwise d2 k${k} s${stride} pad ${k - 1} ${size}x${size}`,
        run: () =>
          filterGrads(
            (x, w) => dilatedDepthwiseConv2d(x, w, stride, 2, k - 1),
            [2, size, size, 4],
            [k, k, 4, 1],
            17,
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
    spaceToBatchRoundTrip(
      [2, 7, 7, 3],
      [2, 2],
      [
        [2, 3],
        [2, 3],
      ],
      [
        [0, 1],
        [0, 1],
      ],
      23,
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
  run: () => inputGrad((x) => tf.relu(x), [2, 5, 5, 4], 27),
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
  run: () => dartsSupernetGradients(34, (net) => net.parameters()),
});

let reference: Float32Array[][] = [];
let skipReason = '';

beforeAll(async () => {
  reference = await cpuReference(cases);
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
      expectParity(got, reference[i]);
    }),
  );
});
