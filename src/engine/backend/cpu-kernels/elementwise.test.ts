import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import '@tensorflow/tfjs-backend-cpu';
import { registerFastElementwiseKernels } from './elementwise';
import { Rng } from '../../util/rng';

const rng = new Rng(8);
const t = (shape: number[]) => tf.tensor(rng.fillNormal(shape.reduce((a, b) => a * b, 1)), shape);

const cases: Array<[string, () => tf.Tensor]> = [];
const shapes: Array<[number[], number[]]> = [
  [
    [2, 3, 4, 5],
    [2, 3, 4, 5],
  ],
  [[2, 3, 4, 5], []],
  [[2, 3, 4, 5], [5]],
  [
    [2, 3, 4, 5],
    [1, 1, 1, 5],
  ],
  [[5], [2, 3, 4, 5]],
  [
    [2, 3, 4, 5],
    [4, 5],
  ], // not a fast path: falls back to the stock kernel
];
for (const [sa, sb] of shapes) {
  const a = t(sa);
  const b = t(sb);
  cases.push(
    [`mul ${sa}×${sb}`, () => tf.mul(a, b)],
    [`add ${sa}+${sb}`, () => tf.add(a, b)],
    [`sub ${sa}−${sb}`, () => tf.sub(a, b)],
    [`div ${sa}/${sb}`, () => tf.div(a, b.abs().add(0.5))],
  );
}
const x = t([2, 3, 4, 5]);
cases.push(
  ['sum over [0,1,2]', () => tf.sum(x, [0, 1, 2])],
  ['mean over [0,1,2] keepDims', () => tf.mean(x, [0, 1, 2], true)],
  ['sum over 0', () => tf.sum(x, 0)],
  ['mean over [1,2] (stock)', () => tf.mean(x, [1, 2])],
  ['sum of all (stock)', () => tf.sum(x)],
  ['moments', () => tf.moments(x, [0, 1, 2]).variance],
);

const reference: Array<{ shape: number[]; data: Float32Array }> = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const [, f] of cases) {
    const r = f();
    reference.push({ shape: r.shape, data: r.dataSync() as Float32Array });
  }
  expect(registerFastElementwiseKernels()).toEqual([
    'Add',
    'Sub',
    'Multiply',
    'RealDiv',
    'Sum',
    'Mean',
    'NasStudioReluGrad',
    'NasStudioLinearCombination',
    'NasStudioSumOfSquares',
  ]);
});

describe('fast cpu elementwise kernels match the stock kernels', () => {
  cases.forEach(([name, f], i) =>
    it(name, () => {
      const r = f();
      expect(r.shape).toEqual(reference[i].shape);
      const d = r.dataSync();
      reference[i].data.forEach((v, j) => expect(Math.abs(d[j] - v)).toBeLessThan(1e-5 * (1 + Math.abs(v))));
    }),
  );
});
