import * as tf from '../tf';

/**
 * Peak of tfjs's tensor byte count while `fn` runs, above what was held before it (tfjs's count peaks
 * inside a step, not at its end; tf.profile crashed on large steps on wasm). A clone counts its
 * shared data again, so this is an upper bound of what the backend holds.
 */
export function peakTensorBytes(fn: () => void): number {
  const engine = tf.engine() as unknown as {
    trackTensor: (...a: unknown[]) => void;
    state: { numBytes: number };
  };
  const track = engine.trackTensor;
  const before = engine.state.numBytes;
  let top = before;
  engine.trackTensor = function (this: unknown, ...a: unknown[]) {
    track.apply(this, a);
    top = Math.max(top, engine.state.numBytes);
  };
  try {
    fn();
  } finally {
    engine.trackTensor = track;
  }
  return top - before;
}
