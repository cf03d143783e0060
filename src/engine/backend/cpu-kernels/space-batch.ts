import * as tf from '../../tf';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';

/**
 * Fast `cpu` SpaceToBatchND / BatchToSpaceND for 4-D NHWC tensors with a 2-D block (the engine's
 * dilated convolutions use them forward and, as each other's gradients, backward). The stock kernels
 * pad, reshape and transpose through generic index arithmetic; these copy channel rows directly.
 * Other ranks fall back to the stock kernels. Parity-tested in space-batch.test.ts.
 */

/** The output shape of spaceToBatch. */
export function spaceToBatchShape([N, H, W, C]: number[], [bh, bw]: number[], [[pt, pb], [pl, pr]]: number[][]): number[] {
  return [bh * bw * N, (H + pt + pb) / bh, (W + pl + pr) / bw, C];
}

/** The output shape of batchToSpace. */
export function batchToSpaceShape([B, h0, w0, C]: number[], [bh, bw]: number[], [[ct, cb], [cl, cr]]: number[][]): number[] {
  return [B / (bh * bw), h0 * bh - ct - cb, w0 * bw - cl - cr, C];
}

/**
 * out[(i·bw + j)·N + n, h, w, :] = xpad[n, h·bh + i, w·bw + j, :]. Writes into `into` when given
 * (zeroed here; wasm passes a view of its heap), else into a new array. Channel runs are copied
 * element by element: for the engine's 8–64 channels that beats a subarray object per run.
 */
export function spaceToBatch(x: Float32Array, [N, H, W, C]: number[], [bh, bw]: number[], [[pt, pb], [pl, pr]]: number[][], into?: Float32Array) {
  const Hp = H + pt + pb;
  const Wp = W + pl + pr;
  const [oh, ow] = [Hp / bh, Wp / bw];
  const out = into ?? new Float32Array(bh * bw * N * oh * ow * C);
  if (into) out.fill(0);
  for (let i = 0; i < bh; i++)
    for (let j = 0; j < bw; j++)
      for (let n = 0; n < N; n++) {
        const b = (i * bw + j) * N + n;
        for (let h = 0; h < oh; h++) {
          const ih = h * bh + i - pt;
          if (ih < 0 || ih >= H) continue;
          for (let w = 0; w < ow; w++) {
            const iw = w * bw + j - pl;
            if (iw < 0 || iw >= W) continue;
            const src = ((n * H + ih) * W + iw) * C;
            const dst = ((b * oh + h) * ow + w) * C;
            for (let k = 0; k < C; k++) out[dst + k] = x[src + k];
          }
        }
      }
  return { out, shape: [bh * bw * N, oh, ow, C] };
}

/** full[n, h·bh + i, w·bw + j, :] = x[(i·bw + j)·N + n, h, w, :], then cropped; into `into` when given. */
export function batchToSpace(x: Float32Array, [B, h0, w0, C]: number[], [bh, bw]: number[], [[ct, cb], [cl, cr]]: number[][], into?: Float32Array) {
  const N = B / (bh * bw);
  const H = h0 * bh - ct - cb;
  const W = w0 * bw - cl - cr;
  const out = into ?? new Float32Array(N * H * W * C);
  for (let i = 0; i < bh; i++)
    for (let j = 0; j < bw; j++)
      for (let n = 0; n < N; n++) {
        const b = (i * bw + j) * N + n;
        for (let h = 0; h < h0; h++) {
          const oh = h * bh + i - ct;
          if (oh < 0 || oh >= H) continue;
          for (let w = 0; w < w0; w++) {
            const ow = w * bw + j - cl;
            if (ow < 0 || ow >= W) continue;
            const src = ((b * h0 + h) * w0 + w) * C;
            const dst = ((n * H + oh) * W + ow) * C;
            for (let k = 0; k < C; k++) out[dst + k] = x[src + k];
          }
        }
      }
  return { out, shape: [N, H, W, C] };
}

export function registerFastSpaceBatchKernels(): string[] {
  return once('cpu-space-batch', () => {
    const fits = (x: tf.TensorInfo, attrs: Record<string, unknown>) =>
      x.shape.length === 4 && x.dtype === 'float32' && (attrs.blockShape as number[] | undefined)?.length === 2;
    const kernels = {
      SpaceToBatchND: (x: tf.TensorInfo, b: CpuBackendLike, attrs: Record<string, unknown>) =>
        spaceToBatch(cpuValues(b, x), x.shape, attrs.blockShape as number[], attrs.paddings as number[][]),
      BatchToSpaceND: (x: tf.TensorInfo, b: CpuBackendLike, attrs: Record<string, unknown>) =>
        batchToSpace(cpuValues(b, x), x.shape, attrs.blockShape as number[], attrs.crops as number[][]),
    };
    return Object.entries(kernels)
      .filter(([name]) => tf.getKernel(name, 'cpu'))
      .map(([name, run]) => {
        overrideKernel<CpuBackendLike>(name, 'cpu', ({ x }, b, attrs) => {
          if (!fits(x, attrs)) return null;
          const r = run(x, b, attrs);
          return b.makeTensorInfo(r.shape, 'float32', r.out);
        });
        return name;
      });
  });
}
