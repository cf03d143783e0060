import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../choose';
import { Rng } from '../../util/rng';
import { channelMeanByPooling } from './mean-by-pooling';

/** Which reductions take the pooling path (values: the mean cases of wasm-kernels.test.ts). */
type Backend = {
  disposeData(id: unknown, force?: boolean): boolean;
  numDataIds(): number;
  readSync(id: unknown): Float32Array;
};
let b: Backend;
let x: tf.Tensor;
const data = new Rng(1).fillNormal(3 * 4 * 5 * 6);

beforeAll(async () => {
  expect((await chooseBackend({ prefer: 'wasm' })).chosen).toBe('wasm');
  b = tf.backend() as unknown as Backend;
  x = tf.tensor(data, [3, 4, 5, 6]);
});

/** The batch mean of the pooled [n, 1, 1, c] tensor: records what it was given and delegates to the registered Mean. */
const given: number[][] = [];
const batchMean = (t: tf.TensorInfo, attrs: Record<string, unknown>) => {
  given.push(t.shape);
  return tf.getKernel('Mean', 'wasm')!.kernelFunc({
    inputs: { x: t },
    backend: b as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  }) as tf.TensorInfo;
};

describe('per-channel mean as a global average pool (wasm)', () => {
  it('takes axes 0, 1, 2, equals the average computed here and frees the pooled tensor', () => {
    const before = b.numDataIds();
    const out = channelMeanByPooling(x, { axis: [0, 1, 2], keepDims: true }, b, batchMean)!;
    expect(given.at(-1)).toEqual([3, 1, 1, 6]);
    expect(out.shape).toEqual([1, 1, 1, 6]);
    const got = b.readSync(out.dataId);
    for (let c = 0; c < 6; c++) {
      let s = 0;
      for (let r = 0; r < 60; r++) s += data[r * 6 + c];
      expect(got[c]).toBeCloseTo(s / 60, 5);
    }
    b.disposeData(out.dataId, true);
    expect(b.numDataIds()).toBe(before);
  });

  it('hands every other reduction to wasm’s own kernel', () => {
    expect(channelMeanByPooling(x, { axis: [1, 2], keepDims: false }, b, batchMean)).toBeNull();
    expect(channelMeanByPooling(x, { axis: [0, 1, 2, 3], keepDims: false }, b, batchMean)).toBeNull();
    expect(
      channelMeanByPooling(tf.tensor([1, 2, 3, 4], [2, 2]), { axis: [0], keepDims: false }, b, batchMean),
    ).toBeNull();
  });
});
