import { describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import {
  BATCH_NORM_RUNNING_STATS,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrain,
  batchNormTrainGrad,
  updatedRunningStats,
} from './batchnorm-op';
import { Rng } from '../util/rng';

/** The formulas in float64, element by element: the independent reference. */
function reference(x: Float32Array, dy: Float32Array, C: number, eps: number) {
  const rows = x.length / C;
  const mean = new Float64Array(C);
  const variance = new Float64Array(C);
  x.forEach((v, i) => (mean[i % C] += v / rows));
  x.forEach((v, i) => (variance[i % C] += (v - mean[i % C]) ** 2 / rows));
  const inv = Array.from(variance, (v) => 1 / Math.sqrt(v + eps));
  const xhat = Array.from(x, (v, i) => (v - mean[i % C]) * inv[i % C]);
  const mg = new Float64Array(C);
  const mgx = new Float64Array(C);
  dy.forEach((g, i) => {
    mg[i % C] += g / rows;
    mgx[i % C] += (g * xhat[i]) / rows;
  });
  const dx = Array.from(dy, (g, i) => (g - mg[i % C] - xhat[i] * mgx[i % C]) * inv[i % C]);
  return { mean: Array.from(mean), variance: Array.from(variance), inv, xhat, dx };
}

function expectClose(got: tf.Tensor, want: number[], what: string, rel = 2e-5) {
  const g = got.dataSync();
  const scale = Math.max(1e-6, ...want.map(Math.abs));
  let diff = 0;
  want.forEach((w, i) => (diff = Math.max(diff, Math.abs(g[i] - w))));
  expect(diff / scale, what).toBeLessThan(rel);
}

// 4·9·9 = 324 rows: more than one of the SIMD kernels' 256-row blocks. C = 8 takes the SIMD loops on
// wasm, C = 6 the JavaScript fallback; the inputs sit far from zero (mean ~5, sd ~0.1), where a
// one-pass variance in float32 would lose digits (the SIMD loop sums x and x² in float64).
describe.each(['cpu', 'wasm'] as const)('BatchNorm training kernels on %s', (backend) => {
  it.each([8, 6])(
    'C = %i: x̂, μ, σ², s and dx match the float64 formulas, with no tensor left behind',
    async (C) => {
      const report = await chooseBackend({ prefer: backend });
      expect(report.chosen).toBe(backend);
      expect(tf.getKernel(BATCH_NORM_TRAIN, backend)).toBeDefined();
      expect(tf.getKernel(BATCH_NORM_TRAIN_GRAD, backend)).toBeDefined();
      const rng = new Rng(C);
      const shape = [4, 9, 9, C];
      const n = shape.reduce((a, b) => a * b, 1);
      const xv = Float32Array.from(rng.fillNormal(n, 5, 0.1));
      const dyv = Float32Array.from(rng.fillNormal(n));
      const want = reference(xv, dyv, C, 1e-5);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.tensor(xv, shape);
        const { xhat, mean, variance, invStd } = batchNormTrain(x, 1e-5);
        expectClose(mean, want.mean, 'mean', 1e-6);
        expectClose(variance, want.variance, 'variance', 1e-4);
        expectClose(invStd, want.inv, 'invStd', 1e-4);
        expectClose(xhat, want.xhat, 'xhat', 1e-4);
        expectClose(batchNormTrainGrad(tf.tensor(dyv, shape), xhat, invStd), want.dx, 'dx', 1e-4);
      });
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

describe.each(['cpu', 'wasm'] as const)('BatchNorm running statistics on %s', (backend) => {
  it('one fused kernel gives the bits of the composed float32 ops, with no tensor left behind', async () => {
    await chooseBackend({ prefer: backend });
    const kernel = tf.getKernel(BATCH_NORM_RUNNING_STATS, backend);
    expect(kernel).toBeDefined();
    const rng = new Rng(7);
    const vals = [0, 1, 2, 3].map(() => Float32Array.from(rng.fillNormal(12)).map(Math.abs));
    const before = tf.memory().numTensors;
    const run = () =>
      tf.tidy(() => {
        const [rm, rv, mean, variance] = vals.map((v) => tf.tensor1d(v));
        return updatedRunningStats(rm, rv, mean, variance, 0.1, 324 / 323).map((t) => t.dataSync().slice());
      });
    const fused = run();
    tf.unregisterKernel(BATCH_NORM_RUNNING_STATS, backend);
    let composed: ReturnType<typeof run>;
    try {
      composed = run();
    } finally {
      tf.registerKernel(kernel as tf.KernelConfig);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(Array.from(fused[0])).toEqual(Array.from(composed[0]));
    expect(Array.from(fused[1])).toEqual(Array.from(composed[1]));
    fused[0].forEach((v, c) => expect(v).toBeCloseTo(0.9 * vals[0][c] + 0.1 * vals[2][c], 6));
    fused[1].forEach((v, c) => expect(v).toBeCloseTo(0.9 * vals[1][c] + 0.1 * (324 / 323) * vals[3][c], 6));
  });
});
