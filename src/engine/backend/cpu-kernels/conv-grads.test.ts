import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import '@tensorflow/tfjs-backend-cpu';
import { registerFastCpuKernels } from './conv-grads';
import { Rng } from '../../util/rng';

/** Gradients computed with the stock kernels, before the fast ones replace them. */
const reference: Array<() => Float32Array[]> = [];
const cases: Array<{ name: string; run: () => tf.Tensor[] }> = [];

function rnd(shape: number[], seed: number) {
  const r = new Rng(seed);
  return tf.tensor(r.fillNormal(shape.reduce((a, b) => a * b, 1)), shape);
}

for (const [k, stride, pad, h] of [
  [1, 1, 0, 6],
  [1, 2, 0, 6],
  [3, 1, 1, 5],
  [3, 2, 1, 6],
  [5, 2, 2, 7],
  [3, 1, 'same', 6],
  [3, 2, 'valid', 7],
] as const) {
  cases.push({
    name: `conv2d k${k} s${stride} pad ${pad} ${h}x${h}`,
    run: () =>
      tf.tidy(() => {
        const x = tf.relu(rnd([2, h, h, 3], 1)) as tf.Tensor4D; // zeros exercise the skip path
        const w = rnd([k, k, 3, 4], 2) as tf.Tensor4D;
        const dy = rnd(tf.conv2d(x, w, stride, pad).shape, 3);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)
            .mul(dy)
            .sum(),
        );
        return g([x, w]);
      }),
  });
  cases.push({
    name: `depthwise k${k} s${stride} pad ${pad} ${h}x${h}`,
    run: () =>
      tf.tidy(() => {
        const x = rnd([2, h, h, 3], 4) as tf.Tensor4D;
        const w = rnd([k, k, 3, 1], 5) as tf.Tensor4D;
        const dy = rnd(tf.depthwiseConv2d(x, w, stride, pad).shape, 6);
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf
            .depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, pad)
            .mul(dy)
            .sum(),
        );
        return g([x, w]);
      }),
  });
}

for (const [k, stride, pad, h] of [
  [3, 1, 1, 6],
  [3, 2, 1, 7],
  [2, 2, 'valid', 6],
  [3, 2, 'same', 6],
] as const)
  cases.push({
    name: `maxPool k${k} s${stride} pad ${pad} ${h}x${h} (ties from ReLU zeros)`,
    run: () =>
      tf.tidy(() => {
        const x = tf.relu(rnd([2, h, h, 3], 7)) as tf.Tensor4D;
        const dy = rnd(tf.maxPool(x, k, stride, pad).shape, 8);
        return [
          tf.grad((a: tf.Tensor) =>
            tf
              .maxPool(a as tf.Tensor4D, k, stride, pad)
              .mul(dy)
              .sum(),
          )(x),
        ];
      }),
  });

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const c of cases) {
    const out = c.run().map((t) => t.dataSync() as Float32Array);
    reference.push(() => out);
  }
  expect(registerFastCpuKernels()).toEqual([
    'Conv2DBackpropFilter',
    'Conv2DBackpropInput',
    'DepthwiseConv2dNativeBackpropFilter',
    'MaxPoolGrad',
    'DepthwiseConv2dNativeBackpropInput',
  ]);
});

describe('fast cpu convolution and max-pool gradients match the stock tfjs kernels', () => {
  cases.forEach((c, i) =>
    it(c.name, () => {
      const got = c.run().map((t) => t.dataSync() as Float32Array);
      const want = reference[i]();
      got.forEach((g, j) => {
        const scale = Math.max(...want[j].map(Math.abs));
        const maxDiff = Math.max(...g.map((v, q) => Math.abs(v - want[j][q])));
        expect(maxDiff).toBeLessThan(1e-5 * scale + 1e-6);
      });
    }),
  );
});
