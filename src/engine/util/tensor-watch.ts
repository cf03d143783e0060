import * as tf from '../tf';

/**
 * Peak of tfjs's tensor byte count while `fn` runs, above what was held before it (tfjs's count peaks
 * inside a step, not at its end; tf.profile crashed on large steps on wasm). A clone counts its
 * shared data again, so this is an upper bound of what the backend holds.
 */
export function peakTensorBytes(fn: () => void): number {
  const watch = watchTensorBytes();
  try {
    fn();
  } finally {
    watch.stop();
  }
  return watch.peak();
}

/** peakTensorBytes of an async step (Darts.stepAsync: on webgpu it pauses between passes). */
export async function peakTensorBytesAsync(fn: () => Promise<void>): Promise<number> {
  const watch = watchTensorBytes();
  try {
    await fn();
  } finally {
    watch.stop();
  }
  return watch.peak();
}

function watchTensorBytes(): { stop(): void; peak(): number } {
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
  return {
    stop: () => {
      engine.trackTensor = track;
    },
    peak: () => top - before,
  };
}
