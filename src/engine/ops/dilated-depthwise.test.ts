import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import '@tensorflow/tfjs-backend-cpu';
import { dilatedDepthwiseConv2d } from './dilated-depthwise';
import { Rng } from '../util/rng';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Direct definition: y[n,o,p,c] = Σ_ij xpad[n, o·s + i·d, p·s + j·d, c] · w[i,j,c]. */
function naive(
  x: Float32Array,
  [N, H, W, C]: number[],
  w: Float32Array,
  k: number,
  s: number,
  d: number,
  pad: number,
) {
  const P = H + 2 * pad;
  const Q = W + 2 * pad;
  const OH = Math.floor((P - d * (k - 1) - 1) / s) + 1;
  const OW = Math.floor((Q - d * (k - 1) - 1) / s) + 1;
  const y = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < OH; o++)
      for (let p = 0; p < OW; p++)
        for (let c = 0; c < C; c++) {
          let acc = 0;
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) {
              const r = o * s + i * d - pad;
              const q = p * s + j * d - pad;
              if (r >= 0 && r < H && q >= 0 && q < W)
                acc += x[((n * H + r) * W + q) * C + c] * w[(i * k + j) * C + c];
            }
          y[((n * OH + o) * OW + p) * C + c] = acc;
        }
  return { y, shape: [N, OH, OW, C] };
}

describe('dilated depthwise convolution by space-to-batch', () => {
  const rng = new Rng(3);
  for (const [k, s, size] of [
    [3, 1, 8],
    [3, 2, 8],
    [3, 1, 7],
    [3, 2, 7],
    [5, 1, 9],
    [5, 2, 8],
  ] as const) {
    const pad = k === 3 ? 2 : 4; // DARTS: dil_conv_3x3 pads 2, dil_conv_5x5 pads 4
    it(`k=${k} stride ${s} on ${size}x${size}: forward equals the direct sum, gradients equal finite differences`, () => {
      const shape = [2, size, size, 3];
      const xv = rng.fillNormal(2 * size * size * 3);
      const wv = rng.fillNormal(k * k * 3);
      const x = tf.tensor4d(xv, shape as [number, number, number, number]);
      const w = tf.tensor4d(wv, [k, k, 3, 1]);
      const out = dilatedDepthwiseConv2d(x, w, s, 2, pad);
      const ref = naive(xv, shape, wv, k, s, 2, pad);
      expect(out.shape).toEqual(ref.shape);
      const got = out.dataSync();
      ref.y.forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-4));
      // Gradient of Σ y·r against the direct sum's exact gradient (it is linear in x and w).
      const r = tf.tensor(rng.fillNormal(out.size), out.shape);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        dilatedDepthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, 2, pad)
          .mul(r)
          .sum(),
      )([x, w]);
      const rv = r.dataSync();
      const dot = (xs: Float32Array, ws: Float32Array) =>
        naive(xs, shape, ws, k, s, 2, pad).y.reduce((acc, v, i) => acc + v * rv[i], 0);
      for (const idx of [0, 7, xv.length - 1]) {
        const e = new Float32Array(xv.length);
        e[idx] = 1;
        expect(gx.dataSync()[idx]).toBeCloseTo(dot(e, wv), 3);
      }
      for (const idx of [0, 4, wv.length - 1]) {
        const e = new Float32Array(wv.length);
        e[idx] = 1;
        expect(gw.dataSync()[idx]).toBeCloseTo(dot(xv, e), 3);
      }
      tf.dispose([x, w, out, r, gx, gw]);
    });
  }
});
