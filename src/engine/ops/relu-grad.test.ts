import { describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { RELU_GRAD, installReluGradient } from './relu-grad';

// nn/activations.ts installs it when the layers load; the op is tested on its own here.
installReluGradient();

// 4·5·3·7 + 3 = 423 values: not a multiple of 4, so the SIMD loop's JavaScript tail runs too; zeros,
// negatives, −0, infinities and NaN included.
const special = [0, -0, -1, 2, Infinity, -Infinity, NaN, 1e-30, -1e-30];

describe.each(['cpu', 'wasm'] as const)('ReLU gradient on %s', (backend) => {
  it('is dy where x > 0, 0 where x ≤ 0 and NaN where x is NaN, in one fused kernel, with no tensor left behind', async () => {
    const report = await chooseBackend({ prefer: backend });
    expect(report.chosen).toBe(backend);
    expect(tf.getKernel(RELU_GRAD, backend)).toBeDefined();
    const n = 4 * 5 * 3 * 7 + 3;
    const xv = Float32Array.from({ length: n }, (_, i) =>
      i < special.length ? special[i] : Math.sin(i * 1.3) * 3,
    );
    const dyv = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) + 0.5);
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const x = tf.tensor1d(xv);
      const dy = tf.tensor1d(dyv);
      return tf
        .grad((t: tf.Tensor) => tf.relu(t))(x, dy)
        .dataSync()
        .slice();
    });
    expect(tf.memory().numTensors).toBe(before);
    got.forEach((g, i) => {
      const want = xv[i] > 0 ? dyv[i] : Number.isNaN(xv[i]) ? NaN : 0;
      expect(Object.is(g, want) || g === want, `x = ${xv[i]}: got ${g}, want ${want}`).toBe(true);
    });
    // The gradient ran the fused kernel, not tfjs's Step/Cast/Multiply.
    const info = await tf.profile(() =>
      tf.tidy(() => tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor1d(xv), tf.tensor1d(dyv))),
    );
    expect(info.kernelNames).toContain(RELU_GRAD);
    expect(info.kernelNames).not.toContain('Step');
  });
});
