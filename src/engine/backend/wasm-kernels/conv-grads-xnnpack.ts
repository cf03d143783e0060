import * as tf from '../../tf';
import { convInfo, supported, type Attrs } from '../cpu-kernels/conv-grads';

/**
 * Stride-1 convolution gradients on wasm, computed as forward convolutions so that they run on
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
 * Strides other than 1, dilations other than 1 and paddings wider than the filter return null so the
 * kernel registered before handles them. Parity-tested against cpu with the other wasm kernels.
 */

/** The parts of tfjs-backend-wasm used here. */
export interface WasmBackendForGrads {
  disposeData(dataId: unknown, force?: boolean): boolean;
}

type Info = tf.TensorInfo;

function run(name: string, inputs: Record<string, Info>, backend: WasmBackendForGrads, attrs: Record<string, unknown>): Info {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`the wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend: backend as unknown as tf.KernelBackend, attrs: attrs as tf.NamedAttrMap }) as Info;
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

const stride1 = (attrs: Attrs) => (Array.isArray(attrs.strides) ? attrs.strides.every((s) => s === 1) : attrs.strides === 1);
const explicit = (t: number, b: number, l: number, r: number) => [[0, 0], [t, b], [l, r], [0, 0]];

interface Geometry {
  pad: { top: number; bottom: number; left: number; right: number };
  kh: number;
  kw: number;
}

/** The forward convolution's geometry when these kernels handle it, else null. */
function geometry(xShape: number[], filterShape: number[], attrs: Attrs, depthwise: boolean): Geometry | null {
  if (!supported(attrs) || !stride1(attrs)) return null;
  const info = convInfo(xShape, filterShape, attrs, depthwise);
  const { top, bottom, left, right } = info.padInfo;
  const kh = info.filterHeight;
  const kw = info.filterWidth;
  if (Math.max(top, bottom) > kh - 1 || Math.max(left, right) > kw - 1) return null;
  return { pad: { top, bottom, left, right }, kh, kw };
}

const conv = (x: Info, filter: Info, pads: number[][], b: WasmBackendForGrads, depthwise = false) =>
  run(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', { x, filter }, b, { strides: 1, pad: pads, dilations: 1, dataFormat: 'NHWC' });

export function conv2dBackpropInputXnn(dy: Info, filter: Info, xShape: number[], attrs: Attrs, b: WasmBackendForGrads): Info | null {
  const g = geometry(xShape, filter.shape, attrs, false);
  if (!g) return null;
  return scratch(b, (keep) => {
    const flipped = keep(run('Reverse', { x: filter }, b, { dims: [0, 1] }));
    const w = keep(run('Transpose', { x: flipped }, b, { perm: [0, 1, 3, 2] }));
    const { top, bottom, left, right } = g.pad;
    return conv(dy, w, explicit(g.kh - 1 - top, g.kh - 1 - bottom, g.kw - 1 - left, g.kw - 1 - right), b);
  });
}

export function depthwiseBackpropInputXnn(dy: Info, filter: Info, xShape: number[], attrs: Attrs, b: WasmBackendForGrads): Info | null {
  if (filter.shape[3] !== 1) return null;
  const g = geometry(xShape, filter.shape, attrs, true);
  if (!g) return null;
  return scratch(b, (keep) => {
    const w = keep(run('Reverse', { x: filter }, b, { dims: [0, 1] }));
    const { top, bottom, left, right } = g.pad;
    return conv(dy, w, explicit(g.kh - 1 - top, g.kh - 1 - bottom, g.kw - 1 - left, g.kw - 1 - right), b, true);
  });
}

export function conv2dBackpropFilterXnn(x: Info, dy: Info, filterShape: number[], attrs: Attrs, b: WasmBackendForGrads): Info | null {
  const g = geometry(x.shape, filterShape, attrs, false);
  if (!g) return null;
  return scratch(b, (keep) => {
    const xT = keep(run('Transpose', { x }, b, { perm: [3, 1, 2, 0] })); // [ci, H, W, n]
    const dyT = keep(run('Transpose', { x: dy }, b, { perm: [1, 2, 0, 3] })); // [OH, OW, n, co]
    const { top, bottom, left, right } = g.pad;
    const dw = keep(conv(xT, dyT, explicit(top, bottom, left, right), b)); // [ci, kh, kw, co]
    return run('Transpose', { x: dw }, b, { perm: [1, 2, 0, 3] });
  });
}

export function depthwiseBackpropFilterXnn(x: Info, dy: Info, filterShape: number[], attrs: Attrs, b: WasmBackendForGrads): Info | null {
  if (filterShape[3] !== 1) return null;
  const g = geometry(x.shape, filterShape, attrs, true);
  if (!g) return null;
  const [n, H, W, c] = x.shape;
  const [, OH, OW] = dy.shape;
  return scratch(b, (keep) => {
    // Channel (c, n) of one image: each image's channel convolved with its own gradient map.
    const xT = keep(run('Transpose', { x }, b, { perm: [1, 2, 3, 0] })); // [H, W, c, n]
    const dyT = keep(run('Transpose', { x: dy }, b, { perm: [1, 2, 3, 0] })); // [OH, OW, c, n]
    const { top, bottom, left, right } = g.pad;
    const per = keep(conv(view(xT, [1, H, W, c * n]), view(dyT, [OH, OW, c * n, 1]), explicit(top, bottom, left, right), b, true));
    const summed = run('Sum', { x: view(per, [g.kh * g.kw * c, n]) }, b, { axis: [1], keepDims: false });
    return view(summed, filterShape);
  });
}

/**
 * Average pooling's input gradient at stride 1: every input receives dy/(kh·kw) from each window that
 * holds it, which is a depthwise convolution of dy with a constant filter, padded kh−1−pt / kh−1−pb.
 * (Counting only unpadded inputs is the engine's business: it pools a zero-padded input, 'valid'.)
 */
export function avgPoolGradXnn(
  dy: Info,
  input: Info,
  attrs: { filterSize: number | [number, number]; strides: number | [number, number]; pad: unknown; dimRoundingMode?: unknown },
  b: WasmBackendForGrads & { makeOutput(shape: number[], dtype: 'float32', memoryOffset?: number, values?: Float32Array): Info },
): Info | null {
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad as 'valid',
    attrs.dimRoundingMode as 'floor' | undefined,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || input.dtype !== 'float32') return null;
  const { filterHeight: kh, filterWidth: kw, inChannels: c } = info;
  const { top, bottom, left, right } = info.padInfo;
  if (Math.max(top, bottom) > kh - 1 || Math.max(left, right) > kw - 1) return null;
  return scratch(b, (keep) => {
    const w = keep(b.makeOutput([kh, kw, c, 1], 'float32', undefined, new Float32Array(kh * kw * c).fill(1 / (kh * kw))));
    return conv(dy, w, explicit(kh - 1 - top, kh - 1 - bottom, kw - 1 - left, kw - 1 - right), b, true);
  });
}
