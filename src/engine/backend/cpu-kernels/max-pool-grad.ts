import * as tf from '../../tf';

/** A pooling kernel's geometry from its attributes (max and average pooling alike). */
export function poolInfo(xShape: number[], attrs: Record<string, unknown>) {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as number,
    attrs.strides as number,
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
}

/**
 * Gradient of max pooling (NHWC), given the pooled output y (MaxPoolGrad receives it): each window's
 * gradient goes to the first input in row-major scan order that equals the window's maximum —
 * padding never wins — the rule of tfjs's cpu kernel. The scan stops there instead of comparing all
 * k² inputs. tfjs-backend-wasm's MaxPoolGrad disagrees with that rule on padded windows (measured in
 * wasm-kernels.test.ts), so the engine uses this on wasm, and on cpu because it is faster than the
 * stock kernel (conv-grads.test.ts). Writes into `dx` (zeroed here), which may be a view of the wasm
 * heap, as may x, y and dy: no copies.
 */
export function maxPoolGradFromOutput(
  x: Float32Array,
  y: Float32Array,
  dy: Float32Array,
  dx: Float32Array,
  ci: tf.backend_util.Conv2DInfo,
): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = ci;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = ci;
  const pt = ci.padInfo.top;
  const pl = ci.padInfo.left;
  dx.fill(0);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sh - pt);
      const h1 = Math.min(H, oh * sh - pt + KH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(0, ow * sw - pl);
        const w1 = Math.min(W, ow * sw - pl + KW);
        const o = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const m = y[o + c];
          let done = false;
          for (let ih = h0; ih < h1 && !done; ih++)
            for (let iw = w0, idx = ((n * H + ih) * W + w0) * C + c; iw < w1; iw++, idx += C)
              if (x[idx] === m) {
                dx[idx] += dy[o + c];
                done = true;
                break;
              }
        }
      }
    }
}
