import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { Rng } from '../util/rng';
import { WEIGHTED_SUM, weightedSum } from './weighted-sum';

// On cpu the composed ops run; on wasm the fused SIMD kernels (sizes 36 and 30: a multiple of four
// and one with a tail of two that the kernel finishes in JavaScript).
describe.each([
  ['cpu', [2, 3, 3, 2]],
  ['wasm', [2, 3, 3, 2]],
  ['wasm', [1, 5, 3, 2]],
] as const)('weightedSum on %s, shape %j', (backend, shape) => {
  beforeAll(async () => {
    await chooseBackend({ prefer: backend });
    expect(tf.getKernel(WEIGHTED_SUM, backend) !== undefined).toBe(backend === 'wasm');
  });
  it('value and gradients equal the autodiff of Σ w[index_i]·o_i, with zero gradient for skipped weights', () => {
    const rng = new Rng(4);
    const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const o = [0, 1, 2].map(() => tf.tensor(rng.fillNormal(size), [...shape]));
    const w = tf.tensor1d(rng.fillNormal(5));
    const index = [1, 3, 4]; // weight 0 and 2 belong to skipped ops
    const r = tf.tensor(rng.fillNormal(size), [...shape]);
    const ours = tf.grads((...a: tf.Tensor[]) =>
      weightedSum(a.slice(0, 3), a[3] as tf.Tensor1D, index)
        .mul(r)
        .sum(),
    )([...o, w]);
    const ref = tf.grads((...a: tf.Tensor[]) => {
      const ws = tf.unstack(a[3]);
      return tf
        .addN(a.slice(0, 3).map((x, i) => x.mul(ws[index[i]])))
        .mul(r)
        .sum();
    })([...o, w]);
    const value = weightedSum(o, w, index);
    const want = tf.addN(o.map((x, i) => x.mul(tf.unstack(w)[index[i]])));
    expect(value.sub(want).abs().max().dataSync()[0]).toBeLessThan(1e-6);
    ours.forEach((g, i) => {
      const d = g.sub(ref[i]).abs().max().dataSync()[0];
      expect(d, `input ${i}`).toBeLessThan(1e-5);
    });
    const dw = ours[3].dataSync();
    expect(dw[0]).toBe(0);
    expect(dw[2]).toBe(0);
    expect(Math.abs(dw[1])).toBeGreaterThan(0);
  });
});
