import * as tf from '../../tf';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';
import { maxPoolGradFromOutput, poolInfo } from './max-pool-grad';

/**
 * Faster `cpu` kernels for the convolution gradients that dominate a DARTS step on the pure-JS
 * backend (measured: Conv2DBackpropFilter and DepthwiseConv2dNativeBackpropFilter took ~60% of a
 * tiny first-order step). tfjs-backend-cpu computes them with per-element index arithmetic; these
 * loop so that the innermost loop runs over contiguous channels of NHWC data and skip zero inputs
 * (ReLU outputs are half zeros). NHWC, dilation 1 (the engine dilates by space-to-batch). Every
 * kernel here has a parity test against the stock kernel (conv-grads.test.ts).
 *
 * The loop nests are written out per kernel on purpose: a shared iterator calling back from the inner
 * loop stops V8 from keeping these loops tight, and these loops are the hot path of a CPU search
 * (measured: one shared tap iterator with a callback per kernel took 1.2–3× as long on all four, at
 * batch×size×channels 8×8²×4 to 64×32²×16, on a busy 2-core machine). Only the geometry's unpacking
 * is shared (loopSizes).
 */

export type Attrs = {
  strides: number | [number, number];
  pad: unknown;
  dimRoundingMode?: unknown;
  dataFormat?: string;
};

/** A convolution's geometry; the dilation is the attributes' (the depthwise loops below take one). */
export function convInfo(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs & { dilations?: number | number[] },
  depthwise: boolean,
) {
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    (attrs.dilations ?? 1) as number | [number, number],
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
    depthwise,
    'channelsLast',
  );
}

/** Channels-last data (tfjs names it NHWC in kernel attributes, channelsLast in layers). */
export const isNhwc = (attrs: { dataFormat?: string }): boolean =>
  attrs.dataFormat === undefined || attrs.dataFormat === 'NHWC' || attrs.dataFormat === 'channelsLast';

/** Channels-last with dilation 1: the convolutions the loops below take (the depthwise ones also take a dilation). */
export function supported(attrs: Attrs & { dilations?: number | number[] }): boolean {
  const d = attrs.dilations;
  const dil1 = d === undefined || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));
  return dil1 && isNhwc(attrs);
}

/**
 * The geometry under the short names the loops below use, read once per call: sizes N, H, W, Ci (in
 * channels), OH, OW, Co (out channels), the filter KH×KW, strides sh, sw, dilations dh, dw (the dense
 * kernels run only at dilation 1 and ignore them) and the top and left padding pt, pl.
 */
function loopSizes(ci: tf.backend_util.Conv2DInfo) {
  return {
    N: ci.batchSize,
    H: ci.inHeight,
    W: ci.inWidth,
    Ci: ci.inChannels,
    OH: ci.outHeight,
    OW: ci.outWidth,
    Co: ci.outChannels,
    KH: ci.filterHeight,
    KW: ci.filterWidth,
    sh: ci.strideHeight,
    sw: ci.strideWidth,
    dh: ci.dilationHeight,
    dw: ci.dilationWidth,
    pt: ci.padInfo.top,
    pl: ci.padInfo.left,
  };
}

/** dW[kh,kw,ci,co] = Σ x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co] */
export function conv2dBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  ci: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { N, H, W, Ci, OH, OW, Co, KH, KW, sh, sw, pt, pl } = loopSizes(ci);
  const dw = new Float32Array(KH * KW * Ci * Co);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dyOff = ((n * OH + oh) * OW + ow) * Co;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * Ci;
            const wBase = (kh * KW + kw) * Ci * Co;
            for (let c = 0; c < Ci; c++) {
              const xv = x[xOff + c];
              if (xv === 0) continue;
              const wOff = wBase + c * Co;
              for (let o = 0; o < Co; o++) dw[wOff + o] += xv * dy[dyOff + o];
            }
          }
        }
      }
  return dw;
}

/** dx[n,ih,iw,ci] = Σ W[kh,kw,ci,co] · dy[n,oh,ow,co] over the outputs that read (ih, iw) */
export function conv2dBackpropInput(
  w: Float32Array,
  dy: Float32Array,
  ci: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { N, H, W, Ci, OH, OW, Co, KH, KW, sh, sw, pt, pl } = loopSizes(ci);
  const dx = new Float32Array(N * H * W * Ci);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dyOff = ((n * OH + oh) * OW + ow) * Co;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw - pl;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * Ci;
            const wBase = (kh * KW + kw) * Ci * Co;
            for (let c = 0; c < Ci; c++) {
              const wOff = wBase + c * Co;
              let s = 0;
              for (let o = 0; o < Co; o++) s += w[wOff + o] * dy[dyOff + o];
              dx[xOff + c] += s;
            }
          }
        }
      }
  return dx;
}

/** Depthwise (channel multiplier 1, dilation d): dW[kh,kw,c] = Σ x[n,ih,iw,c] · dy[n,oh,ow,c], ih = oh·s + kh·d − pt */
export function depthwiseBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  ci: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { N, H, W, Ci: C, OH, OW, KH, KW, sh, sw, dh, dw: dw0, pt, pl } = loopSizes(ci);
  const dw = new Float32Array(KH * KW * C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dyOff = ((n * OH + oh) * OW + ow) * C;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh * dh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw0 - pl;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * C;
            const wOff = (kh * KW + kw) * C;
            for (let c = 0; c < C; c++) dw[wOff + c] += x[xOff + c] * dy[dyOff + c];
          }
        }
      }
  return dw;
}

/** Depthwise (multiplier 1, dilation d): dx[n,ih,iw,c] = Σ W[kh,kw,c] · dy[n,oh,ow,c], ih = oh·s + kh·d − pt */
export function depthwiseBackpropInput(
  w: Float32Array,
  dy: Float32Array,
  ci: tf.backend_util.Conv2DInfo,
): Float32Array {
  const { N, H, W, Ci: C, OH, OW, KH, KW, sh, sw, dh, dw: dw0, pt, pl } = loopSizes(ci);
  const dx = new Float32Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const dyOff = ((n * OH + oh) * OW + ow) * C;
        for (let kh = 0; kh < KH; kh++) {
          const ih = oh * sh + kh * dh - pt;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const iw = ow * sw + kw * dw0 - pl;
            if (iw < 0 || iw >= W) continue;
            const xOff = ((n * H + ih) * W + iw) * C;
            const wOff = (kh * KW + kw) * C;
            for (let c = 0; c < C; c++) dx[xOff + c] += w[wOff + c] * dy[dyOff + c];
          }
        }
      }
  return dx;
}

/**
 * Registers the kernels above for the cpu backend, falling back to the stock kernel for cases they do
 * not cover (dilation, NCHW, depthwise multiplier > 1). Idempotent; returns the kernel names replaced.
 */
export function registerFastCpuKernels(): string[] {
  return once('cpu-conv-grads', () => {
    const on = (
      name: string,
      run: (
        i: Record<string, tf.TensorInfo>,
        b: CpuBackendLike,
        a: Attrs & Record<string, unknown>,
      ) => tf.TensorInfo | null,
    ) =>
      tf.getKernel(name, 'cpu') &&
      overrideKernel<CpuBackendLike>(name, 'cpu', (i, b, a) =>
        run(i, b, a as Attrs & Record<string, unknown>),
      )
        ? [name]
        : [];
    return [
      ...on('Conv2DBackpropFilter', ({ x, dy }, b, attrs) => {
        if (!supported(attrs)) return null;
        const info = convInfo(x.shape, attrs.filterShape as number[], attrs, false);
        return b.makeTensorInfo(
          attrs.filterShape as number[],
          'float32',
          conv2dBackpropFilter(cpuValues(b, x), cpuValues(b, dy), info),
        );
      }),
      ...on('Conv2DBackpropInput', ({ dy, filter }, b, attrs) => {
        if (!supported(attrs)) return null;
        const xShape = attrs.inputShape as number[];
        const info = convInfo(xShape, filter.shape, attrs, false);
        return b.makeTensorInfo(
          xShape,
          'float32',
          conv2dBackpropInput(cpuValues(b, filter), cpuValues(b, dy), info),
        );
      }),
      ...on('DepthwiseConv2dNativeBackpropFilter', ({ x, dy }, b, attrs) => {
        const fs = attrs.filterShape as number[];
        if (!supported(attrs) || fs[3] !== 1) return null;
        const info = convInfo(x.shape, fs, attrs, true);
        return b.makeTensorInfo(
          fs,
          'float32',
          depthwiseBackpropFilter(cpuValues(b, x), cpuValues(b, dy), info),
        );
      }),
      ...on('MaxPoolGrad', ({ dy, input, output }, b, attrs) => {
        if (input.dtype !== 'float32') return null;
        const dx = new Float32Array(tf.util.sizeFromShape(input.shape));
        maxPoolGradFromOutput(
          cpuValues(b, input),
          cpuValues(b, output),
          cpuValues(b, dy),
          dx,
          poolInfo(input.shape, attrs),
        );
        return b.makeTensorInfo(input.shape, 'float32', dx);
      }),
      ...on('DepthwiseConv2dNativeBackpropInput', ({ dy, filter }, b, attrs) => {
        const xShape = attrs.inputShape as number[];
        if (!supported(attrs) || filter.shape[3] !== 1) return null;
        const info = convInfo(xShape, filter.shape, attrs, true);
        return b.makeTensorInfo(
          xShape,
          'float32',
          depthwiseBackpropInput(cpuValues(b, filter), cpuValues(b, dy), info),
        );
      }),
    ];
  });
}
