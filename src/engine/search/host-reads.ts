import * as tf from '../tf';
import { backendReadsSynchronously } from '../backend/webgpu';
import type { StepMetrics, StepResult } from './strategy';

/**
 * Reading tensors back to the host, on every backend.
 *
 * tfjs-backend-webgpu in Node cannot read synchronously (its dataSync draws through an
 * OffscreenCanvas, which Node lacks; a GPU read is a mapAsync that only an awaited promise ends). The
 * training loop is synchronous on cpu, wasm and tensorflow, and stays so: a step computes all its
 * tensors at once and reads its few scalar metrics at its end. On webgpu the same step hands those
 * scalars to the loop unread (StepResult.metricsLater), and SearchSession.runStepAsync awaits them at
 * the step boundary, once per step. Reading a tensor asynchronously leaves its values cached on the
 * host (tfjs's backends keep what they read), so a later dataSync of the same tensor returns at once:
 * that is how the epoch-end hooks (derive, architecture) run unchanged on webgpu after a strategy's
 * prefetchHostReads.
 */

/**
 * The metrics of a step from its scalar tensors and plain numbers, in the order given. Takes
 * ownership of the tensors (disposed once read). On a backend that reads synchronously they are read
 * now, exactly as `t.dataSync()[0]`; on webgpu they are returned as `metricsLater`.
 */
export function scalarMetrics(
  entries: ReadonlyArray<readonly [string, tf.Tensor | number]>,
): Pick<StepResult, 'metrics' | 'metricsLater'> {
  const tensors = entries.flatMap(([, v]) => (typeof v === 'number' ? [] : [v]));
  const assemble = (read: (t: tf.Tensor) => number): StepMetrics =>
    Object.fromEntries(entries.map(([k, v]) => [k, typeof v === 'number' ? v : read(v)]));
  if (backendReadsSynchronously()) {
    const metrics = assemble((t) => t.dataSync()[0]);
    tf.dispose(tensors);
    return { metrics };
  }
  const numbers = Object.fromEntries(entries.filter(([, v]) => typeof v === 'number')) as StepMetrics;
  return {
    metrics: numbers,
    metricsLater: async () => {
      try {
        const values = new Map<tf.Tensor, number>();
        await Promise.all(tensors.map(async (t) => values.set(t, (await t.data())[0] as number)));
        return assemble((t) => values.get(t) as number);
      } finally {
        tf.dispose(tensors);
      }
    },
  };
}

/**
 * scalarMetrics for metrics that are host functions of the values read (a perplexity exp(loss),
 * computed in float64 on the host as the old dataSync code did, not on the device in float32):
 * `finish` gets each tensor's first value, in the order given. Takes ownership of the tensors. Read
 * now with dataSync on a backend that reads synchronously; on webgpu returned as `metricsLater`.
 * The tensors must be computed already (the step's batches are disposed before metricsLater runs).
 */
export function scalarMetricsOf(
  tensors: readonly tf.Tensor[],
  finish: (values: number[]) => StepMetrics,
): Pick<StepResult, 'metrics' | 'metricsLater'> {
  if (backendReadsSynchronously()) {
    try {
      return { metrics: finish(tensors.map((t) => t.dataSync()[0])) };
    } finally {
      tf.dispose([...tensors]);
    }
  }
  return {
    metrics: {},
    metricsLater: async () => {
      try {
        return finish(await Promise.all(tensors.map(async (t) => (await t.data())[0] as number)));
      } finally {
        tf.dispose([...tensors]);
      }
    },
  };
}

/** Reads tensors asynchronously so that their values are cached on the host (see the module comment). */
export async function cacheOnHost(tensors: Iterable<tf.Tensor>): Promise<void> {
  await Promise.all([...tensors].map((t) => t.data()));
}

/**
 * A computation that needs host values in the middle of its work (a candidate's score before the
 * next decision, the sums of RLNAS's angle), written once for both kinds of backend as a generator:
 * it yields the tensors it must read and receives their values, in the same order, at the yield.
 * The program owns what it yields (it disposes computed tensors after the read; variables it leaves).
 * `readNow` drives it with dataSync (cpu, wasm, tensorflow: exactly the values a dataSync in its place
 * would read), `readAwaiting` with an awaited data() (webgpu), so both give bit-identical results on a
 * backend that can do both. A program should gather what it reads into as few yields as it can: on
 * webgpu each yield is a round trip to the device.
 */
export type HostReads<T> = Generator<tf.Tensor[], T, tf.TypedArray[]>;

/** Runs a host-reads program reading synchronously (see HostReads). */
export function readNow<T>(program: HostReads<T>): T {
  let r = program.next();
  while (!r.done) r = program.next(r.value.map((t) => t.dataSync() as tf.TypedArray));
  return r.value;
}

/** Runs a host-reads program awaiting each read (every backend; the only way on webgpu). */
export async function readAwaiting<T>(program: HostReads<T>): Promise<T> {
  let r = program.next();
  while (!r.done) {
    const values = await Promise.all(r.value.map((t) => t.data() as Promise<tf.TypedArray>));
    r = program.next(values);
  }
  return r.value;
}
