import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { Rng } from '../util/rng';
import { AdditiveAttention, Embedding, LstmCell, StackedLstm } from './lstm';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe('LstmCell (PyTorch semantics, gates i, f, g, o)', () => {
  it('matches a hand computation on a 1-input, 1-unit cell', () => {
    const cell = new LstmCell(1, 1, new Rng(1));
    // Rows of W_ih / W_hh / biases in the gate order i, f, g, o.
    cell.weightIh.assign(tf.tensor2d([[0.5], [-0.3], [0.8], [0.1]]));
    cell.weightHh.assign(tf.tensor2d([[0.2], [0.4], [-0.6], [0.7]]));
    cell.biasIh.assign(tf.tensor1d([0.1, 0.2, 0.0, -0.1]));
    cell.biasHh.assign(tf.tensor1d([0.0, 0.1, 0.05, 0.0]));
    const x = 2;
    const h0 = 0.5;
    const c0 = -1;
    // By hand: gate pre-activations a_k = W_ih[k]·x + b_ih[k] + W_hh[k]·h + b_hh[k].
    const a = [
      0.5 * x + 0.1 + 0.2 * h0,
      -0.3 * x + 0.2 + 0.4 * h0 + 0.1,
      0.8 * x - 0.6 * h0 + 0.05,
      0.1 * x - 0.1 + 0.7 * h0,
    ];
    const c1 = sig(a[1]) * c0 + sig(a[0]) * Math.tanh(a[2]);
    const h1 = sig(a[3]) * Math.tanh(c1);
    const s = cell.step(tf.tensor2d([[x]]), { h: tf.tensor2d([[h0]]), c: tf.tensor2d([[c0]]) });
    expect(s.c.dataSync()[0]).toBeCloseTo(c1, 6);
    expect(s.h.dataSync()[0]).toBeCloseTo(h1, 6);
    cell.dispose();
  });

  it('a two-layer stack feeds layer 0’s h to layer 1, and the output is the top h', () => {
    const rng = new Rng(2);
    const stack = new StackedLstm(3, 2, 2, rng);
    const x = tf.tensor2d([[0.3, -0.2, 0.9]]);
    const zero = stack.zeroState();
    const out = stack.step(x, zero);
    const s0 = stack.cells[0].step(x, zero[0]);
    const s1 = stack.cells[1].step(s0.h, zero[1]);
    expect(Array.from(out.output.dataSync())).toEqual(Array.from(s1.h.dataSync()));
    expect(Array.from(out.states[0].c.dataSync())).toEqual(Array.from(s0.c.dataSync()));
    expect(stack.namedParameters().map(([n]) => n)).toContain('layer_1.weight_hh');
    stack.dispose();
  });
});

describe('Embedding and AdditiveAttention', () => {
  it('an embedding row is the table row', () => {
    const e = new Embedding(3, 2, new Rng(3));
    e.weight.assign(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    expect(Array.from(e.row(1).dataSync())).toEqual([3, 4]);
    expect(() => e.row(3)).toThrow(/rows 0..2/);
    e.dispose();
  });

  it('attention logits are vᵀ·tanh(W1ᵀa_i + W2ᵀh), by hand on 2-d states', () => {
    const att = new AdditiveAttention(2, new Rng(4));
    const W1 = [
      [0.5, -1],
      [0.25, 0.75],
    ];
    const W2 = [
      [1, 0],
      [-0.5, 2],
    ];
    const v = [0.3, -0.7];
    att.w1.assign(tf.tensor2d(W1));
    att.w2.assign(tf.tensor2d(W2));
    att.v.assign(tf.tensor2d(v.map((x) => [x])));
    const anchors = [
      [1, 2],
      [-0.5, 0.1],
      [0, 0],
    ];
    const h = [0.4, -0.3];
    // Row vector times matrix: (a·W)_k = Σ_j a_j W[j][k].
    const mul = (a: number[], W: number[][]) => [0, 1].map((k) => a[0] * W[0][k] + a[1] * W[1][k]);
    const hw = mul(h, W2);
    const want = anchors.map((a) => {
      const q = mul(a, W1).map((x, k) => Math.tanh(x + hw[k]));
      return q[0] * v[0] + q[1] * v[1];
    });
    const got = att.logits(att.keys(tf.tensor2d(anchors)), tf.tensor2d([h]));
    expect(got.shape).toEqual([1, 3]);
    Array.from(got.dataSync()).forEach((g, i) => expect(g).toBeCloseTo(want[i], 6));
    att.dispose();
  });
});
