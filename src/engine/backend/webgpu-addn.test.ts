import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from './choose';

/**
 * The chunked AddN kernel (webgpu-kernels.ts) on webgpu (lavapipe in CI): with k·fit + 1 inputs the
 * last chunk is a single input, passed through to the next level uncomputed. It used to be freed
 * with the partial sums, so a caller's tensor was disposed twice: the backend's pending-disposal
 * queue then held its data id twice and the next submit threw "Cannot read properties of undefined
 * (reading 'backend')" (found by ENAS's controller: 16 decisions' log p, summed with 15 inputs per
 * program on lavapipe). Every count from fit − 1 to 2·fit + 2 is summed, checked against the host's
 * float64 sum, and every input must still read back intact afterwards. Skipped, with the reason
 * printed, where no WebGPU adapter is found.
 */
let skipReason = '';

beforeAll(async () => {
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`chunked AddN on webgpu skipped: ${skipReason}`);
  }
}, 120_000);

describe('chunked AddN on webgpu', () => {
  it('sums any number of inputs and leaves every input alive (one input per chunk passed through)', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    const backend = tf.backend() as unknown as {
      device: { limits: { maxStorageBuffersPerShaderStage: number } };
    };
    const fit = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
    const before = tf.memory().numTensors;
    for (let n = fit - 1; n <= 2 * fit + 2; n++) {
      const values = Array.from({ length: n }, (_, i) => [i + 1, -(i + 0.5)]);
      const inputs = values.map((v) => tf.tensor1d(v));
      const sum = tf.addN(inputs);
      const want = [0, 1].map((j) => values.reduce((a, v) => a + v[j], 0));
      const got = Array.from(await sum.data());
      got.forEach((g, j) => expect(Math.abs(g - want[j]), `n = ${n}, [${j}]`).toBeLessThan(1e-4));
      // Each input still holds its own values (a freed buffer would be reused or fail to read).
      for (const [i, t] of inputs.entries())
        expect(Array.from(await t.data()), `n = ${n}, input ${i}`).toEqual(values[i]);
      tf.dispose([sum, ...inputs]);
      // A submit after the disposals: the queue must not hold an id twice.
      const probe = tf.tidy(() => tf.scalar(1).add(1));
      await probe.data();
      probe.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
