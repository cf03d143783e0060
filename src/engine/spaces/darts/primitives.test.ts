import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { Rng } from '../../util/rng';
import { PRIMITIVES } from './primitives';
import { DARTS_PRIMITIVES } from './primitives-contract';
import type { Module } from '../../nn';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const evalCtx = { training: false };

/** Sets every parameter of `m` whose name ends with `suffix` to `value`. */
function setParams(m: Module, suffix: string, value: (shape: number[]) => tf.Tensor) {
  for (const [name, v] of m.namedParameters()) if (name.endsWith(suffix)) v.assign(value(v.shape));
}

/** A 1×4×4×1 image with value 1..16 row-major. */
const img = () =>
  tf.tensor4d(
    Array.from({ length: 16 }, (_, i) => i + 1),
    [1, 4, 4, 1],
  );
const rows = (t: tf.Tensor) => (t.arraySync() as number[][][][])[0].map((r) => r.map((c) => c[0]));

describe('DARTS primitives', () => {
  for (const name of DARTS_PRIMITIVES) {
    it(`${name}: output shape at stride 1 and 2 (even and odd sizes)`, () => {
      for (const [size, stride, out] of [
        [8, 1, 8],
        [8, 2, 4],
        [7, 2, 4],
      ] as const) {
        const op = PRIMITIVES[name](4, stride, false, new Rng(1));
        const y = op.forward(tf.ones([2, size, size, 4]), { training: true });
        expect(y.shape).toEqual([2, out, out, 4]);
        op.dispose();
      }
    });
  }

  it('none is zeros, strided like x[::2, ::2]', () => {
    expect(rows(PRIMITIVES.none(1, 2, false, new Rng(0)).forward(img(), evalCtx))).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('max_pool_3x3 pads symmetrically and never picks padding', () => {
    expect(rows(PRIMITIVES.max_pool_3x3(1, 1, false, new Rng(0)).forward(img().neg(), evalCtx))).toEqual([
      [-1, -1, -2, -3],
      [-1, -1, -2, -3],
      [-5, -5, -6, -7],
      [-9, -9, -10, -11],
    ]);
    expect(rows(PRIMITIVES.max_pool_3x3(1, 2, false, new Rng(0)).forward(img(), evalCtx))).toEqual([
      [6, 8],
      [14, 16],
    ]);
  });

  it('avg_pool_3x3 excludes padding from the count (count_include_pad=False)', () => {
    const y = rows(PRIMITIVES.avg_pool_3x3(1, 1, false, new Rng(0)).forward(img(), evalCtx));
    // corner: mean(1, 2, 5, 6) = 3.5; edge (0,1): mean(1,2,3,5,6,7) = 4; centre (1,1): mean of 9 = 6
    expect(y[0][0]).toBeCloseTo(3.5, 5);
    expect(y[0][1]).toBeCloseTo(4, 5);
    expect(y[1][1]).toBeCloseTo(6, 5);
    const s2 = rows(PRIMITIVES.avg_pool_3x3(1, 2, false, new Rng(0)).forward(img(), evalCtx));
    // windows centred at (0,0), (0,2), (2,0), (2,2): (0,2) covers rows 0-1, cols 1-3 → mean(2,3,4,6,7,8) = 5
    expect(s2[0][0]).toBeCloseTo(3.5, 5);
    expect(s2[0][1]).toBeCloseTo(5, 5);
  });

  it('skip_connect is the identity at stride 1 and FactorizedReduce at stride 2', () => {
    expect(rows(PRIMITIVES.skip_connect(1, 1, false, new Rng(0)).forward(img(), evalCtx))).toEqual(
      rows(img()),
    );
    // FactorizedReduce(2→2): conv_1 reads x[0::2, 0::2], conv_2 reads x[1::2, 1::2]; weights 1, BN at
    // running stats (0, 1) in eval mode divides by sqrt(1 + 1e-5).
    const fr = PRIMITIVES.skip_connect(2, 2, false, new Rng(0));
    setParams(fr, 'weight', (s) => tf.ones(s).div(2)); // 2 input channels each 1/2 → mean of channels
    const x = tf.concat([img(), img()], 3);
    const y = fr.forward(x, evalCtx).arraySync() as number[][][][];
    const k = 1 / Math.sqrt(1 + 1e-5);
    expect(y[0][0][0][0]).toBeCloseTo(1 * k, 4);
    expect(y[0][0][0][1]).toBeCloseTo(6 * k, 4);
    expect(y[0][1][1][0]).toBeCloseTo(11 * k, 4);
    expect(y[0][1][1][1]).toBeCloseTo(16 * k, 4);
  });

  it('sep_conv_3x3 with unit weights is two 3×3 box sums after ReLU (hand-computed)', () => {
    const op = PRIMITIVES.sep_conv_3x3(1, 1, false, new Rng(0));
    setParams(op, 'weight', (s) => tf.ones(s));
    const k = 1 / Math.sqrt(1 + 1e-5);
    const y = rows(op.forward(img(), evalCtx));
    // first block: box sum of 1..16 with zero padding, e.g. corner 1+2+5+6 = 14; BN scales by k.
    const box = (a: number[][]) =>
      a.map((r, i) =>
        r.map((_, j) =>
          [-1, 0, 1]
            .flatMap((di) => [-1, 0, 1].map((dj) => a[i + di]?.[j + dj] ?? 0))
            .reduce((p, q) => p + q, 0),
        ),
      );
    const x = rows(img());
    const expected = box(box(x).map((r) => r.map((v) => v * k))).map((r) => r.map((v) => v * k));
    y.forEach((r, i) => r.forEach((v, j) => expect(v).toBeCloseTo(expected[i][j], 2)));
  });

  it('dil_conv_3x3 with unit weights sums the dilated neighbourhood (stride 2 reads even positions)', () => {
    const op = PRIMITIVES.dil_conv_3x3(1, 2, false, new Rng(0));
    setParams(op, 'weight', (s) => tf.ones(s));
    const k = 1 / Math.sqrt(1 + 1e-5);
    const x = rows(img());
    const at = (i: number, j: number) => x[i]?.[j] ?? 0;
    const y = rows(op.forward(img(), evalCtx));
    // output (o, p) at stride 2 is centred on input (2o, 2p) with taps at offsets −2, 0, +2
    for (const [o, p] of [
      [0, 0],
      [1, 1],
    ]) {
      let s = 0;
      for (const di of [-2, 0, 2]) for (const dj of [-2, 0, 2]) s += at(2 * o + di, 2 * p + dj);
      expect(y[o][p]).toBeCloseTo(s * k, 3);
    }
  });
});
