import * as tf from '../../tf';

/**
 * Elementwise add, subtract, multiply and divide where one operand is a full tensor and the other a
 * per-channel vector (shape [C] or [1, …, 1, C], C the last axis) or a scalar: the mixed op's
 * α-weighting, affine BatchNorm and the optimisers' updates. tfjs-backend-cpu runs such broadcasts
 * through generic index arithmetic per element; here one flat loop walks the full tensor with the
 * channel index wrapping at C. Used by the cpu backend's fast elementwise kernels (elementwise.ts).
 * On wasm these loops over the heap were slower than wasm's own broadcasting kernels (1.1–2.0 ms
 * against 0.33–0.64 ms per million floats, measured), so wasm keeps its own.
 */
export type BroadcastOp = 'Add' | 'Sub' | 'Multiply' | 'RealDiv';

export interface ChannelBroadcast {
  /** Which input (a or b) is the full tensor; the other is the vector or scalar. */
  full: 'a' | 'b';
  /** Length of the vector: C, or 1 for a scalar. */
  channels: number;
  outShape: number[];
}

/** Whether `a op b` is a full-tensor-by-channel-vector (or scalar) broadcast, and how; null otherwise. */
export function channelBroadcastOf(
  aShape: readonly number[],
  bShape: readonly number[],
): ChannelBroadcast | null {
  const size = (s: readonly number[]) => s.reduce((p, d) => p * d, 1);
  const outShape = tf.backend_util.assertAndGetBroadcastShape([...aShape], [...bShape]);
  const n = size(outShape);
  const isFull = (s: readonly number[]) => size(s) === n && s.length === outShape.length;
  const channels = outShape[outShape.length - 1] ?? 1;
  const vectorLength = (s: readonly number[]): number | null => {
    if (size(s) === 1) return 1;
    const leading = s.slice(0, -1);
    return leading.every((d) => d === 1) && s[s.length - 1] === channels ? channels : null;
  };
  if (n <= 1) return null;
  if (isFull(aShape) && !isFull(bShape)) {
    const c = vectorLength(bShape);
    return c ? { full: 'a', channels: c, outShape } : null;
  }
  if (isFull(bShape) && !isFull(aShape)) {
    const c = vectorLength(aShape);
    return c ? { full: 'b', channels: c, outShape } : null;
  }
  return null;
}

/**
 * out[i] = x[i] op v[i mod C] (or v[i mod C] op x[i] when `vectorFirst`), for a flat NHWC-ordered x.
 * One loop per case: a loop calling a per-element function would not be inlined for all four ops.
 */
export function applyChannelBroadcast(
  op: BroadcastOp,
  x: Float32Array,
  v: Float32Array,
  vectorFirst: boolean,
  out: Float32Array,
): void {
  const C = v.length;
  const n = x.length;
  const kind = op === 'Sub' || op === 'RealDiv' ? `${op}${vectorFirst ? 'Rev' : ''}` : op;
  let c = 0;
  switch (kind) {
    case 'Add':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = x[i] + v[c];
      return;
    case 'Multiply':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = x[i] * v[c];
      return;
    case 'Sub':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = x[i] - v[c];
      return;
    case 'SubRev':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = v[c] - x[i];
      return;
    case 'RealDiv':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = x[i] / v[c];
      return;
    case 'RealDivRev':
      for (let i = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) out[i] = v[c] / x[i];
      return;
  }
}
