import { describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { LINEAR_COMBINATION, SUM_OF_SQUARES, linearCombination, sumOfSquares } from './multi-tensor';
import { Rng } from '../util/rng';

// Sizes that are and are not multiples of 4 (the SIMD loops' tails), down to one element.
const shapes = [[3, 5], [8], [2, 2, 2, 2], [1], [6, 7]];
const coefs = [0.9, -0.025, 3e-4];

function inputs(seed: number) {
  const rng = new Rng(seed);
  return coefs.map(() => shapes.map((s) => Float32Array.from(rng.fillNormal(s.reduce((a, b) => a * b, 1)))));
}

/** Runs `body` with `kernel` unregistered on `backend`, so that the ops take their composed path. */
function withoutKernel<T>(kernel: string, backend: string, body: () => T): T {
  const k = tf.getKernel(kernel, backend);
  if (!k) return body();
  tf.unregisterKernel(kernel, backend);
  try {
    return body();
  } finally {
    tf.registerKernel(k);
  }
}

describe.each(['cpu', 'wasm'] as const)('multi-tensor arithmetic on %s', (backend) => {
  it.each([true, false])(
    'fused kernel %s: linear combinations and sums of squares match float64 sums, with no tensor left behind',
    async (fusedKernel) => {
      const report = await chooseBackend({ prefer: backend });
      expect(report.chosen).toBe(backend);
      expect(tf.getKernel(LINEAR_COMBINATION, backend)).toBeDefined();
      expect(tf.getKernel(SUM_OF_SQUARES, backend)).toBeDefined();
      const vals = inputs(fusedKernel ? 1 : 2);
      const before = tf.memory().numTensors;
      const run = () =>
        tf.tidy(() => {
          const terms = vals.map((term) => term.map((v, j) => tf.tensor(v, shapes[j])));
          const outs = linearCombination(terms, coefs);
          const fromTensor = linearCombination(terms.slice(0, 2), tf.tensor1d(coefs.slice(0, 2)));
          return {
            outs: outs.map((o) => o.dataSync().slice()),
            fromTensor: fromTensor.map((o) => o.dataSync().slice()),
            sq: sumOfSquares(terms[0]).dataSync()[0],
          };
        });
      const got = fusedKernel
        ? run()
        : withoutKernel(LINEAR_COMBINATION, backend, () => withoutKernel(SUM_OF_SQUARES, backend, run));
      expect(tf.memory().numTensors).toBe(before);
      shapes.forEach((_, j) => {
        got.outs[j].forEach((g, i) => {
          const want = coefs.reduce((s, c, k) => s + c * vals[k][j][i], 0);
          expect(Math.abs(g - want)).toBeLessThan(1e-6 * (1 + Math.abs(want)));
        });
        got.fromTensor[j].forEach((g, i) =>
          expect(Math.abs(g - (coefs[0] * vals[0][j][i] + coefs[1] * vals[1][j][i]))).toBeLessThan(
            1e-6 * (1 + Math.abs(g)),
          ),
        );
      });
      const want = vals[0].reduce((s, v) => s + v.reduce((a, x) => a + x * x, 0), 0);
      expect(Math.abs(got.sq - want) / want).toBeLessThan(1e-6);
    },
  );

  it('refuses terms of different lengths or a wrong number of coefficients', async () => {
    await chooseBackend({ prefer: backend });
    const a = [tf.ones([2])];
    expect(() => linearCombination([a, []], [1, 2])).toThrow(/as many tensors/);
    expect(() => linearCombination([a, a], [1])).toThrow(/2 terms but 1 coefficients/);
    tf.dispose(a);
  });
});
