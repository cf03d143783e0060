import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import type { DecisionProgram } from '../../search/decision-program';
import type { ChoicePoint } from '../../search/space';
import { Rng } from '../../util/rng';
import { EnasController, type ControllerConfig } from './controller';
import { cosineRestartsLr, updatedBaseline } from './enas';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const CFG: ControllerConfig = {
  hidden: 2,
  layers: 1,
  tanhConstant: 1.1,
  opTanhReduce: 2.5,
  temperature: 1,
  lr: 0.0035,
  gradClip: 0,
  initRange: 0.8,
};

const values = (v: tf.Variable) => Array.from(v.dataSync());
const sig = (x: number) => 1 / (1 + Math.exp(-x));

/** One LSTM step by hand from the cell's parameters (PyTorch layout [4H, in], gates i, f, g, o). */
function lstmByHand(ctl: EnasController, x: number[], h: number[], c: number[]) {
  const cell = ctl.net.lstm.cells[0];
  const H = h.length;
  const Wih = values(cell.weightIh);
  const Whh = values(cell.weightHh);
  const b = values(cell.biasIh).map((v, k) => v + values(cell.biasHh)[k]);
  const a = Array.from({ length: 4 * H }, (_, r) => {
    let s = b[r];
    x.forEach((xi, j) => (s += Wih[r * x.length + j] * xi));
    h.forEach((hj, j) => (s += Whh[r * H + j] * hj));
    return s;
  });
  const c1 = Array.from({ length: H }, (_, k) => sig(a[H + k]) * c[k] + sig(a[k]) * Math.tanh(a[2 * H + k]));
  const h1 = c1.map((ck, k) => sig(a[3 * H + k]) * Math.tanh(ck));
  return { h: h1, c: c1 };
}

const softmax = (z: number[]) => {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((p, q) => p + q, 0);
  return e.map((v) => v / s);
};

describe('EnasController REINFORCE gradient', () => {
  it('equals the analytic gradient of (1/M)·Σ −log p(a)·(R − b) for fixed samples (op head)', () => {
    const points: ChoicePoint[] = [
      { label: 'a', kind: 'op', title: 'a', rows: ['r'], options: ['p', 'q', 's'] },
    ];
    const program: DecisionProgram = {
      steps: [
        { kind: 'cell', given: 0 },
        { kind: 'op', label: 'a', row: 0 },
      ],
    };
    const ctl = new EnasController(points, program, CFG, new Rng(5));
    const head = [...ctl.net.heads.values()][0];
    const samples = [
      { choices: { a: [2] }, advantage: 0.7 },
      { choices: { a: [0] }, advantage: -0.3 },
      { choices: { a: [2] }, advantage: 0.2 },
    ];
    // By hand: h = LSTM(g_emb, 0); u = h·W + b; z = c·tanh(u) with c = 1.1/2.5; p = softmax(z).
    const { h } = lstmByHand(ctl, values(ctl.net.gEmb as tf.Variable), [0, 0], [0, 0]);
    const W = values(head.weight);
    const u = [0, 1, 2].map((k) => values(head.bias)[k] + h[0] * W[k] + h[1] * W[3 + k]);
    const c = 1.1 / 2.5;
    const p = softmax(u.map((x) => c * Math.tanh(x)));
    // ∂L/∂u_k = (1/M)·Σ_m A_m·(p_k − [k = a_m])·c·(1 − tanh² u_k).
    const dB = [0, 1, 2].map(
      (k) =>
        (samples.reduce((s, m) => s + m.advantage * (p[k] - (m.choices.a[0] === k ? 1 : 0)), 0) /
          samples.length) *
        c *
        (1 - Math.tanh(u[k]) ** 2),
    );
    const { grads, loss } = ctl.gradients(samples);
    const params = ctl.parameters;
    const gB = Array.from(grads[params.indexOf(head.bias)].dataSync());
    const gW = Array.from(grads[params.indexOf(head.weight)].dataSync());
    gB.forEach((g, k) => expect(g).toBeCloseTo(dB[k], 6));
    // ∂L/∂W[j][k] = h_j·∂L/∂u_k.
    gW.forEach((g, i) => expect(g).toBeCloseTo(h[Math.floor(i / 3)] * dB[i % 3], 6));
    const wantLoss =
      samples.reduce((s, m) => s - Math.log(p[m.choices.a[0]]) * m.advantage, 0) / samples.length;
    expect(loss).toBeCloseTo(wantLoss, 5);
    tf.dispose(grads);
    ctl.dispose();
  });

  it('equals the analytic gradient through the attention of an input decision (v)', () => {
    const points: ChoicePoint[] = [
      { label: 'in', kind: 'input', title: 'in', rows: ['r'], options: ['s0', 's1'] },
    ];
    const program: DecisionProgram = {
      steps: [
        { kind: 'cell', given: 2 },
        { kind: 'input', label: 'in', row: 0, states: 2 },
      ],
    };
    const ctl = new EnasController(points, program, CFG, new Rng(6));
    const att = ctl.net.attention!;
    const g = values(ctl.net.gEmb as tf.Variable);
    // Two anchor steps on g_emb, then the query step on g_emb.
    const s1 = lstmByHand(ctl, g, [0, 0], [0, 0]);
    const s2 = lstmByHand(ctl, g, s1.h, s1.c);
    const s3 = lstmByHand(ctl, g, s2.h, s2.c);
    const W1 = values(att.w1);
    const W2 = values(att.w2);
    const v = values(att.v);
    const rowTimes = (a: number[], W: number[]) => [0, 1].map((k) => a[0] * W[k] + a[1] * W[2 + k]);
    const hw = rowTimes(s3.h, W2);
    const q = [s1.h, s2.h].map((a) => rowTimes(a, W1).map((x, k) => Math.tanh(x + hw[k])));
    const sc = q.map((qi) => qi[0] * v[0] + qi[1] * v[1]);
    const c = 1.1;
    const p = softmax(sc.map((x) => c * Math.tanh(x)));
    const A = 0.6;
    const pick = 1;
    // L = −log p(pick)·A; ∂L/∂v = Σ_i A·(p_i − [i = pick])·c·(1 − tanh² s_i)·q_i.
    const dv = [0, 1].map((k) =>
      [0, 1].reduce(
        (s, i) => s + A * (p[i] - (i === pick ? 1 : 0)) * c * (1 - Math.tanh(sc[i]) ** 2) * q[i][k],
        0,
      ),
    );
    const { grads } = ctl.gradients([{ choices: { in: [pick] }, advantage: A }]);
    const gv = Array.from(grads[ctl.parameters.indexOf(att.v)].dataSync());
    gv.forEach((x, k) => expect(x).toBeCloseTo(dv[k], 6));
    expect(ctl.evaluate({ in: [pick] }).logProb).toBeCloseTo(Math.log(p[pick]), 5);
    tf.dispose(grads);
    ctl.dispose();
  });
});

describe('EnasController sampling', () => {
  it('sampled joint frequencies of two dependent decisions match the controller’s probabilities (chi-square, fixed seed)', () => {
    const points: ChoicePoint[] = [
      { label: 'a', kind: 'op', title: 'a', rows: ['r'], options: ['0', '1', '2', '3'] },
      { label: 'b', kind: 'op', title: 'b', rows: ['r'], options: ['0', '1', '2'] },
    ];
    const program: DecisionProgram = {
      steps: [
        { kind: 'cell', given: 0 },
        { kind: 'op', label: 'a', row: 0 },
        { kind: 'op', label: 'b', row: 0 },
      ],
    };
    const ctl = new EnasController(
      points,
      program,
      { ...CFG, hidden: 4, initRange: 1.5, tanhConstant: 5, opTanhReduce: 1 },
      new Rng(7),
    );
    const probs: number[][] = [0, 1, 2, 3].map((j) =>
      [0, 1, 2].map((k) => Math.exp(ctl.evaluate({ a: [j], b: [k] }).logProb)),
    );
    const total = probs.flat().reduce((s, x) => s + x, 0);
    expect(total).toBeCloseTo(1, 5);
    // Not near uniform, so that the test can tell.
    expect(Math.max(...probs.flat()) / Math.min(...probs.flat())).toBeGreaterThan(2);
    const N = 3000;
    const counts = probs.map((r) => r.map(() => 0));
    const rng = new Rng(11);
    for (let n = 0; n < N; n++) {
      const s = ctl.sample(rng);
      counts[s.choices.a[0]][s.choices.b[0]] += 1;
    }
    let chi2 = 0;
    probs.forEach((r, j) => r.forEach((p, k) => (chi2 += (counts[j][k] - N * p) ** 2 / (N * p))));
    // 11 degrees of freedom: the 0.1% critical value is 31.26.
    expect(chi2).toBeLessThan(31.26);
    ctl.dispose();
  });

  it('sample log p and entropy equal a replay of the same choices; greedy takes the argmax', () => {
    const points: ChoicePoint[] = [
      { label: 'in', kind: 'input', title: 'in', rows: ['x', 'y'], options: ['s0', 's1', 's2'] },
      { label: 'op', kind: 'op', title: 'op', rows: ['x', 'y'], options: ['a', 'b'] },
    ];
    const program: DecisionProgram = {
      steps: [
        { kind: 'cell', given: 2 },
        { kind: 'input', label: 'in', row: 0, states: 2 },
        { kind: 'op', label: 'op', row: 0, bias: [0.25, -0.25] },
        { kind: 'state' },
        { kind: 'input', label: 'in', row: 1, states: 3 },
        { kind: 'op', label: 'op', row: 1 },
      ],
    };
    const ctl = new EnasController(points, program, CFG, new Rng(8));
    const s = ctl.sample(new Rng(3));
    const r = ctl.evaluate(s.choices);
    expect(r.logProb).toBeCloseTo(s.logProb, 6);
    expect(r.entropy).toBeCloseTo(s.entropy, 6);
    const g = ctl.greedy();
    g.dists.forEach((d) => expect(g.choices[d.label][d.row]).toBe(d.probs.indexOf(Math.max(...d.probs))));
    expect(g.dists[2].probs).toHaveLength(3); // the second input decision: three states by then
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) ctl.reinforce([{ choices: ctl.sample(new Rng(i)).choices, advantage: 0.1 }]);
    ctl.greedy();
    // Adam's moments exist from the first step: no tensor per step after that.
    const after = tf.memory().numTensors;
    ctl.reinforce([{ choices: s.choices, advantage: 0.1 }]);
    expect(tf.memory().numTensors).toBe(after);
    expect(after).toBeGreaterThanOrEqual(before);
    ctl.dispose();
  });
});

describe('baseline and learning-rate schedule by hand', () => {
  it('b ← b − (1 − 0.99)(b − R)', () => {
    const b1 = updatedBaseline(0, 0.5, 0.99);
    expect(b1).toBeCloseTo(0.005, 12);
    expect(updatedBaseline(b1, 0.7, 0.99)).toBeCloseTo(0.005 - 0.01 * (0.005 - 0.7), 12);
  });
  it('cosine with restarts: T₀ = 10, ×2', () => {
    const lr = (e: number) => cosineRestartsLr(0.05, 0.0005, e, 10, 2);
    expect(lr(0)).toBeCloseTo(0.05, 12);
    expect(lr(5)).toBeCloseTo(0.0005 + 0.5 * 0.0495, 12);
    expect(lr(10)).toBeCloseTo(0.05, 12); // restart
    expect(lr(20)).toBeCloseTo(0.0005 + 0.5 * 0.0495, 12); // middle of the 20-epoch cycle
    expect(lr(30)).toBeCloseTo(0.05, 12);
    expect(lr(29)).toBeLessThan(lr(28));
  });
});
