import * as tf from '../../tf';
import { convInfo, isNhwc, supported, type Attrs } from '../cpu-kernels/conv-grads';
import { poolInfo } from '../cpu-kernels/max-pool-grad';
import { heapView, type WasmHeap } from './heap';

/**
 * Convolution gradients on wasm, computed as forward convolutions so that they run on
 * XNNPACK's kernels instead of scalar loops. Profiled on the small DARTS config (single thread), the
 * four backprop kernels took 21 of 34 s of a step while the forward Conv2D and depthwise took 1.7 s:
 * the same arithmetic, ~12× slower per FLOP. The identities (NHWC, filter HWIO, forward padding
 * top/left pt/pl, bottom/right pb/pr):
 *
 *   dx = conv(dy, W rotated 180° with in/out channels swapped), padded kh−1−pt / kh−1−pb
 *   dW[i,j,ci,co] = Σ_{n,h,w} xpad[n,h+i,w+j,ci]·dy[n,h,w,co]
 *                 = conv(x as [ci, H, W, n], dy as a filter [OH, OW, n, co]) with the forward padding
 *   depthwise: the same with channels kept apart (the batch folded into the channels, then summed).
 *
 * At stride s, the input gradient convolves dy spread out with s−1 zeros between values, and the
 * filter gradient dilates dy (as a filter) by s. Unequal strides, dilations other than 1 and paddings
 * wider than the filter return null so the kernel registered before handles them. Parity-tested
 * against cpu with the other wasm kernels.
 */

/** The parts of tfjs-backend-wasm used here. */
export interface WasmBackendForGrads extends WasmHeap {
  disposeData(dataId: unknown, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: 'float32'): Info;
}

type Info = tf.TensorInfo;

/** Calls the wasm kernel registered under `name` directly (inside another kernel: no engine, no tape). */
export function runWasmKernel(
  name: string,
  inputs: Record<string, Info>,
  backend: object,
  attrs: Record<string, unknown>,
): Info {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc({
    inputs,
    backend: backend as unknown as tf.KernelBackend,
    attrs: attrs as tf.NamedAttrMap,
  }) as Info;
}

/** The same data under another shape (the wasm kernels read shapes from the TensorInfo). */
const view = (t: Info, shape: number[]): Info => ({ dataId: t.dataId, shape, dtype: t.dtype });

/** Runs `body` with a scratch list whose tensors are freed afterwards, the result excepted. */
function scratch(backend: WasmBackendForGrads, body: (keep: (t: Info) => Info) => Info): Info {
  const temps: Info[] = [];
  try {
    return body((t) => (temps.push(t), t));
  } finally {
    for (const t of temps) backend.disposeData(t.dataId, true);
  }
}

const explicit = (t: number, b: number, l: number, r: number) => [
  [0, 0],
  [t, b],
  [l, r],
  [0, 0],
];

interface Geometry {
  /** Stride, the same along both axes. */
  s: number;
  /** Dilation, the same along both axes (above 1 only for a stride-1 depthwise input gradient). */
  d: number;
  pad: { top: number; bottom: number; left: number; right: number };
  kh: number;
  kw: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
}

/**
 * A convolution's or pooling's geometry when these kernels handle it (square strides, no padding
 * wider than the filter), else null.
 */
function geometryOf(info: tf.backend_util.Conv2DInfo): Geometry | null {
  const { filterHeight: kh, filterWidth: kw, strideHeight: s, dilationHeight: d, padInfo } = info;
  const { top, bottom, left, right } = padInfo;
  if (info.strideWidth !== s || info.dilationWidth !== d) return null;
  if (Math.max(top, bottom) > d * (kh - 1) || Math.max(left, right) > d * (kw - 1)) return null;
  return {
    s,
    d,
    pad: { top, bottom, left, right },
    kh,
    kw,
    H: info.inHeight,
    W: info.inWidth,
    OH: info.outHeight,
    OW: info.outWidth,
  };
}

/** The forward convolution's geometry (dilation 1, NHWC) when these kernels handle it, else null. */
export function geometry(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs,
  depthwise: boolean,
): Geometry | null {
  return supported(attrs) ? geometryOf(convInfo(xShape, filterShape, attrs, depthwise)) : null;
}

/** A depthwise convolution's geometry (NHWC) with any dilation at stride 1, else as geometry(). */
function depthwiseGeometry(
  xShape: number[],
  filterShape: number[],
  attrs: Attrs & { dilations?: number | number[] },
): Geometry | null {
  if (supported(attrs)) return geometry(xShape, filterShape, attrs, true);
  if (!isNhwc(attrs)) return null;
  const g = geometryOf(convInfo(xShape, filterShape, attrs, true));
  return g && g.s === 1 ? g : null;
}

const conv = (
  x: Info,
  filter: Info,
  pads: number[][],
  b: WasmBackendForGrads,
  depthwise = false,
  dilation = 1,
) =>
  runWasmKernel(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x, filter }, b, {
    strides: 1,
    pad: pads,
    dilations: dilation,
    dataFormat: 'NHWC',
  });

/** The leading [rows, cols] of the two middle axes of `t`, or `t` itself when it has no more. */
function cropMiddle(
  t: Info,
  rows: number,
  cols: number,
  b: WasmBackendForGrads,
  keep: (t: Info) => Info,
): Info {
  const [a, h, w, d] = t.shape;
  if (h === rows && w === cols) return t;
  keep(t);
  return runWasmKernel('Slice', { x: t }, b, { begin: [0, 0, 0, 0], size: [a, rows, cols, d] });
}

/**
 * An input gradient: dy spread back to stride 1 (s−1 zeros after each value), then a stride-1
 * convolution with the flipped filter, padded kh−1−pt on top and whatever makes the height H at the
 * bottom (cropped when that would be negative).
 */
function inputGradient(
  dy: Info,
  w: Info,
  g: Geometry,
  b: WasmBackendForGrads,
  keep: (t: Info) => Info,
  depthwise: boolean,
): Info {
  const { s, d, H, W, OH, OW } = g;
  // The filter's extent: dilation d spreads its k taps over d·(k − 1) + 1 rows.
  const [kh, kw] = [d * (g.kh - 1) + 1, d * (g.kw - 1) + 1];
  let spread = dy;
  if (s > 1) {
    const [n, , , c] = dy.shape;
    const padded = keep(
      runWasmKernel('PadV2', { x: view(dy, [n, OH, 1, OW, 1, c]) }, b, {
        paddings: [
          [0, 0],
          [0, 0],
          [0, s - 1],
          [0, 0],
          [0, s - 1],
          [0, 0],
        ],
        constantValue: 0,
      }),
    );
    spread = view(padded, [n, OH * s, OW * s, c]);
  }
  const top = kh - 1 - g.pad.top;
  const left = kw - 1 - g.pad.left;
  const bottom = Math.max(0, H - OH * s - top + kh - 1);
  const right = Math.max(0, W - OW * s - left + kw - 1);
  return cropMiddle(conv(spread, w, explicit(top, bottom, left, right), b, depthwise, d), H, W, b, keep);
}

/**
 * The forward padding for a filter gradient: the forward's own at top and left; at the bottom and
 * right only what the last window reads (rows past it never meet the filter), at least 0 — the
 * result then has extra rows and columns, cropped by the caller.
 */
function filterGradientPads(g: Geometry): number[][] {
  const { s, kh, kw, H, W, OH, OW, pad } = g;
  const bottom = Math.max(0, s * (OH - 1) + kh - H - pad.top);
  const right = Math.max(0, s * (OW - 1) + kw - W - pad.left);
  return explicit(pad.top, bottom, pad.left, right);
}

/**
 * The filter rotated 180° (kept for disposal), or the filter itself when it is 1×1 (rotation is a copy
 * then); with `transpose`, also its input and output channels swapped ([kh, kw, ci, co] →
 * [kh, kw, co, ci]). Filters are small: they are copied here (wasm's Reverse and Transpose kernels
 * cost ~50–80 µs a call, mostly their own set-up).
 */
function rotated(filter: Info, b: WasmBackendForGrads, keep: (t: Info) => Info, transpose = false): Info {
  const [kh, kw, ci, co] = filter.shape;
  const taps = kh * kw;
  if (taps === 1 && (!transpose || ci === 1 || co === 1))
    return transpose ? view(filter, [kh, kw, co, ci]) : filter;
  if (filter.dtype !== 'float32') {
    const flipped = taps === 1 ? filter : keep(runWasmKernel('Reverse', { x: filter }, b, { dims: [0, 1] }));
    return transpose ? keep(runWasmKernel('Transpose', { x: flipped }, b, { perm: [0, 1, 3, 2] })) : flipped;
  }
  const out = keep(b.makeOutput(transpose ? [kh, kw, co, ci] : filter.shape, 'float32'));
  const [src, dst] = [heapView(b, filter), heapView(b, out)];
  const tap = src.length / taps;
  for (let t = 0; t < taps; t++) {
    const [from, to] = [(taps - 1 - t) * tap, t * tap];
    if (!transpose) for (let i = 0; i < tap; i++) dst[to + i] = src[from + i];
    else
      for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) dst[to + o * ci + i] = src[from + i * co + o];
  }
  return out;
}

export function conv2dBackpropInputXnn(
  dy: Info,
  filter: Info,
  xShape: number[],
  attrs: Attrs,
  b: WasmBackendForGrads,
): Info | null {
  const g = geometry(xShape, filter.shape, attrs, false);
  if (!g) return null;
  return scratch(b, (keep) => {
    return inputGradient(dy, rotated(filter, b, keep, true), g, b, keep, false);
  });
}

export function depthwiseBackpropInputXnn(
  dy: Info,
  filter: Info,
  xShape: number[],
  attrs: Attrs,
  b: WasmBackendForGrads,
): Info | null {
  if (filter.shape[3] !== 1) return null;
  const g = depthwiseGeometry(xShape, filter.shape, attrs);
  if (!g) return null;
  return scratch(b, (keep) => inputGradient(dy, rotated(filter, b, keep), g, b, keep, true));
}

export function conv2dBackpropFilterXnn(
  x: Info,
  dy: Info,
  filterShape: number[],
  attrs: Attrs,
  b: WasmBackendForGrads,
): Info | null {
  const g = geometry(x.shape, filterShape, attrs, false);
  if (!g) return null;
  return scratch(b, (keep) => {
    const xT = keep(runWasmKernel('Transpose', { x }, b, { perm: [3, 1, 2, 0] })); // [ci, H, W, n]
    const dyT = keep(runWasmKernel('Transpose', { x: dy }, b, { perm: [1, 2, 0, 3] })); // [OH, OW, n, co]
    // The stride becomes the dilation of dy taken as a filter.
    const full = conv(xT, dyT, filterGradientPads(g), b, false, g.s);
    const dw = keep(cropMiddle(full, g.kh, g.kw, b, keep)); // [ci, kh, kw, co]
    return runWasmKernel('Transpose', { x: dw }, b, { perm: [1, 2, 0, 3] });
  });
}

export function depthwiseBackpropFilterXnn(
  x: Info,
  dy: Info,
  filterShape: number[],
  attrs: Attrs,
  b: WasmBackendForGrads,
): Info | null {
  if (filterShape[3] !== 1) return null;
  const g = geometry(x.shape, filterShape, attrs, true);
  if (!g) return null;
  const { H, W, OH, OW } = g;
  const [n, , , c] = x.shape;
  return scratch(b, (keep) => {
    // Channel (c, n) of one image: each image's channel convolved with its own gradient map.
    const xT = keep(runWasmKernel('Transpose', { x }, b, { perm: [1, 2, 3, 0] })); // [H, W, c, n]
    const dyT = keep(runWasmKernel('Transpose', { x: dy }, b, { perm: [1, 2, 3, 0] })); // [OH, OW, c, n]
    const full = conv(
      view(xT, [1, H, W, c * n]),
      view(dyT, [OH, OW, c * n, 1]),
      filterGradientPads(g),
      b,
      true,
      g.s,
    );
    const per = keep(cropMiddle(full, g.kh, g.kw, b, keep));
    const summed = runWasmKernel('Sum', { x: view(per, [g.kh * g.kw * c, n]) }, b, {
      axis: [1],
      keepDims: false,
    });
    return view(summed, filterShape);
  });
}

/**
 * Average pooling's input gradient: every input receives dy/(kh·kw) from each window that holds it,
 * which is the input gradient of a depthwise convolution with a constant filter.
 * (Counting only unpadded inputs is the engine's business: it pools a zero-padded input, 'valid'.)
 */
export function avgPoolGradXnn(
  dy: Info,
  input: Info,
  attrs: Record<string, unknown>,
  b: WasmBackendForGrads & {
    makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): Info;
  },
): Info | null {
  const info = poolInfo(input.shape, attrs);
  const g = input.dtype === 'float32' ? geometryOf(info) : null;
  if (!g) return null;
  const { kh, kw } = g;
  const c = info.inChannels;
  return scratch(b, (keep) => {
    const w = keep(
      b.makeOutput([kh, kw, c, 1], 'float32', undefined, new Float32Array(kh * kw * c).fill(1 / (kh * kw))),
    );
    return inputGradient(dy, w, g, b, keep, true);
  });
}
