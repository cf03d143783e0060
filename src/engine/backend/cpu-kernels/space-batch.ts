import * as tf from '../../tf';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';

/**
 * Fast `cpu` SpaceToBatchND / BatchToSpaceND for 4-D NHWC tensors with a 2-D block (the engine's
 * dilated convolutions use them forward and, as each other's gradients, backward). The stock kernels
 * pad, reshape and transpose through generic index arithmetic; these copy channel rows directly.
 * Other ranks fall back to the stock kernels. Parity-tested in space-batch.test.ts.
 */

/** The output shape of spaceToBatch. */
export function spaceToBatchShape(
  [N, H, W, C]: number[],
  [bh, bw]: number[],
  [[pt, pb], [pl, pr]]: number[][],
): number[] {
  return [bh * bw * N, (H + pt + pb) / bh, (W + pl + pr) / bw, C];
}

/** The output shape of batchToSpace. */
export function batchToSpaceShape(
  [B, h0, w0, C]: number[],
  [bh, bw]: number[],
  [[ct, cb], [cl, cr]]: number[][],
): number[] {
  return [B / (bh * bw), h0 * bh - ct - cb, w0 * bw - cl - cr, C];
}

/**
 * A copier of pixel runs: `count` pixels (C values each) from pixel `src` on, `srcStep` pixels apart,
 * to pixel `dst` on, `dstStep` pixels apart. Both space-to-batch directions are such runs, one per
 * (block offset, image, row); the wasm backend copies them with SIMD loops (simd-kernels.ts).
 */
export type PixelRuns = (src: number, dst: number, count: number, srcStep: number, dstStep: number) => void;

/** Pixel runs between two arrays, element by element: for 8–64 channels that beats a subarray object per run. */
export function copyRunsBetween(from: Float32Array, to: Float32Array, C: number): PixelRuns {
  return (src, dst, count, srcStep, dstStep) => {
    for (let p = 0; p < count; p++, src += srcStep, dst += dstStep)
      for (let k = 0, a = src * C, b = dst * C; k < C; k++) to[b + k] = from[a + k];
  };
}

/** The valid run of w in [0, n) for which w·step + offset lies in [0, limit). */
export function validRun(
  n: number,
  step: number,
  offset: number,
  limit: number,
): { lo: number; count: number } {
  const lo = Math.max(0, Math.ceil(-offset / step));
  const hi = Math.min(n, Math.floor((limit - 1 - offset) / step) + 1);
  return { lo, count: Math.max(0, hi - lo) };
}

/**
 * out[(i·bw + j)·N + n, h, w, :] = xpad[n, h·bh + i, w·bw + j, :] as pixel runs; the padding is the
 * zeros the output must already hold.
 */
export function spaceToBatchRuns(
  [N, H, W]: number[],
  [bh, bw]: number[],
  [[pt, pb], [pl, pr]]: number[][],
  run: PixelRuns,
): void {
  const [oh, ow] = [(H + pt + pb) / bh, (W + pl + pr) / bw];
  for (let i = 0; i < bh; i++)
    for (let j = 0; j < bw; j++) {
      const cols = validRun(ow, bw, j - pl, W);
      if (cols.count === 0) continue;
      for (let n = 0; n < N; n++) {
        const b = (i * bw + j) * N + n;
        for (let h = 0; h < oh; h++) {
          const ih = h * bh + i - pt;
          if (ih < 0 || ih >= H) continue;
          run((n * H + ih) * W + cols.lo * bw + j - pl, (b * oh + h) * ow + cols.lo, cols.count, bw, 1);
        }
      }
    }
}

/** full[n, h·bh + i, w·bw + j, :] = x[(i·bw + j)·N + n, h, w, :], cropped, as pixel runs (they cover the output). */
export function batchToSpaceRuns(
  [B, h0, w0]: number[],
  [bh, bw]: number[],
  [[ct, cb], [cl, cr]]: number[][],
  run: PixelRuns,
): void {
  const N = B / (bh * bw);
  const H = h0 * bh - ct - cb;
  const W = w0 * bw - cl - cr;
  for (let i = 0; i < bh; i++)
    for (let j = 0; j < bw; j++) {
      const cols = validRun(w0, bw, j - cl, W);
      if (cols.count === 0) continue;
      for (let n = 0; n < N; n++) {
        const b = (i * bw + j) * N + n;
        for (let h = 0; h < h0; h++) {
          const oh = h * bh + i - ct;
          if (oh < 0 || oh >= H) continue;
          run((b * h0 + h) * w0 + cols.lo, (n * H + oh) * W + cols.lo * bw + j - cl, cols.count, 1, bw);
        }
      }
    }
}

/** spaceToBatch into `into` when given (zeroed here; wasm passes a view of its heap), else into a new array. */
export function spaceToBatch(
  x: Float32Array,
  shape: number[],
  blocks: number[],
  pads: number[][],
  into?: Float32Array,
) {
  const outShape = spaceToBatchShape(shape, blocks, pads);
  const out = into ?? new Float32Array(tf.util.sizeFromShape(outShape));
  if (into) out.fill(0);
  spaceToBatchRuns(shape, blocks, pads, copyRunsBetween(x, out, shape[3]));
  return { out, shape: outShape };
}

/** batchToSpace into `into` when given, else into a new array. */
export function batchToSpace(
  x: Float32Array,
  shape: number[],
  blocks: number[],
  crops: number[][],
  into?: Float32Array,
) {
  const outShape = batchToSpaceShape(shape, blocks, crops);
  const out = into ?? new Float32Array(tf.util.sizeFromShape(outShape));
  batchToSpaceRuns(shape, blocks, crops, copyRunsBetween(x, out, shape[3]));
  return { out, shape: outShape };
}

export function registerFastSpaceBatchKernels(): string[] {
  return once('cpu-space-batch', () => {
    const fits = (x: tf.TensorInfo, attrs: Record<string, unknown>) =>
      x.shape.length === 4 &&
      x.dtype === 'float32' &&
      (attrs.blockShape as number[] | undefined)?.length === 2;
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
