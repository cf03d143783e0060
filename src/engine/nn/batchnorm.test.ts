import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { BatchNorm } from './batchnorm';
import { Rng } from '../util/rng';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/** The textbook formula, differentiated by tfjs's autodiff: the independent reference. */
function plain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(1e-5)))
    .mul(gamma)
    .add(beta);
}

describe('BatchNorm', () => {
  it('training mode: output and gradients (x, γ, β) equal the autodiff of the plain formula', () => {
    const rng = new Rng(2);
    const x = tf.tensor4d(rng.fillNormal(3 * 4 * 5 * 6, 2, 1), [3, 4, 5, 6]);
    const r = tf.tensor4d(rng.fillNormal(3 * 4 * 5 * 6), [3, 4, 5, 6]);
    const bn = new BatchNorm(6, true);
    const [g, b] = bn.parameters();
    g.assign(tf.tensor1d(rng.fillNormal(6, 0.5, 1)));
    b.assign(tf.tensor1d(rng.fillNormal(6)));
    const gamma = g.clone();
    const beta = b.clone();
    const dx = tf.grad((a: tf.Tensor) => bn.forward(a, { training: true }).mul(r).sum())(x);
    const { grads } = tf.variableGrads(
      () => bn.forward(x, { training: true }).mul(r).sum() as tf.Scalar,
      [g, b],
    );
    const got = [dx, grads[g.name], grads[b.name]];
    const want = tf.grads((a: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => plain(a, gg, bb).mul(r).sum())([
      x,
      gamma,
      beta,
    ]);
    got.forEach((t, i) => {
      const d = tf.max(tf.abs(t.sub(want[i]))).dataSync()[0];
      const scale = tf.max(tf.abs(want[i])).dataSync()[0];
      expect(d, `gradient ${i}`).toBeLessThan(1e-4 * scale);
    });
    const y = bn.forward(x, { training: true });
    expect(tf.max(tf.abs(y.sub(plain(x, gamma, beta)))).dataSync()[0]).toBeLessThan(1e-5);
  });

  it('updates running statistics like PyTorch (momentum 0.1, unbiased variance) and uses them in eval mode', () => {
    const bn = new BatchNorm(1, false);
    const x = tf.tensor4d([1, 2, 3, 4], [4, 1, 1, 1]);
    bn.forward(x, { training: true });
    expect(bn.runningMean.dataSync()[0]).toBeCloseTo(0.1 * 2.5, 6);
    // unbiased variance of 1..4 is 5/3
    expect(bn.runningVar.dataSync()[0]).toBeCloseTo(0.9 + 0.1 * (5 / 3), 6);
    const y = bn.forward(tf.tensor4d([0.25], [1, 1, 1, 1]), { training: false }).dataSync()[0];
    expect(y).toBeCloseTo((0.25 - 0.25) / Math.sqrt(0.9 + 0.5 / 3 + 1e-5), 6);
  });
});
