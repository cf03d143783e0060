import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../choose';
import { Rng } from '../../util/rng';
import {
  avgPoolGradXnn,
  conv2dBackpropFilterXnn,
  conv2dBackpropInputXnn,
  depthwiseBackpropFilterXnn,
  depthwiseBackpropInputXnn,
  type WasmBackendForGrads,
} from './conv-grads-xnnpack';

/**
 * Which shapes take the XNNPACK path (the values are checked against cpu in wasm-kernels.test.ts,
 * through tf.grads, whichever path runs): strides 1 and 2 must, unequal strides, dilations and
 * paddings wider than the filter must hand over (null), and no scratch buffer may stay behind on the
 * wasm heap.
 */
const rnd = (shape: number[], seed: number) =>
  tf.tensor(new Rng(seed).fillNormal(shape.reduce((a, b) => a * b, 1)), shape);
type Backend = WasmBackendForGrads & { numDataIds(): number; makeOutput(...a: unknown[]): tf.TensorInfo };
let b: Backend;

beforeAll(async () => {
  expect((await chooseBackend({ prefer: 'wasm' })).chosen).toBe('wasm');
  b = tf.backend() as unknown as Backend;
});

/** Runs `f`, checks what it returned, frees it, and checks that nothing else was left allocated. */
function check(f: () => tf.TensorInfo | null, shape: number[] | null) {
  const before = b.numDataIds();
  const out = f();
  if (shape === null) expect(out).toBeNull();
  else {
    expect(out?.shape).toEqual(shape);
    b.disposeData(out!.dataId, true);
  }
  expect(b.numDataIds()).toBe(before);
}

describe('convolution gradients as XNNPACK convolutions on wasm', () => {
  const x = rnd([2, 8, 8, 3], 1);
  const w = rnd([3, 3, 3, 4], 2);
  const dw = rnd([5, 5, 3, 1], 3);
  for (const stride of [1, 2] as const) {
    it(`takes stride ${stride}`, () => {
      const attrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
      const dy = rnd(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same').shape, 4);
      const dyd = rnd(tf.depthwiseConv2d(x as tf.Tensor4D, dw as tf.Tensor4D, stride, 'same').shape, 5);
      check(() => conv2dBackpropInputXnn(dy, w, x.shape, attrs, b), x.shape);
      check(() => conv2dBackpropFilterXnn(x, dy, w.shape, attrs, b), w.shape);
      check(() => depthwiseBackpropInputXnn(dyd, dw, x.shape, attrs, b), x.shape);
      check(() => depthwiseBackpropFilterXnn(x, dyd, dw.shape, attrs, b), dw.shape);
      const dyp = rnd(tf.avgPool(x as tf.Tensor4D, 3, stride, 'valid').shape, 6);
      check(
        () => avgPoolGradXnn(dyp, x, { filterSize: 3, strides: stride, pad: 'valid' }, b as never),
        x.shape,
      );
    });
  }

  it('hands over unequal strides, dilation 2 and a padding wider than the filter', () => {
    const dy2 = rnd([2, 8, 4, 4], 10);
    check(() => conv2dBackpropInputXnn(dy2, w, x.shape, { strides: [1, 2], pad: 'same' }, b), null);
    const dy = rnd([2, 8, 8, 4], 7);
    check(
      () => conv2dBackpropInputXnn(dy, w, x.shape, { strides: 1, pad: 'same', dilations: 2 } as never, b),
      null,
    );
    const dy1 = rnd([2, 10, 10, 4], 8);
    const w1 = rnd([1, 1, 3, 4], 9);
    check(() => conv2dBackpropFilterXnn(x, dy1, w1.shape, { strides: 1, pad: 1 }, b), null);
  });
});
