import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData } from '../../search/build-data';
import { decisionProgramOf } from '../../search/decision-program';
import { SearchSession } from '../../search/session';
import type { Choices } from '../../search/space';
import { EnasRnnSearchSpace } from '../../spaces/enas-rnn/space';
import { EnasRnnSpaceSchema } from '../../spaces/enas-rnn/search-space';
import { Rng } from '../../util/rng';
import { EnasController, type ControllerConfig } from './controller';
import type { Enas } from './enas';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const rnnSpace = (nodes: number) =>
  new EnasRnnSearchSpace(EnasRnnSpaceSchema.parse({ name: 'enas-rnn', nodes, hidden: 4 }));

// Peaked on purpose (large init, no squashing, temperature 1): far from uniform, so a sampler that
// drew from the wrong distribution, or over options a row may not take, would show.
const PEAKED: ControllerConfig = {
  hidden: 4,
  layers: 1,
  tanhConstant: 0,
  opTanhReduce: 1,
  temperature: 1,
  lr: 3.5e-4,
  gradClip: 0,
  initRange: 1.5,
};

/** Every architecture of an N-node cell: activations 4^N, node j's input among 0..j−1. */
function allChoices(N: number): Choices[] {
  let out: Array<{ acts: number[]; ins: number[] }> = [{ acts: [], ins: [] }];
  for (let j = 0; j < N; j++)
    out = out.flatMap((c) =>
      (j === 0 ? [-1] : Array.from({ length: j }, (_, i) => i)).flatMap((i) =>
        [0, 1, 2, 3].map((a) => ({ acts: [...c.acts, a], ins: i < 0 ? c.ins : [...c.ins, i] })),
      ),
    );
  return out.map((c) => ({ 'node-input': c.ins, 'node-activation': c.acts }));
}

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe("the enas-rnn space's decision program (ENAS-pytorch Controller.sample)", () => {
  it('is activation of node 0, then per node j the input among nodes 0..j−1 and the activation', () => {
    const program = decisionProgramOf(rnnSpace(4));
    expect(program.start).toBe('zeros');
    expect(
      program.steps.map((s) =>
        s.kind === 'op' ? `${s.label}#${s.row}/${s.options ?? 'all'}@${s.decoder}` : s.kind,
      ),
    ).toEqual([
      'cell',
      'node-activation#0/all@step0',
      'node-input#0/1@step1',
      'node-activation#1/all@step2',
      'node-input#1/2@step3',
      'node-activation#2/all@step4',
      'node-input#2/3@step5',
      'node-activation#3/all@step6',
    ]);
  });

  it('the first decision by hand: h = LSTM(0, 0), p = softmax(2.5·tanh(h·W/5)) with the step-0 decoder', () => {
    const space = rnnSpace(3);
    const cfg = { ...PEAKED, tanhConstant: 2.5, temperature: 5 };
    const ctl = new EnasController(space.choicePoints, decisionProgramOf(space), cfg, new Rng(4));
    expect(ctl.net.gEmb).toBeNull();
    const cell = ctl.net.lstm.cells[0];
    const H = 4;
    const b = Array.from(cell.biasIh.dataSync()).map((v, k) => v + cell.biasHh.dataSync()[k]);
    // Zero input and zero state: the gates are the biases alone (PyTorch order i, f, g, o).
    const c1 = Array.from({ length: H }, (_, k) => sig(b[k]) * Math.tanh(b[2 * H + k]));
    const h1 = c1.map((c, k) => sig(b[3 * H + k]) * Math.tanh(c));
    const dec = ctl.net.decoders.get('step0')!;
    const W = Array.from(dec.weight.dataSync());
    const u = [0, 1, 2, 3].map((k) => h1.reduce((s, hj, j) => s + hj * W[j * 4 + k], 0)); // bias 0
    const z = u.map((x) => 2.5 * Math.tanh(x / 5));
    const e = z.map(Math.exp);
    const sum = e.reduce((a, v) => a + v, 0);
    const { dists } = ctl.greedy();
    expect(dists[0].label).toBe('node-activation');
    dists[0].probs.forEach((p, k) => expect(p).toBeCloseTo(e[k] / sum, 6));
    // The input of node 1 has a single legal option: probability 1 on node 0.
    expect(dists[1]).toEqual({ label: 'node-input', row: 0, probs: [1] });
    ctl.dispose();
  });

  it('puts all its probability on legal cells: Σ over every legal architecture of p(a) = 1', () => {
    const space = rnnSpace(3);
    const ctl = new EnasController(space.choicePoints, decisionProgramOf(space), PEAKED, new Rng(8));
    const all = allChoices(3);
    expect(all).toHaveLength(4 * 4 * 4 * 2);
    const total = all.reduce((s, c) => s + Math.exp(ctl.evaluate(c).logProb), 0);
    expect(total).toBeCloseTo(1, 5);
    // A pick a row may not take is refused, not scored.
    expect(() => ctl.evaluate({ 'node-input': [0, 2], 'node-activation': [0, 0, 0] })).toThrow(
      /row 1: pick 2 is not one of the row's options 0..1/,
    );
    ctl.dispose();
  });

  it('sampled frequencies over 6000 draws respect rowOptions and match p(a) (chi-square, fixed seed)', () => {
    const space = rnnSpace(3);
    const ctl = new EnasController(space.choicePoints, decisionProgramOf(space), PEAKED, new Rng(8));
    const n = 6000;
    const counts = new Map<string, number>();
    const rng = new Rng(21);
    for (let k = 0; k < n; k += 1000)
      for (const s of ctl.sampleMany(rng, 1000)) {
        s.choices['node-input'].forEach((i, r) => expect(i).toBeLessThanOrEqual(r)); // node r+1 reads 0..r
        const key = JSON.stringify(s.choices);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    // Chi-square over the legal cells, those with expectation < 5 pooled into one bin.
    let chi = 0;
    let cells = 0;
    let poolO = 0;
    let poolE = 0;
    for (const c of allChoices(3)) {
      const e = n * Math.exp(ctl.evaluate(c).logProb);
      const o = counts.get(JSON.stringify(c)) ?? 0;
      if (e < 5) {
        poolO += o;
        poolE += e;
        continue;
      }
      chi += (o - e) ** 2 / e;
      cells += 1;
    }
    if (poolE > 0) {
      chi += (poolO - poolE) ** 2 / poolE;
      cells += 1;
    }
    // Every sampled cell is legal (the keys were all counted among the legal ones).
    const legal = new Set(allChoices(3).map((c) => JSON.stringify(c)));
    for (const key of counts.keys()) expect(legal.has(key)).toBe(true);
    // 99.9% quantile of chi-square with df = cells − 1 (Wilson–Hilferty).
    const df = cells - 1;
    const q = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
    expect(cells).toBeGreaterThan(20);
    expect(chi).toBeLessThan(q);
    ctl.dispose();
  });
});

const TINY_TEXT = {
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 3,
  backend: 'cpu',
  space: { name: 'enas-rnn', nodes: 4, hidden: 8 },
  data: { source: 'text', text: { bptt: 6, evalBatchSize: 4 } },
};

async function textSession(strategy: Record<string, unknown> = {}, extra: object = {}) {
  const config = parseSearchConfig({
    ...TINY_TEXT,
    ...extra,
    strategy: {
      name: 'enas',
      controllerHidden: 8,
      controllerSteps: 2,
      deriveSamples: 3,
      deriveBatches: 2,
      lmLr: 5,
      ...strategy,
    },
  } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

describe('ENAS on the enas-rnn space (bundled text)', () => {
  it("a config that sets only the name gets ENAS-pytorch's controller defaults on enas-rnn; set fields win", () => {
    const c = parseSearchConfig({ ...TINY_TEXT, strategy: { name: 'enas' } } as SearchConfigInput);
    expect(c.strategy).toMatchObject({
      controllerHidden: 100,
      controllerLr: 3.5e-4,
      controllerBeta1: 0.9,
      controllerEps: 1e-8,
      tanhConstant: 2.5,
      opTanhReduce: 1,
      temperature: 5,
      baselineDecay: 0.95,
      baselineInit: 'first-reward',
      entropyWeight: 1e-4,
      controllerSteps: 2000,
      controllerAggregate: 1,
      reward: 'perplexity',
      rewardC: 80,
      deriveSamples: 100,
      deriveBatches: 10,
      lmLr: 20,
      lmLrDecay: 0.96,
      lmLrDecayAfter: 15,
      lmGradClip: 0.25,
    });
    const own = parseSearchConfig({
      ...TINY_TEXT,
      strategy: { name: 'enas', controllerHidden: 12 },
    } as SearchConfigInput);
    expect(own.strategy).toMatchObject({ controllerHidden: 12, temperature: 5 });
    // The CNN defaults stay on the image spaces.
    const micro = parseSearchConfig({
      space: { name: 'enas-micro' },
      strategy: { name: 'enas' },
    } as SearchConfigInput);
    expect(micro.strategy).toMatchObject({ controllerHidden: 64, reward: 'accuracy', tanhConstant: 1.1 });
  });

  it('refuses the accuracy reward on a language model, naming strategy.reward', async () => {
    await expect(textSession({ reward: 'accuracy' })).rejects.toThrow(/strategy\.reward.*perplexity/);
  });

  it('a tiny search end to end: shared steps on windows, controller steps with 80/ppl rewards, derivation', async () => {
    const s = await textSession();
    expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
      ['search', 2, 5],
      ['derive', 1, 3],
    ]);
    const reports = [];
    while (!s.done) reports.push(s.runStep());
    const search = reports.filter((r) => r.info.phase === 'search');
    const shared = search.filter((r) => 'trainPpl' in r.metrics);
    expect(shared).toHaveLength(6);
    for (const r of shared) expect(r.metrics.trainPpl).toBeCloseTo(Math.exp(r.metrics.trainLoss), 6);
    expect(shared[0].metrics.lrWeights).toBe(5);
    const ctl = search.filter((r) => 'reward' in r.metrics);
    expect(ctl).toHaveLength(4);
    for (const r of ctl) {
      const m = r.metrics;
      // One sample per step: R = 80/ppl + 1e-4·H.
      expect(m.reward).toBeCloseTo(80 / m.childValPpl + 1e-4 * m.entropy, 9);
      expect(m.entropy).toBeGreaterThan(0);
    }
    // 'first-reward': each epoch's first controller step sets the baseline to its reward.
    for (const r of ctl.filter((r) => r.info.stepInEpoch === 3)) {
      expect(r.metrics.baseline).toBe(r.metrics.reward);
      expect(r.metrics.advantage).toBe(0);
    }
    const second = ctl.find((r) => r.info.stepInEpoch === 4)!.metrics;
    const first = ctl.find((r) => r.info.stepInEpoch === 3 && r.info.epoch === 0)!.metrics;
    expect(second.baseline).toBeCloseTo(0.95 * first.baseline + 0.05 * second.reward, 12);
    // Derivation: each sample scored on the first 2 windows of the validation split (4 streams × 6).
    const derive = reports.filter((r) => r.info.phase === 'derive');
    const cands = derive.flatMap((r) => r.candidates ?? []);
    expect(cands).toHaveLength(3);
    for (const c of cands) {
      expect(c.metrics.tokens).toBe(2 * 4 * 6);
      expect(c.score).toBeCloseTo(80 / c.metrics.valPpl, 9);
      expect(c.text).toMatch(/^n0=\w+\(x,h\) n1=\w+\(n0\) n2=\w+\(n[01]\) n3=\w+\(n[012]\)$/);
    }
    const best = cands.reduce((a, c) => (c.score > a.score ? c : a));
    expect(s.space.toText(s.strategy.derive())).toBe(best.text);
    s.dispose();
  });

  it('the tensor count is flat over 20 shared steps and 20 controller steps on text', async () => {
    const s = await textSession({ controllerSteps: 20 }, { stepsPerEpoch: 20 });
    expect(s.phases[0].stepsPerEpoch).toBe(40);
    s.runStep(); // the first window creates the carried hidden state
    let before = tf.memory().numTensors;
    for (let i = 0; i < 19; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    s.runStep(); // the first reward creates the validation stream's carried state
    before = tf.memory().numTensors;
    for (let i = 0; i < 19; i++) s.runStep();
    expect(s.info().stepInEpoch).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });

  it('REINFORCE on the RNN program raises the log-probability of a rewarded cell', async () => {
    const s = await textSession({ controllerLr: 0.05 });
    const ctl = (s.strategy as unknown as Enas).controller;
    const target = { 'node-input': [0, 1, 2], 'node-activation': [1, 1, 1, 1] };
    const before = ctl.evaluate(target).logProb;
    for (let i = 0; i < 20; i++) ctl.reinforce([{ choices: target, advantage: 1 }]);
    expect(ctl.evaluate(target).logProb).toBeGreaterThan(before + 1);
    s.dispose();
  });
});
