import * as tf from '../tf';

/**
 * Turns a backend failure into a sentence a user can act on. The wasm backend has a 32-bit heap
 * (at most 4 GB); when a step needs more, its malloc fails inside a kernel and surfaces as an opaque
 * WebAssembly RuntimeError (measured: "divide by zero" on the small DARTS config at batch 16).
 */
export function explainBackendError(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const backend = tf.getBackend();
  if (
    backend === 'wasm' &&
    (err.name === 'RuntimeError' ||
      /divide by zero|out of memory|memory access out of bounds|Aborted/i.test(err.message))
  ) {
    return new Error(
      `the wasm backend ran out of memory during a search step (it can address at most 4 GB): reduce batchSize, space.channels or space.cells, or choose the cpu backend (slower, no 4 GB limit) or a GPU (original error: ${err.message})`,
    );
  }
  return err;
}
