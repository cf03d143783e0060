import * as tf from '../../tf';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';
import { RELU_GRAD, reluGradValues } from '../../ops/relu-grad';
import {
  LINEAR_COMBINATION,
  SUM_OF_SQUARES,
  combineValues,
  listInputs,
  sumSquaresValues,
} from '../../ops/multi-tensor';
import { applyChannelBroadcast, channelBroadcastOf, type BroadcastOp } from './channel-broadcast';

/**
 * Fast paths for the `cpu` backend's broadcasting arithmetic and channel reductions, the next hot spots
 * of a DARTS step after the convolution gradients (BatchNorm's (x − μ)·σ⁻¹ with per-channel vectors,
 * mixing weights times op outputs, and their gradients' per-channel sums). tfjs-backend-cpu maps every
 * element through generic index arithmetic; these cover the shapes the engine produces — equal
 * shapes, a scalar, or a vector along the last (channel) axis — and hand anything else to the stock
 * kernel. Parity-tested against the stock kernels in elementwise.test.ts.
 */

type Binary = (x: number, y: number) => number;
const SAME_SHAPE: Record<BroadcastOp, Binary> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Multiply: (x, y) => x * y,
  RealDiv: (x, y) => x / y,
};

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function binary(
  op: BroadcastOp,
  a: Float32Array,
  aShape: number[],
  b: Float32Array,
  bShape: number[],
): { shape: number[]; out: Float32Array } | null {
  if (aShape.length === bShape.length && aShape.every((d, i) => d === bShape[i])) {
    const out = new Float32Array(a.length);
    const f = SAME_SHAPE[op];
    for (let i = 0; i < out.length; i++) out[i] = f(a[i], b[i]);
    return { shape: [...aShape], out };
  }
  const bc = channelBroadcastOf(aShape, bShape);
  if (!bc) return null;
  const out = new Float32Array(size(bc.outShape));
  if (bc.full === 'a') applyChannelBroadcast(op, a, b, false, out);
  else applyChannelBroadcast(op, b, a, true, out);
  return { shape: bc.outShape, out };
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
    const on = (
      name: string,
      run: (
        i: Record<string, tf.TensorInfo>,
        b: CpuBackendLike,
        a: Record<string, unknown>,
      ) => tf.TensorInfo | null,
    ) => {
      if (tf.getKernel(name, 'cpu') && overrideKernel<CpuBackendLike>(name, 'cpu', run)) replaced.push(name);
    };
    for (const op of Object.keys(SAME_SHAPE) as BroadcastOp[])
      on(op, ({ a, b: bb }, b) => {
        if (a.dtype !== 'float32' || bb.dtype !== 'float32') return null;
        const r = binary(op, cpuValues(b, a), a.shape, cpuValues(b, bb), bb.shape);
        return r && b.makeTensorInfo(r.shape, 'float32', r.out);
      });
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
    // ReLU's gradient in one pass (ops/relu-grad.ts).
    overrideKernel<CpuBackendLike>(RELU_GRAD, 'cpu', ({ dy, x }, b) => {
      const dx = new Float32Array(tf.util.sizeFromShape(x.shape));
      reluGradValues(cpuValues(b, dy), cpuValues(b, x), dx);
      return b.makeTensorInfo(x.shape, 'float32', dx);
    });
    // Optimiser arithmetic over all parameter tensors in one call (ops/multi-tensor.ts).
    overrideKernel<CpuBackendLike>(LINEAR_COMBINATION, 'cpu', (inputs, b, attrs) => {
      const [terms, count] = [listInputs(inputs), attrs.count as number];
      const c = cpuValues(b, inputs.c);
      return terms.slice(0, count).map((t, j) => {
        const out = new Float32Array(tf.util.sizeFromShape(t.shape));
        combineValues(
          Array.from(c, (_, k) => cpuValues(b, terms[k * count + j])),
          c,
          out,
        );
        return b.makeTensorInfo(t.shape, 'float32', out);
      });
    });
    overrideKernel<CpuBackendLike>(SUM_OF_SQUARES, 'cpu', (inputs, b) => {
      const total = listInputs(inputs).reduce((s, t) => s + sumSquaresValues(cpuValues(b, t)), 0);
      return b.makeTensorInfo([], 'float32', Float32Array.of(total));
    });
    replaced.push(RELU_GRAD, LINEAR_COMBINATION, SUM_OF_SQUARES);
    return replaced;
  });
}
