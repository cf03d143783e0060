import * as tf from '../../tf';
import { runWasmKernel } from './conv-grads-xnnpack';

/**
 * Per-channel mean of an NHWC tensor (axes 0, 1, 2: BatchNorm's statistics) on wasm as a global
 * average pool on XNNPACK, then the mean over the batch of the N×C result. tfjs-backend-wasm's Mean
 * first transposes the reduced axes innermost (a full copy), then sums with scalar code; Mean was 13%
 * of a small DARTS step (kernel profiler). Other axes: null, and wasm's own kernel handles them.
 */
export function channelMeanByPooling(
  x: tf.TensorInfo,
  attrs: { axis: number | number[]; keepDims: boolean },
  b: { disposeData(dataId: unknown, force?: boolean): boolean },
  previousMean: (x: tf.TensorInfo, attrs: Record<string, unknown>) => tf.TensorInfo,
): tf.TensorInfo | null {
  if (x.dtype !== 'float32' || x.shape.length !== 4) return null;
  const axes = [...new Set(tf.util.parseAxisParam(attrs.axis, x.shape))].sort((p, q) => p - q);
  if (axes.join() !== '0,1,2') return null;
  const [n, h, w, c] = x.shape;
  if (n * h * w * c === 0) return null;
  const pooled = runWasmKernel('AvgPool', { x }, b, { filterSize: [h, w], strides: [h, w], pad: 'valid' });
  try {
    return previousMean(
      { dataId: pooled.dataId, shape: [n, 1, 1, c], dtype: 'float32' },
      { axis: [0, 1, 2], keepDims: attrs.keepDims },
    );
  } finally {
    b.disposeData(pooled.dataId, true);
  }
}
