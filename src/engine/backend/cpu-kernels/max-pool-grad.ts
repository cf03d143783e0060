import * as tf from '../../tf';

/**
 * Gradient of max pooling (NHWC): each output's gradient goes to the first maximum of its window in
 * row-major scan order, padding never winning — the rule of tfjs's cpu kernel. tfjs-backend-wasm's
 * MaxPoolGrad disagrees with it on padded windows (measured in wasm-kernels.test.ts), so the engine
 * uses this on wasm, and on cpu because it is faster than the stock kernel.
 */
export function maxPoolGrad(x: Float32Array, dy: Float32Array, ci: tf.backend_util.Conv2DInfo): Float32Array {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = ci;
  const { filterHeight: KH, filterWidth: KW, strideHeight: sh, strideWidth: sw } = ci;
  const pt = ci.padInfo.top;
  const pl = ci.padInfo.left;
  const dx = new Float32Array(N * H * W * C);
  // Channels innermost: NHWC keeps them contiguous, so each window tap reads one run of C floats.
  const best = new Float32Array(C);
  const at = new Int32Array(C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        best.fill(-Infinity);
        at.fill(-1);
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const base = ((n * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              // Strictly greater: the first maximum in scan order wins, as in tfjs's cpu kernel.
              if (v > best[c]) {
                best[c] = v;
                at[c] = base + c;
              }
            }
          }
        }
        const o = ((n * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (at[c] >= 0) dx[at[c]] += dy[o + c];
      }
  return dx;
}

export function maxPoolInfo(xShape: number[], attrs: Record<string, unknown>) {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize as number,
    attrs.strides as number,
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
}
