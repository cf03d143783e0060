import * as tf from '../../tf';
import { convInfo, isNhwc, type Attrs } from '../cpu-kernels/conv-grads';
import { poolInfo } from '../cpu-kernels/max-pool-grad';
import { geometry } from './conv-grads-xnnpack';
import { heapView, offsetOf, type WasmHeap } from './heap';
import type { SimdLoops } from './simd-loops';
import {
  batchToSpaceRuns,
  batchToSpaceShape,
  spaceToBatchRuns,
  spaceToBatchShape,
  validRun,
  type PixelRuns,
} from '../cpu-kernels/space-batch';
import { TERM_PREFIX, WEIGHTED_SUM, WEIGHTED_SUM_GRAD } from '../../ops/weighted-sum';
import { numberedInputs } from '../../ops/custom-kernels';
import { RELU_GRAD, reluGradValues } from '../../ops/relu-grad';
import {
  LINEAR_COMBINATION,
  SUM_OF_SQUARES,
  combineValues,
  listInputs,
  sumSquaresValues,
} from '../../ops/multi-tensor';
import {
  BATCH_NORM_RUNNING_STATS,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrainBackward,
  batchNormTrainForward,
  runningStatsValues,
} from '../../ops/batchnorm-op';

/** The parts of tfjs-backend-wasm these kernels use. */
export interface WasmHeapBackend extends WasmHeap {
  wasm: { HEAPF32: Float32Array; _malloc(bytes: number): number; _free(ptr: number): void };
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
}

/**
 * Scratch in wasm memory for the SIMD loops: two float64 per-channel sums (s0, s1), then float32
 * per-channel vectors v0, v1, v2 one after another; freed by `free`. Views are taken fresh on every
 * access: any allocation may grow the heap.
 */
class ChannelScratch {
  readonly ptr: number;
  constructor(
    private readonly b: WasmHeapBackend,
    readonly channels: number,
    vectors: number,
  ) {
    this.ptr = b.wasm._malloc(channels * (16 + 4 * vectors));
    this.sums(0).fill(0);
    this.sums(1).fill(0);
  }
  sumsPtr(k: number): number {
    return this.ptr + k * this.channels * 8;
  }
  sums(k: number): Float64Array {
    return new Float64Array(this.b.wasm.HEAPF32.buffer, this.sumsPtr(k), this.channels);
  }
  get vectorsPtr(): number {
    return this.ptr + 16 * this.channels;
  }
  vector(k: number): Float32Array {
    return new Float32Array(
      this.b.wasm.HEAPF32.buffer,
      this.vectorsPtr + k * this.channels * 4,
      this.channels,
    );
  }
  free(): void {
    this.b.wasm._free(this.ptr);
  }
}

/** Sets a tensor on the heap to zeros (memory.fill: a fill through a view is slow on shared memory). */
function zeroed(loops: SimdLoops, b: WasmHeapBackend, t: tf.TensorInfo): void {
  loops.zero(offsetOf(b, t), tf.util.sizeFromShape(t.shape) * 4);
}

/** BatchNorm forward in training mode on wasm memory: x̂, μ, σ² (biased) and s = (σ² + ε)^−½. */
export function batchNormTrainSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  eps: number,
): tf.TensorInfo[] {
  const C = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / C;
  const outs = [
    b.makeOutput(x.shape, 'float32'),
    b.makeOutput([C], 'float32'),
    b.makeOutput([C], 'float32'),
    b.makeOutput([C], 'float32'),
  ];
  if (C % 4 !== 0) {
    // Not four channels at a time: the same arithmetic in JavaScript, in place on the heap.
    const [xhat, mean, variance, invStd] = outs.map((t) => heapView(b, t));
    batchNormTrainForward(heapView(b, x), eps, { xhat, mean, variance, invStd });
    return outs;
  }
  const s = new ChannelScratch(b, C, 2);
  try {
    const [c4, xp, nvec] = [C / 4, offsetOf(b, x), rows * (C / 4)];
    loops.channelMoments(xp, nvec, c4, s.sumsPtr(0));
    const [sum, squares] = [s.sums(0), s.sums(1)];
    const [, meanOut, varianceOut, invStdOut] = outs.map((t) => heapView(b, t));
    const [m, inv] = [s.vector(0), s.vector(1)];
    for (let c = 0; c < C; c++) {
      const mean = sum[c] / rows;
      m[c] = meanOut[c] = mean;
      varianceOut[c] = Math.max(0, squares[c] / rows - mean * mean);
      inv[c] = invStdOut[c] = 1 / Math.sqrt(varianceOut[c] + eps);
    }
    loops.channelAffine(xp, 0, nvec, c4, s.vectorsPtr, offsetOf(b, outs[0]));
    return outs;
  } finally {
    s.free();
  }
}

/** BatchNorm's input gradient from dx̂, x̂ and s: dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))·s per channel. */
export function batchNormTrainGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  dy: tf.TensorInfo,
  xhat: tf.TensorInfo,
  invStd: tf.TensorInfo,
): tf.TensorInfo {
  const C = dy.shape[dy.shape.length - 1];
  const rows = tf.util.sizeFromShape(dy.shape) / C;
  const dx = b.makeOutput(dy.shape, 'float32');
  if (C % 4 !== 0) {
    batchNormTrainBackward(heapView(b, dy), heapView(b, xhat), heapView(b, invStd), heapView(b, dx));
    return dx;
  }
  const s = new ChannelScratch(b, C, 3);
  try {
    const [c4, gp, xp, nvec] = [C / 4, offsetOf(b, dy), offsetOf(b, xhat), rows * (C / 4)];
    loops.channelSums(gp, xp, nvec, c4, s.sumsPtr(0));
    const [sumG, sumGx, inv] = [s.sums(0), s.sums(1), heapView(b, invStd)];
    const [v0, v1, v2] = [s.vector(0), s.vector(1), s.vector(2)];
    for (let c = 0; c < C; c++) {
      v0[c] = sumG[c] / rows;
      v1[c] = inv[c];
      v2[c] = (sumGx[c] / rows) * inv[c];
    }
    loops.channelAffine(gp, xp, nvec, c4, s.vectorsPtr, offsetOf(b, dx));
    return dx;
  } finally {
    s.free();
  }
}

/**
 * Depthwise filter gradient dW[i,j,c] = Σ_{n,oh,ow} x[n, oh·s+i·d−pt, ow·s+j·d−pl, c]·dy[n,oh,ow,c]
 * (stride s, dilation d): one SIMD row loop per (image, output row, filter tap) over the output
 * columns whose input is inside the image, four channels at a time; per-image sums added in float64.
 */
export function depthwiseFilterGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  attrs: Attrs & { dilations?: number | number[] },
): tf.TensorInfo | null {
  const [N, , , C] = x.shape;
  if (filterShape[3] !== 1 || C % 4 !== 0 || x.dtype !== 'float32' || !isNhwc(attrs)) return null;
  const info = convInfo(x.shape, filterShape, attrs, true);
  const {
    strideHeight: stride,
    dilationHeight: dilation,
    filterHeight: kh,
    filterWidth: kw,
    inHeight: H,
    inWidth: W,
    outHeight: OH,
    outWidth: OW,
  } = info;
  if (info.strideWidth !== stride || info.dilationWidth !== dilation) return null;
  const { top, left } = info.padInfo;
  const out = b.makeOutput(filterShape, 'float32');
  const taps = kh * kw;
  // Scratch: one image's sums (taps·C floats), all images' sums in float64, then the column runs of each
  // filter column j (the output columns whose input column ow·s + j·d − left lies in [0, W)) as three i32 each.
  const ap = b.wasm._malloc(taps * C * 12 + kw * 12);
  try {
    const [xp, dyp, totalp, colsp] = [offsetOf(b, x), offsetOf(b, dy), ap + taps * C * 4, ap + taps * C * 12];
    const cols = new Int32Array(b.wasm.HEAPF32.buffer, colsp, kw * 3);
    for (let j = 0; j < kw; j++) {
      const run = validRun(OW, stride, j * dilation - left, W);
      cols.set([run.lo, run.count, run.lo * stride + j * dilation - left], j * 3);
    }
    loops.zero(totalp, taps * C * 8);
    for (let n = 0; n < N; n++) {
      loops.zero(ap, taps * C * 4);
      loops.depthwiseFilterGradImage(
        xp + n * H * W * C * 4,
        dyp + n * OH * OW * C * 4,
        ap,
        colsp,
        H,
        W,
        OH,
        OW,
        C / 4,
        kh,
        kw,
        stride,
        dilation,
        top,
      );
      loops.widenAccumulate(ap, totalp, (taps * C) / 4);
    }
    const total = new Float64Array(b.wasm.HEAPF32.buffer, totalp, taps * C);
    new Float32Array(b.wasm.HEAPF32.buffer, offsetOf(b, out), taps * C).set(total);
    return out;
  } finally {
    b.wasm._free(ap);
  }
}

/**
 * A 1×1, stride-1, unpadded convolution's filter gradient dW[0,0,ci,co] = Σ_pixels x[·,ci]·dy[·,co]
 * (the supernet's pointwise convolutions), float32 sums as XNNPACK's; null for other convolutions.
 */
export function pointwiseFilterGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: number[],
  attrs: Attrs,
): tf.TensorInfo | null {
  const [kh, kw, cin, cout] = filterShape;
  const g =
    kh === 1 && kw === 1 && cout % 4 === 0 && x.dtype === 'float32'
      ? geometry(x.shape, filterShape, attrs, false)
      : null;
  if (!g || g.s !== 1 || g.pad.top + g.pad.left + g.pad.bottom + g.pad.right !== 0) return null;
  const out = b.makeOutput(filterShape, 'float32');
  zeroed(loops, b, out);
  loops.pointwiseFilterGrad(
    offsetOf(b, x),
    offsetOf(b, dy),
    offsetOf(b, out),
    tf.util.sizeFromShape(x.shape) / cin,
    cin,
    cout / 4,
  );
  return out;
}

/** MaxPoolGrad (NHWC, C % 4 = 0, dilation 1) as the SIMD window scan; null for other shapes. */
export function maxPoolGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  dy: tf.TensorInfo,
  input: tf.TensorInfo,
  output: tf.TensorInfo,
  attrs: Record<string, unknown>,
): tf.TensorInfo | null {
  const info = poolInfo(input.shape, attrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
  if (input.dtype !== 'float32' || C % 4 !== 0 || info.dilationHeight !== 1 || info.dilationWidth !== 1)
    return null;
  const dx = b.makeOutput(input.shape, 'float32');
  zeroed(loops, b, dx);
  if (N * OH * OW > 0)
    loops.maxPoolGrad(
      offsetOf(b, input),
      offsetOf(b, output),
      offsetOf(b, dy),
      offsetOf(b, dx),
      N,
      H,
      W,
      OH,
      OW,
      C / 4,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
    );
  return dx;
}

/** ReLU's gradient dx = dy·step(x) (ops/relu-grad.ts) as a SIMD pass, the last size mod 4 in JavaScript. */
export function reluGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  dy: tf.TensorInfo,
  x: tf.TensorInfo,
): tf.TensorInfo {
  const dx = b.makeOutput(x.shape, 'float32');
  const n = tf.util.sizeFromShape(x.shape);
  loops.reluGrad(offsetOf(b, dy), offsetOf(b, x), offsetOf(b, dx), n >> 2);
  if (n % 4) reluGradValues(heapView(b, dy), heapView(b, x), heapView(b, dx), n - (n % 4));
  return dx;
}

/** out[j] = Σ_k c[k]·t[k·count + j] (ops/multi-tensor.ts): one SIMD scale-and-add pass per term. */
export function linearCombinationSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  c: tf.TensorInfo,
  terms: tf.TensorInfo[],
  count: number,
): tf.TensorInfo[] {
  const coefs = heapView(b, c).slice();
  const K = coefs.length;
  const outs = Array.from({ length: count }, (_, j) => b.makeOutput(terms[j].shape, 'float32'));
  outs.forEach((out, j) => {
    const n = tf.util.sizeFromShape(out.shape);
    const nvec = n >> 2;
    for (let k = 0; k < K; k++)
      loops.scaleAdd(offsetOf(b, terms[k * count + j]), coefs[k], offsetOf(b, out), nvec, k === 0 ? 1 : 0);
    if (n % 4)
      combineValues(
        Array.from({ length: K }, (_, k) => heapView(b, terms[k * count + j])),
        coefs,
        heapView(b, out),
        nvec * 4,
      );
  });
  return outs;
}

/** Σ over the tensors of Σ x² (ops/multi-tensor.ts), products in float32 and sums in float64. */
export function sumOfSquaresSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  tensors: tf.TensorInfo[],
): tf.TensorInfo {
  let total = 0;
  for (const t of tensors) {
    const nvec = tf.util.sizeFromShape(t.shape) >> 2;
    total += loops.dot(offsetOf(b, t), offsetOf(b, t), nvec) + sumSquaresValues(heapView(b, t), nvec * 4);
  }
  const out = b.makeOutput([], 'float32');
  heapView(b, out)[0] = total;
  return out;
}

/** Inputs o0, o1, … of a weighted-sum kernel, in order. */
const termsOf = (inputs: Record<string, tf.TensorInfo>) => numberedInputs(inputs, TERM_PREFIX);

/** y = Σ_i w[index_i]·o_i in SIMD passes (four floats at a time, the last size mod 4 in JavaScript). */
export function weightedSumSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  inputs: Record<string, tf.TensorInfo>,
  index: number[],
): tf.TensorInfo {
  const outs = termsOf(inputs);
  const n = tf.util.sizeFromShape(outs[0].shape);
  const y = b.makeOutput(outs[0].shape, 'float32');
  const w = heapView(b, inputs.w).slice();
  const nvec = n >> 2;
  const yv = heapView(b, y);
  outs.forEach((o, i) => {
    const wi = w[index[i]];
    loops.scaleAdd(offsetOf(b, o), wi, offsetOf(b, y), nvec, i === 0 ? 1 : 0);
    const ov = heapView(b, o);
    for (let q = nvec * 4; q < n; q++) yv[q] = (i === 0 ? 0 : yv[q]) + wi * ov[q];
  });
  return y;
}

/** The weighted sum's gradient: do_i = w[index_i]·dy, dw[index_i] = Σ dy·o_i (0 for weights without an output). */
export function weightedSumGradSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  inputs: Record<string, tf.TensorInfo>,
  index: number[],
  K: number,
): tf.TensorInfo[] {
  const outs = termsOf(inputs);
  const dy = inputs.dy;
  const n = tf.util.sizeFromShape(dy.shape);
  const grads = outs.map((o) => b.makeOutput(o.shape, 'float32'));
  const dw = b.makeOutput([K], 'float32');
  const w = heapView(b, inputs.w).slice();
  const nvec = n >> 2;
  const [gp, g] = [offsetOf(b, dy), heapView(b, dy)];
  const dws = new Float64Array(K);
  outs.forEach((o, i) => {
    const wi = w[index[i]];
    let d = loops.scaleDot(gp, wi, offsetOf(b, grads[i]), offsetOf(b, o), nvec);
    const [gv, ov] = [heapView(b, grads[i]), heapView(b, o)];
    for (let q = nvec * 4; q < n; q++) {
      gv[q] = wi * g[q];
      d += Math.fround(g[q] * ov[q]);
    }
    dws[index[i]] = d;
  });
  heapView(b, dw).set(dws);
  return [...grads, dw];
}

/**
 * Copies a box of `box` = [images, rows, columns, channels] from `src` at `from` to `dst` at `to`
 * (both [n, h, w, c]; channel offsets and counts multiples of 4), one SIMD pixel run per row, or one
 * run over all the box's pixels when it spans whole images of both tensors.
 */
function copyBox(
  loops: SimdLoops,
  b: WasmHeapBackend,
  src: tf.TensorInfo,
  from: number[],
  dst: tf.TensorInfo,
  to: number[],
  box: number[],
): void {
  const [, sH, sW, sC] = src.shape;
  const [, dH, dW, dC] = dst.shape;
  const [s0, d0, c4] = [offsetOf(b, src) + from[3] * 4, offsetOf(b, dst) + to[3] * 4, box[3] / 4];
  const whole = box[1] === sH && box[1] === dH && box[2] === sW && box[2] === dW;
  const [images, rows, cols] = whole ? [1, 1, box[0] * box[1] * box[2]] : box;
  for (let n = 0; n < images; n++)
    for (let h = 0; h < rows; h++) {
      const sp = ((from[0] + n) * sH + from[1] + h) * sW + from[2];
      const dp = ((to[0] + n) * dH + to[1] + h) * dW + to[2];
      loops.copyPixels(s0 + sp * sC * 4, d0 + dp * dC * 4, cols, sC * 4, dC * 4, c4);
    }
}

/** 4-D float32 channels-last with C % 4 = 0: the shapes the SIMD copies take. */
const simdChannelsLast = (x: tf.TensorInfo) =>
  x.shape.length === 4 && x.dtype === 'float32' && x.shape[3] % 4 === 0 && x.shape[3] > 0;

/** Slice (channels cut at multiples of 4) as SIMD row copies; null for other slices. */
export function sliceSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
): tf.TensorInfo | null {
  if (!simdChannelsLast(x)) return null;
  const [start, extent] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, begin, size);
  if (start[3] % 4 !== 0 || extent[3] % 4 !== 0) return null;
  const out = b.makeOutput(extent, 'float32');
  if (tf.util.sizeFromShape(extent) > 0) copyBox(loops, b, x, start, out, [0, 0, 0, 0], extent);
  return out;
}

/**
 * Concatenation along channels (4-D, every part's channels a multiple of 4; a cell's output in the
 * supernet) as one SIMD run per part; null otherwise. wasm's own kernel copies through typed-array
 * views, which are slow on the threaded build's shared memory.
 */
export function concatChannelsSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  parts: tf.TensorInfo[],
  axis: number,
): tf.TensorInfo | null {
  const [first] = parts;
  if (
    !first ||
    axis !== 3 ||
    !parts.every((p) => simdChannelsLast(p) && p.shape.slice(0, 3).every((d, i) => d === first.shape[i]))
  )
    return null;
  const out = b.makeOutput(
    [...first.shape.slice(0, 3), parts.reduce((c, p) => c + p.shape[3], 0)],
    'float32',
  );
  let offset = 0;
  for (const p of parts) {
    if (tf.util.sizeFromShape(p.shape) > 0)
      copyBox(loops, b, p, [0, 0, 0, 0], out, [0, 0, 0, offset], p.shape);
    offset += p.shape[3];
  }
  return out;
}

/** SplitV along channels (the gradient of the concatenation above) as SIMD slices; null otherwise. */
export function splitChannelsSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  sizes: number[],
): tf.TensorInfo[] | null {
  if (!simdChannelsLast(x) || sizes.some((c) => c % 4 !== 0)) return null;
  let offset = 0;
  return sizes.map((c) => {
    const part = sliceSimd(loops, b, x, [0, 0, 0, offset], [-1, -1, -1, c]) as tf.TensorInfo;
    offset += c;
    return part;
  });
}

/** Zero padding of rows and columns (not channels) as a zeroed output and SIMD row copies; null otherwise. */
export function padSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  paddings: number[][],
  value: number,
): tf.TensorInfo | null {
  if (
    !simdChannelsLast(x) ||
    value !== 0 ||
    paddings.length !== 4 ||
    paddings[3][0] !== 0 ||
    paddings[3][1] !== 0
  )
    return null;
  const shape = x.shape.map((d, i) => d + paddings[i][0] + paddings[i][1]);
  const out = b.makeOutput(shape, 'float32');
  zeroed(loops, b, out);
  if (tf.util.sizeFromShape(x.shape) > 0)
    copyBox(
      loops,
      b,
      x,
      [0, 0, 0, 0],
      out,
      paddings.map((p) => p[0]),
      x.shape,
    );
  return out;
}

/** Pixel runs copied four channels at a time between two tensors on the heap. */
function simdRuns(
  loops: SimdLoops,
  b: WasmHeapBackend,
  from: tf.TensorInfo,
  to: tf.TensorInfo,
  C: number,
): PixelRuns {
  const [src0, dst0, px, c4] = [offsetOf(b, from), offsetOf(b, to), C * 4, C / 4];
  return (src, dst, count, srcStep, dstStep) =>
    loops.copyPixels(src0 + src * px, dst0 + dst * px, count, srcStep * px, dstStep * px, c4);
}

/** SpaceToBatchND (4-D NHWC, 2-D block, C % 4 = 0) with SIMD pixel copies; null for other shapes. */
export function spaceToBatchSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  blocks: number[],
  pads: number[][],
): tf.TensorInfo | null {
  if (!simdChannelsLast(x) || blocks.length !== 2) return null;
  const out = b.makeOutput(spaceToBatchShape(x.shape, blocks, pads), 'float32');
  zeroed(loops, b, out);
  spaceToBatchRuns(x.shape, blocks, pads, simdRuns(loops, b, x, out, x.shape[3]));
  return out;
}

/** BatchToSpaceND (4-D NHWC, 2-D block, C % 4 = 0) with SIMD pixel copies; null for other shapes. */
export function batchToSpaceSimd(
  loops: SimdLoops,
  b: WasmHeapBackend,
  x: tf.TensorInfo,
  blocks: number[],
  crops: number[][],
): tf.TensorInfo | null {
  if (!simdChannelsLast(x) || blocks.length !== 2) return null;
  const out = b.makeOutput(batchToSpaceShape(x.shape, blocks, crops), 'float32');
  batchToSpaceRuns(x.shape, blocks, crops, simdRuns(loops, b, x, out, x.shape[3]));
  return out;
}

/** tfjs-backend-wasm's memory: imported (threaded build) or exported (single-threaded build). */
function wasmMemoryOf(b: unknown): WebAssembly.Memory | null {
  const w = (b as { wasm?: { wasmMemory?: unknown; asm?: { memory?: unknown } } }).wasm;
  const m = w?.wasmMemory ?? w?.asm?.memory;
  return m instanceof WebAssembly.Memory ? m : null;
}

/**
 * Binds the SIMD loops to the active wasm backend's memory and registers the kernels built on them:
 * replacements for wasm's own kernels and for the engine's earlier ones (which stay for the shapes
 * these refuse: channels not a multiple of 4, other layouts), and the engine's fused ops (BatchNorm,
 * the mixed op's weighted sum, ReLU's gradient, the multi-tensor optimiser arithmetic), which the
 * engine uses when the active backend has them. Returns the kernel names, or why nothing was installed.
 */
export async function installSimdKernels(backend: unknown): Promise<{ kernels: string[]; why?: string }> {
  const memory = wasmMemoryOf(backend);
  if (!memory) return { kernels: [], why: 'the wasm backend does not expose its memory' };
  const { instantiateSimdLoops } = await import('./simd-loops');
  const { overrideKernel } = await import('../kernel-override');
  const loops = await instantiateSimdLoops(memory);
  // Kernels run only against the memory they were bound to (a re-created backend has another); a kernel
  // that returns null hands the call to the one registered before it.
  const installed: string[] = [];
  const on = (
    name: string,
    run: (
      inputs: Record<string, tf.TensorInfo>,
      be: WasmHeapBackend,
      attrs: Record<string, unknown>,
    ) => tf.TensorInfo | tf.TensorInfo[] | null,
    label = name,
  ) => {
    overrideKernel(name, 'wasm', (inputs, b, attrs) =>
      wasmMemoryOf(b) === memory ? run(inputs, b as WasmHeapBackend, attrs) : null,
    );
    installed.push(label);
  };
  on('DepthwiseConv2dNativeBackpropFilter', ({ x, dy }, be, a) =>
    depthwiseFilterGradSimd(loops, be, x, dy, a.filterShape as number[], a as Attrs),
  );
  on(
    'Conv2DBackpropFilter',
    ({ x, dy }, be, a) => pointwiseFilterGradSimd(loops, be, x, dy, a.filterShape as number[], a as Attrs),
    'Conv2DBackpropFilter (1×1)',
  );
  on('MaxPoolGrad', ({ dy, input, output }, be, a) => maxPoolGradSimd(loops, be, dy, input, output, a));
  on('Slice', ({ x }, be, a) => sliceSimd(loops, be, x, a.begin as number[], a.size as number[]));
  on(
    'Concat',
    (inputs, be, a) => {
      const parts = numberedInputs(inputs, ''); // tfjs passes Concat's inputs as an array
      return concatChannelsSimd(
        loops,
        be,
        parts,
        tf.util.parseAxisParam(a.axis as number, parts[0]?.shape ?? [])[0],
      );
    },
    'Concat (channels)',
  );
  on(
    'SplitV',
    ({ x }, be, a) => {
      const axis = tf.util.parseAxisParam(a.axis as number, x.shape)[0];
      const sizes = tf.backend_util.prepareSplitSize(
        x as unknown as tf.Tensor,
        a.numOrSizeSplits as number[] | number,
        axis,
      );
      return axis === 3 ? splitChannelsSimd(loops, be, x, sizes) : null;
    },
    'SplitV (channels)',
  );
  on('PadV2', ({ x }, be, a) => padSimd(loops, be, x, a.paddings as number[][], a.constantValue as number));
  on('SpaceToBatchND', ({ x }, be, a) =>
    spaceToBatchSimd(loops, be, x, a.blockShape as number[], a.paddings as number[][]),
  );
  on('BatchToSpaceND', ({ x }, be, a) =>
    batchToSpaceSimd(loops, be, x, a.blockShape as number[], a.crops as number[][]),
  );
  on(BATCH_NORM_TRAIN, ({ x }, be, a) => batchNormTrainSimd(loops, be, x, a.eps as number));
  on(BATCH_NORM_TRAIN_GRAD, ({ dy, xhat, invStd }, be) =>
    batchNormTrainGradSimd(loops, be, dy, xhat, invStd),
  );
  on(BATCH_NORM_RUNNING_STATS, ({ runningMean, runningVar, mean, variance }, be, a) => {
    // C floats each: JavaScript on the heap.
    const outs = [be.makeOutput(mean.shape, 'float32'), be.makeOutput(mean.shape, 'float32')];
    const stats = {
      runningMean: heapView(be, runningMean),
      runningVar: heapView(be, runningVar),
      mean: heapView(be, mean),
      variance: heapView(be, variance),
    };
    runningStatsValues(stats, a.momentum as number, a.unbias as number, {
      mean: heapView(be, outs[0]),
      variance: heapView(be, outs[1]),
    });
    return outs;
  });
  on(WEIGHTED_SUM, (inputs, be, a) => weightedSumSimd(loops, be, inputs, a.index as number[]));
  on(WEIGHTED_SUM_GRAD, (inputs, be, a) =>
    weightedSumGradSimd(loops, be, inputs, a.index as number[], a.K as number),
  );
  on(RELU_GRAD, ({ dy, x }, be) => reluGradSimd(loops, be, dy, x));
  on(LINEAR_COMBINATION, (inputs, be, a) =>
    linearCombinationSimd(loops, be, inputs.c, listInputs(inputs), a.count as number),
  );
  on(SUM_OF_SQUARES, (inputs, be) => sumOfSquaresSimd(loops, be, listInputs(inputs)));
  return { kernels: installed };
}
