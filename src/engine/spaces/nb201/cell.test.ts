import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { Rng } from '../../util/rng';
import type { Module } from '../../nn';
import { Nb201InferCell } from './final-network';
import { NB201_OPS } from './search-space';
import { Nb201SearchCell } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/**
 * A plain-loop reference of the NB201 ops on one image, H×W×C arrays indexed [y][x][c]: written
 * from the definitions (ReLU → conv k×k with zero padding k//2 → BN; 3×3 average over the pixels
 * inside the image; identity; zeros), not through tfjs.
 */
type Img = number[][][];
const zerosImg = (h: number, w: number, c: number): Img =>
  Array.from({ length: h }, () => Array.from({ length: w }, () => new Array<number>(c).fill(0)));
const map = (a: Img, f: (v: number, ch: number) => number): Img => a.map((row) => row.map((px) => px.map(f)));
const plus = (a: Img, b: Img): Img => a.map((row, y) => row.map((px, x) => px.map((v, c) => v + b[y][x][c])));
const scale = (a: Img, s: number): Img => map(a, (v) => v * s);

/** w[ky][kx][ci][co] (tfjs HWIO, as nn.Conv2d stores it). */
function conv(a: Img, w: number[][][][], bias: number[] | null): Img {
  const h = a.length;
  const wd = a[0].length;
  const k = w.length;
  const p = (k - 1) / 2;
  const co = w[0][0][0].length;
  const out = zerosImg(h, wd, co);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < wd; x++)
      for (let o = 0; o < co; o++) {
        let s = bias ? bias[o] : 0;
        for (let ky = 0; ky < k; ky++)
          for (let kx = 0; kx < k; kx++) {
            const yy = y + ky - p;
            const xx = x + kx - p;
            if (yy < 0 || yy >= h || xx < 0 || xx >= wd) continue;
            for (let i = 0; i < a[0][0].length; i++) s += a[yy][xx][i] * w[ky][kx][i][o];
          }
        out[y][x][o] = s;
      }
  return out;
}

/** Eval-mode BatchNorm: (v − mean)/√(var + 1e−5)·γ + β (PyTorch's eps). */
function bn(a: Img, s: { mean: number[]; var: number[]; gamma?: number[]; beta?: number[] }): Img {
  return map(
    a,
    (v, c) => ((v - s.mean[c]) / Math.sqrt(s.var[c] + 1e-5)) * (s.gamma?.[c] ?? 1) + (s.beta?.[c] ?? 0),
  );
}

function avgPool3(a: Img): Img {
  const h = a.length;
  const wd = a[0].length;
  return a.map((row, y) =>
    row.map((px, x) =>
      px.map((_, c) => {
        let s = 0;
        let n = 0;
        for (let yy = y - 1; yy <= y + 1; yy++)
          for (let xx = x - 1; xx <= x + 1; xx++)
            if (yy >= 0 && yy < h && xx >= 0 && xx < wd) {
              s += a[yy][xx][c];
              n++;
            }
        return s / n;
      }),
    ),
  );
}

const relu = (a: Img) => map(a, (v) => Math.max(0, v));
const toImg = (t: tf.Tensor): Img => (t.arraySync() as number[][][][])[0];

/** The variables of a module by name. */
function state(m: Module): Map<string, tf.Variable> {
  return new Map(m.namedState());
}
function arr(v: tf.Variable): number[] {
  return Array.from(v.dataSync());
}
function hwio(v: tf.Variable): number[][][][] {
  return v.arraySync() as number[][][][];
}

/** A deterministic test image [1, h, w, c] with negative and positive values. */
function image(h: number, w: number, c: number): tf.Tensor4D {
  return tf.tensor4d(
    Array.from({ length: h * w * c }, (_, i) => (((i * 7) % 11) - 5) / 4),
    [1, h, w, c],
  );
}

/** The reference of op `name` with the weights of module `m` (names as ops.ts builds them). */
function refOp(name: string, m: Module, a: Img): Img {
  if (name === 'none') return map(a, () => 0);
  if (name === 'skip_connect') return a;
  if (name === 'avg_pool_3x3') return avgPool3(a);
  const s = state(m);
  const bias = s.get('op.1.bias');
  const stats = {
    mean: arr(s.get('op.2.running_mean')!),
    var: arr(s.get('op.2.running_var')!),
    gamma: s.has('op.2.weight') ? arr(s.get('op.2.weight')!) : undefined,
    beta: s.has('op.2.bias') ? arr(s.get('op.2.bias')!) : undefined,
  };
  return bn(conv(relu(a), hwio(s.get('op.1.weight')!), bias ? arr(bias) : null), stats);
}

/** Gives every BatchNorm of `m` non-trivial running statistics (and γ/β where affine), seeded. */
function perturbBatchNorms(m: Module, rng: Rng) {
  for (const [name, v] of m.namedState()) {
    const n = v.size;
    if (name.endsWith('running_mean') || name.endsWith('.bias'))
      v.assign(tf.tensor(Array.from(rng.fillUniform(n, -0.5, 0.5)), v.shape));
    if (name.endsWith('running_var') || (name.endsWith('op.2.weight') && v.shape.length === 1))
      v.assign(tf.tensor(Array.from(rng.fillUniform(n, 0.25, 2)), v.shape));
  }
}

const expectClose = (got: Img, want: Img) => {
  const g = got.flat(2);
  const w = want.flat(2);
  expect(g.length).toBe(w.length);
  g.forEach((v, i) => expect(v).toBeCloseTo(w[i], 5));
};

describe('one NB201 cell against hand computation', () => {
  it('pooling skip cell on 1..9: the numbers by hand', () => {
    // node1 = x, node2 = 0 + avg_pool(node1), node3 = 0 + 0 + node2: the count_include_pad=False average.
    const cell = new Nb201InferCell(
      { edges: ['skip_connect', 'none', 'avg_pool_3x3', 'none', 'none', 'skip_connect'] },
      1,
      new Rng(0),
    );
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
    const y = cell.forward(x, { training: false });
    expect(Array.from(y.dataSync())).toEqual([3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]);
    tf.dispose([x, y]);
  });

  it('all-none cell outputs zeros', () => {
    const cell = new Nb201InferCell({ edges: new Array(6).fill('none') }, 2, new Rng(0));
    const x = image(3, 3, 2);
    const y = cell.forward(x, { training: false });
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    expect(y.shape).toEqual([1, 3, 3, 2]);
    tf.dispose([x, y]);
  });

  // node1 = conv1x1(x); node2 = x + pool(node1); node3 = conv3x3(x) + 0 + node2.
  const edges = ['nor_conv_1x1', 'skip_connect', 'avg_pool_3x3', 'nor_conv_3x3', 'none', 'skip_connect'];
  const refCell = (ops: Module[], a: Img) => {
    const n1 = refOp(edges[0], ops[0], a);
    const n2 = plus(refOp(edges[1], ops[1], a), refOp(edges[2], ops[2], n1));
    return plus(plus(refOp(edges[3], ops[3], a), refOp(edges[4], ops[4], n1)), refOp(edges[5], ops[5], n2));
  };

  it('final-network cell (affine BN, convs without bias) with set weights', () => {
    const cell = new Nb201InferCell({ edges }, 2, new Rng(3));
    // Known conv weights: the 1×1 as a 2×2 matrix, the 3×3 from a formula.
    const s = state(cell);
    s.get('layers.0.op.1.weight')!.assign(tf.tensor4d([1, -2, 0.5, 3], [1, 1, 2, 2]));
    s.get('layers.3.op.1.weight')!.assign(
      tf.tensor4d(
        Array.from({ length: 36 }, (_, i) => ((i % 5) - 2) / 3),
        [3, 3, 2, 2],
      ),
    );
    perturbBatchNorms(cell, new Rng(4));
    expect([...s.keys()].some((n) => n.endsWith('op.1.bias'))).toBe(false);
    const x = image(4, 5, 2);
    const y = cell.forward(x, { training: false });
    expectClose(toImg(y), refCell(cell.layers.items, toImg(x)));
    tf.dispose([x, y]);
  });

  it('search cell: a sampled assignment runs the same ops with search-time weights (conv bias, BN without γ/β)', () => {
    const cell = new Nb201SearchCell(NB201_OPS, 2, new Rng(5));
    perturbBatchNorms(cell, new Rng(6));
    const opsOf = (e: number) => NB201_OPS.map((_, k) => cell.edges.items[e].child(String(k))!);
    expect(state(opsOf(0)[2]).has('op.1.bias')).toBe(true);
    expect(state(opsOf(0)[2]).has('op.2.weight')).toBe(false);
    const x = image(4, 4, 2);
    const choice = edges.map((op) => NB201_OPS.indexOf(op as (typeof NB201_OPS)[number]));
    const y = cell.run(x, { kind: 'sample', ops: choice }, { training: false });
    expectClose(
      toImg(y),
      refCell(
        choice.map((k, e) => opsOf(e)[k]),
        toImg(x),
      ),
    );

    // With a gate: each edge's output scaled by its gate value.
    const g = [0.5, 2, -1, 0.25, 3, 1.5];
    const gate = tf.tensor1d(g);
    const yGated = cell.run(x, { kind: 'sample', ops: choice, gate }, { training: false });
    const a = toImg(x);
    const m = choice.map((k, e) => opsOf(e)[k]);
    const n1 = scale(refOp(edges[0], m[0], a), g[0]);
    const n2 = plus(scale(refOp(edges[1], m[1], a), g[1]), scale(refOp(edges[2], m[2], n1), g[2]));
    const n3 = plus(
      plus(scale(refOp(edges[3], m[3], a), g[3]), scale(refOp(edges[4], m[4], n1), g[4])),
      scale(refOp(edges[5], m[5], n2), g[5]),
    );
    expectClose(toImg(yGated), n3);
    tf.dispose([x, y, yGated, gate]);
  });

  it('search cell: a mix assignment sums w·op over all options of every edge', () => {
    const cell = new Nb201SearchCell(NB201_OPS, 2, new Rng(7));
    perturbBatchNorms(cell, new Rng(8));
    const rng = new Rng(9);
    const w = Array.from({ length: 6 }, () => Array.from(rng.fillUniform(5, 0, 1)));
    const weights = tf.tensor2d(w);
    const x = image(3, 4, 2);
    const y = cell.run(x, { kind: 'mix', weights }, { training: false });
    const mixed = (e: number, a: Img) =>
      NB201_OPS.map((name, k) =>
        scale(refOp(name, cell.edges.items[e].child(String(k))!, a), w[e][k]),
      ).reduce(plus);
    const a = toImg(x);
    const n1 = mixed(0, a);
    const n2 = plus(mixed(1, a), mixed(2, n1));
    const n3 = plus(plus(mixed(3, a), mixed(4, n1)), mixed(5, n2));
    expectClose(toImg(y), n3);
    tf.dispose([x, y, weights]);
  });
});
