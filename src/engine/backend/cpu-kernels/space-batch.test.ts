import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import '@tensorflow/tfjs-backend-cpu';
import {
  batchToSpace,
  batchToSpaceShape,
  registerFastSpaceBatchKernels,
  spaceToBatch,
  spaceToBatchShape,
} from './space-batch';
import { Rng } from '../../util/rng';

const rng = new Rng(5);
const x = tf.tensor4d(rng.fillNormal(2 * 7 * 6 * 3), [2, 7, 6, 3]);
const cases: Array<[string, () => tf.Tensor]> = [
  [
    'spaceToBatch 2x2, pads',
    () =>
      tf.spaceToBatchND(
        x,
        [2, 2],
        [
          [2, 3],
          [2, 2],
        ],
      ),
  ],
  [
    'spaceToBatch 2x2 then back, crops',
    () =>
      tf.batchToSpaceND(
        tf.spaceToBatchND(
          x,
          [2, 2],
          [
            [1, 2],
            [0, 2],
          ],
        ),
        [2, 2],
        [
          [1, 2],
          [0, 2],
        ],
      ),
  ],
  [
    'batchToSpace with crops',
    () =>
      tf.batchToSpaceND(
        tf.reshape(x, [4, 7, 3, 3]) as tf.Tensor4D,
        [2, 2],
        [
          [0, 1],
          [1, 0],
        ],
      ),
  ],
  [
    'gradient through both',
    () =>
      tf.grad((a: tf.Tensor) =>
        tf
          .batchToSpaceND(
            tf.spaceToBatchND(
              a,
              [2, 2],
              [
                [2, 3],
                [2, 2],
              ],
            ),
            [2, 2],
            [
              [0, 1],
              [0, 0],
            ],
          )
          .square()
          .sum(),
      )(x),
  ],
];
const reference: Array<{ shape: number[]; data: Float32Array }> = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  for (const [, f] of cases) {
    const r = f();
    reference.push({ shape: r.shape, data: r.dataSync() as Float32Array });
  }
  expect(registerFastSpaceBatchKernels()).toEqual(['SpaceToBatchND', 'BatchToSpaceND']);
});

describe('fast cpu space-to-batch kernels match the stock kernels', () => {
  cases.forEach(([name, f], i) =>
    it(name, () => {
      const r = f();
      expect(r.shape).toEqual(reference[i].shape);
      expect(Array.from(r.dataSync())).toEqual(Array.from(reference[i].data));
    }),
  );
});

describe('space-to-batch into a given buffer (wasm writes into its heap)', () => {
  it('gives what a fresh array gets, whatever the buffer held before, and the shapes agree', () => {
    const data = new Rng(6).fillNormal(2 * 7 * 6 * 3);
    const pads = [
      [2, 3],
      [2, 2],
    ];
    const fresh = spaceToBatch(data, [2, 7, 6, 3], [2, 2], pads);
    expect(spaceToBatchShape([2, 7, 6, 3], [2, 2], pads)).toEqual(fresh.shape);
    const stale = new Float32Array(fresh.out.length).fill(Number.NaN);
    spaceToBatch(data, [2, 7, 6, 3], [2, 2], pads, stale);
    expect(Array.from(stale)).toEqual(Array.from(fresh.out));
    const crops = [
      [1, 1],
      [0, 2],
    ];
    const back = batchToSpace(fresh.out, fresh.shape, [2, 2], crops);
    expect(batchToSpaceShape(fresh.shape, [2, 2], crops)).toEqual(back.shape);
    const into = new Float32Array(back.out.length).fill(Number.NaN);
    batchToSpace(fresh.out, fresh.shape, [2, 2], crops, into);
    expect(Array.from(into)).toEqual(Array.from(back.out));
  });
});
