import * as tf from '../tf';

/**
 * What the engine's own fused ops (the other modules of this folder) share with the backends' kernels
 * for them: whether the active backend has a kernel, and lists of tensors passed as numbered inputs
 * (tfjs passes a kernel's inputs by name).
 */

/** Whether the active backend has `kernel` (else the op runs as composed tfjs ops). */
export const activeBackendHas = (kernel: string): boolean =>
  tf.getKernel(kernel, tf.getBackend()) !== undefined;

/** `tensors` as inputs `${prefix}0`, `${prefix}1`, … */
export const numbered = <T>(prefix: string, tensors: T[]): Record<string, T> =>
  Object.fromEntries(tensors.map((t, i) => [`${prefix}${i}`, t]));

/** The inputs `${prefix}0`, `${prefix}1`, … of a kernel, in order. */
export function numberedInputs<T>(inputs: Record<string, T>, prefix: string): T[] {
  const pattern = new RegExp(`^${prefix}\\d+$`);
  return Object.keys(inputs)
    .filter((k) => pattern.test(k))
    .sort((a, b) => +a.slice(prefix.length) - +b.slice(prefix.length))
    .map((k) => inputs[k]);
}
