import * as tf from '../../tf';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';

/**
 * Fast paths for the `cpu` backend's broadcasting arithmetic and channel reductions, the next hot spots
 * of a DARTS step after the convolution gradients (BatchNorm's (x − μ)·σ⁻¹ with per-channel vectors,
 * mixing weights times op outputs, and their gradients' per-channel sums). tfjs-backend-cpu maps every
 * element through generic index arithmetic; these cover the shapes the engine produces — equal
 * shapes, a scalar, or a vector along the last (channel) axis — and hand anything else to the stock
 * kernel. Parity-tested against the stock kernels in elementwise.test.ts.
 */

type Binary = (x: number, y: number) => number;

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** How `small` broadcasts against `big`: 'same', 'scalar', 'channel' (along the last axis), or null. */
function broadcastKind(big: number[], small: number[]): 'same' | 'scalar' | 'channel' | null {
  if (big.length === small.length && big.every((d, i) => d === small[i])) return 'same';
  if (size(small) === 1 && small.length <= big.length) return 'scalar';
  const c = big[big.length - 1];
  if (small.length >= 1 && small.length <= big.length && small[small.length - 1] === c && size(small) === c) return 'channel';
  return null;
}

function binary(a: Float32Array, aShape: number[], b: Float32Array, bShape: number[], op: Binary): { shape: number[]; out: Float32Array } | null {
  let kind = broadcastKind(aShape, bShape);
  let swapped = false;
  if (!kind) {
    kind = broadcastKind(bShape, aShape);
    swapped = true;
  }
  if (!kind) return null;
  const [big, bigShape, small] = swapped ? [b, bShape, a] : [a, aShape, b];
  const out = new Float32Array(big.length);
  const f: Binary = swapped ? (x, y) => op(y, x) : op;
  if (kind === 'same') for (let i = 0; i < out.length; i++) out[i] = f(big[i], small[i]);
  else if (kind === 'scalar') {
    const s = small[0];
    for (let i = 0; i < out.length; i++) out[i] = f(big[i], s);
  } else {
    const c = small.length;
    for (let i = 0; i < out.length; i += c) for (let j = 0; j < c; j++) out[i + j] = f(big[i + j], small[j]);
  }
  return { shape: [...bigShape], out };
}

/** Sum over leading axes 0..k−1 of a row-major tensor: per-suffix accumulation, no transpose. */
function sumLeading(x: Float32Array, shape: number[], k: number): Float32Array {
  const inner = size(shape.slice(k));
  const out = new Float64Array(inner);
  for (let i = 0; i < x.length; i += inner) for (let j = 0; j < inner; j++) out[j] += x[i + j];
  return Float32Array.from(out);
}

function leadingAxes(axis: number | number[], rank: number): number | null {
  const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
  if (axes.length === 0 || axes.length >= rank) return null;
  return axes.every((a, i) => a === i) ? axes.length : null;
}

export function registerFastElementwiseKernels(): string[] {
  return once('cpu-elementwise', () => {
    const replaced: string[] = [];
    const on = (name: string, run: (i: Record<string, tf.TensorInfo>, b: CpuBackendLike, a: Record<string, unknown>) => tf.TensorInfo | null) => {
      if (tf.getKernel(name, 'cpu') && overrideKernel<CpuBackendLike>(name, 'cpu', run)) replaced.push(name);
    };
    const binaryKernel = (name: string, op: Binary) =>
      on(name, ({ a, b: bb }, b) => {
        if (a.dtype !== 'float32' || bb.dtype !== 'float32') return null;
        const r = binary(cpuValues(b, a), a.shape, cpuValues(b, bb), bb.shape, op);
        return r && b.makeTensorInfo(r.shape, 'float32', r.out);
      });
    binaryKernel('Multiply', (x, y) => x * y);
    binaryKernel('Add', (x, y) => x + y);
    binaryKernel('Sub', (x, y) => x - y);
    const reduceKernel = (name: string, mean: boolean) =>
      on(name, ({ x }, b, attrs) => {
        if (x.dtype !== 'float32') return null;
        const k = leadingAxes(attrs.axis as number | number[], x.shape.length);
        if (k === null) return null;
        const out = sumLeading(cpuValues(b, x), x.shape, k);
        if (mean) {
          const n = size(x.shape.slice(0, k));
          for (let i = 0; i < out.length; i++) out[i] /= n;
        }
        const shape = attrs.keepDims ? x.shape.map((d, i) => (i < k ? 1 : d)) : x.shape.slice(k);
        return b.makeTensorInfo(shape, 'float32', out);
      });
    reduceKernel('Sum', false);
    reduceKernel('Mean', true);
    return replaced;
  });
}
