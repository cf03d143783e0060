import * as tf from '../../tf';
import { once, overrideKernel } from '../kernel-override';
import {
  convInfo,
  conv2dBackpropFilter,
  isNhwc,
  depthwiseBackpropFilter,
  depthwiseBackpropInput,
  supported,
  type Attrs,
} from '../cpu-kernels/conv-grads';
import { maxPoolGradFromOutput, poolInfo } from '../cpu-kernels/max-pool-grad';
import { batchToSpace, batchToSpaceShape, spaceToBatch, spaceToBatchShape } from '../cpu-kernels/space-batch';
import {
  avgPoolGradXnn,
  conv2dBackpropFilterXnn,
  conv2dBackpropInputXnn,
  depthwiseBackpropFilterXnn,
  depthwiseBackpropInputXnn,
  type WasmBackendForGrads,
} from './conv-grads-xnnpack';
import { channelMeanByPooling } from './mean-by-pooling';
import { enableNativeDilation } from '../../ops/dilated-depthwise';
import { heapView } from './heap';

/** The parts of tfjs-backend-wasm these kernels use: a tensor's data (a copy, or in place on the heap), and a new output. */
interface WasmBackendLike extends WasmBackendForGrads {
  incRef(dataId: unknown): void;
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  wasm: { HEAPF32: Float32Array };
  readSync(dataId: unknown): Float32Array;
  makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

/**
 * The gradient kernels tfjs-backend-wasm 4.22 lacks, so that the engine can train on wasm, and faster
 * replacements for some it has. Convolution and average-pool gradients run as XNNPACK convolutions
 * (conv-grads-xnnpack.ts); the shapes those do not take (unequal strides, paddings wider than the
 * filter) fall to the engine's JS loops (the same code as the fast cpu kernels) over copies of the
 * wasm heap, which refuse dilation other than 1 with a clear error (the engine dilates through
 * space-to-batch). MaxPoolGrad (max-pool-grad.ts) runs in place on the heap; BatchNorm's per-channel
 * Mean runs as a global average pool (mean-by-pooling.ts); space-to-batch both ways as row copies.
 * Parity-tested against the cpu backend (wasm-kernels.test.ts).
 */
export function registerWasmTrainingKernels(): string[] {
  return once('wasm-training', () => {
    // The depthwise loops take a dilation (the engine's dilated convolutions, ops/dilated-depthwise.ts).
    const check = (kernel: string, attrs: Attrs & Record<string, unknown>, multiplier?: number) => {
      if (multiplier === undefined ? !supported(attrs) : !isNhwc(attrs) || multiplier !== 1)
        throw new Error(
          `${kernel} on wasm supports NHWC${multiplier === undefined ? ', dilation 1' : ''} and channel multiplier 1 only`,
        );
    };
    const kernels: Record<
      string,
      (
        i: Record<string, tf.TensorInfo>,
        b: WasmBackendLike,
        a: Attrs & Record<string, unknown>,
      ) => tf.TensorInfo
    > = {
      Conv2DBackpropFilter: ({ x, dy }, b, attrs) => {
        check('Conv2DBackpropFilter', attrs);
        const fs = attrs.filterShape as number[];
        const info = convInfo(x.shape, fs, attrs, false);
        return b.makeOutput(
          fs,
          'float32',
          undefined,
          conv2dBackpropFilter(b.readSync(x.dataId), b.readSync(dy.dataId), info),
        );
      },
      DepthwiseConv2dNativeBackpropFilter: ({ x, dy }, b, attrs) => {
        const fs = attrs.filterShape as number[];
        check('DepthwiseConv2dNativeBackpropFilter', attrs, fs[3]);
        const info = convInfo(x.shape, fs, attrs, true);
        return b.makeOutput(
          fs,
          'float32',
          undefined,
          depthwiseBackpropFilter(b.readSync(x.dataId), b.readSync(dy.dataId), info),
        );
      },
      DepthwiseConv2dNativeBackpropInput: ({ dy, filter }, b, attrs) => {
        check('DepthwiseConv2dNativeBackpropInput', attrs, filter.shape[3]);
        const xShape = attrs.inputShape as number[];
        const info = convInfo(xShape, filter.shape, attrs, true);
        return b.makeOutput(
          xShape,
          'float32',
          undefined,
          depthwiseBackpropInput(b.readSync(filter.dataId), b.readSync(dy.dataId), info),
        );
      },
    };
    const added = Object.entries(kernels)
      .filter(([name]) => !tf.getKernel(name, 'wasm'))
      .map(([name, run]) => {
        overrideKernel<WasmBackendLike>(name, 'wasm', (i, b, a) =>
          run(i, b, a as Attrs & Record<string, unknown>),
        );
        return name;
      });
    // Gradients as forward convolutions on XNNPACK (conv-grads-xnnpack.ts); the shapes those do not
    // take fall through to the kernels above (wasm's own Conv2DBackpropInput for the input gradient).
    const asAttrs = (a: Record<string, unknown>) => a as Attrs & Record<string, unknown>;
    overrideKernel<WasmBackendLike>('Conv2DBackpropInput', 'wasm', ({ dy, filter }, b, a) =>
      conv2dBackpropInputXnn(dy, filter, a.inputShape as number[], asAttrs(a), b),
    );
    overrideKernel<WasmBackendLike>('DepthwiseConv2dNativeBackpropInput', 'wasm', ({ dy, filter }, b, a) =>
      depthwiseBackpropInputXnn(dy, filter, a.inputShape as number[], asAttrs(a), b),
    );
    overrideKernel<WasmBackendLike>('Conv2DBackpropFilter', 'wasm', ({ x, dy }, b, a) =>
      conv2dBackpropFilterXnn(x, dy, a.filterShape as number[], asAttrs(a), b),
    );
    overrideKernel<WasmBackendLike>('DepthwiseConv2dNativeBackpropFilter', 'wasm', ({ x, dy }, b, a) =>
      depthwiseBackpropFilterXnn(x, dy, a.filterShape as number[], asAttrs(a), b),
    );
    overrideKernel<WasmBackendLike>('AvgPoolGrad', 'wasm', ({ dy, input }, b, a) =>
      avgPoolGradXnn(dy, input, a, b),
    );
    const wasmMean = tf.getKernel('Mean', 'wasm');
    if (wasmMean)
      // Once overridden, 'Mean' names the override: the batch mean goes to wasm's own kernel, kept here.
      overrideKernel<WasmBackendLike>('Mean', 'wasm', ({ x }, b, a) =>
        channelMeanByPooling(
          x,
          a as { axis: number[]; keepDims: boolean },
          b,
          (input, attrs) =>
            wasmMean.kernelFunc({
              inputs: { x: input },
              backend: b as unknown as tf.KernelBackend,
              attrs: attrs as tf.NamedAttrMap,
            }) as tf.TensorInfo,
        ),
      );
    // Replaces wasm's own MaxPoolGrad, which routes gradients wrongly in padded windows.
    // It reads x, y and dy and writes dx in place on the wasm heap.
    overrideKernel<WasmBackendLike>('MaxPoolGrad', 'wasm', ({ dy, input, output }, b, attrs) => {
      const dx = b.makeOutput(input.shape, 'float32');
      maxPoolGradFromOutput(
        heapView(b, input),
        heapView(b, output),
        heapView(b, dy),
        heapView(b, dx),
        poolInfo(input.shape, attrs),
      );
      return dx;
    });
    // wasm's space-to-batch kernels pad and transpose through generic code and were the slowest ops of
    // a DARTS step on wasm (measured with tf.profile); the row-copy versions replace them for 4-D NHWC.
    const fits = (x: tf.TensorInfo, attrs: Record<string, unknown>) =>
      x.shape.length === 4 &&
      x.dtype === 'float32' &&
      (attrs.blockShape as number[] | undefined)?.length === 2;
    overrideKernel<WasmBackendLike>('SpaceToBatchND', 'wasm', ({ x }, b, attrs) => {
      if (!fits(x, attrs)) return null;
      const [blocks, paddings] = [attrs.blockShape as number[], attrs.paddings as number[][]];
      const out = b.makeOutput(spaceToBatchShape(x.shape, blocks, paddings), 'float32');
      spaceToBatch(heapView(b, x), x.shape, blocks, paddings, heapView(b, out));
      return out;
    });
    overrideKernel<WasmBackendLike>('BatchToSpaceND', 'wasm', ({ x }, b, attrs) => {
      if (!fits(x, attrs)) return null;
      const [blocks, crops] = [attrs.blockShape as number[], attrs.crops as number[][]];
      const out = b.makeOutput(batchToSpaceShape(x.shape, blocks, crops), 'float32');
      batchToSpace(heapView(b, x), x.shape, blocks, crops, heapView(b, out));
      return out;
    });
    // tfjs saves every tensor a gradient needs through the Identity kernel, and its gradient runs a
    // same-type Cast; wasm's own kernels copy the data for both (about 44,000 copies in a small
    // second-order step). Tensors are immutable and wasm counts references to a buffer (its Reshape
    // shares one the same way), so both share the buffer instead, as the cpu backend's do.
    const share = (x: tf.TensorInfo, b: WasmBackendLike): tf.TensorInfo => {
      b.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    };
    overrideKernel<WasmBackendLike>('Identity', 'wasm', ({ x }, b) =>
      x.dtype === 'string' ? null : share(x, b),
    );
    overrideKernel<WasmBackendLike>('Cast', 'wasm', ({ x }, b, attrs) =>
      attrs.dtype === x.dtype && x.dtype !== 'string' ? share(x, b) : null,
    );
    // Every depthwise gradient kernel above takes a dilation: the engine may run dilated convolutions as one kernel.
    enableNativeDilation('wasm');
    return [
      ...added,
      'Conv2DBackpropInput',
      'AvgPoolGrad',
      'Mean',
      'MaxPoolGrad',
      'SpaceToBatchND',
      'BatchToSpaceND',
      'Identity',
      'Cast',
    ];
  });
}
