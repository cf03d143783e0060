import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { TextBatchSource } from '../data/text-batches';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { sampleAssignment } from '../search/supernet';
import { EnasRnnModel } from '../spaces/enas-rnn/model';
import { EnasRnnSpaceSchema } from '../spaces/enas-rnn/search-space';
import { EnasRnnSearchSpace } from '../spaces/enas-rnn/space';
import { Rng } from '../util/rng';
import {
  evaluateLanguageModel,
  HiddenCarry,
  languageModelReward,
  LmTrainer,
  lmTrainStep,
} from './language-model';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const cfg = EnasRnnSpaceSchema.parse({ name: 'enas-rnn', nodes: 3, hidden: 6 });
const space = new EnasRnnSearchSpace(cfg);
const arch = space.sample(new Rng(1));
const assignment = sampleAssignment(space.choices(arch));
// A hand-made corpus over 7 words: 2 streams of 23 tokens, windows of 5 (the last one 2 long).
const ids = Array.from({ length: 47 }, (_, i) => (i * 3 + (i % 4)) % 7);

/** Mean token CE from logits rows and targets, by log-sum-exp on plain numbers. */
function tokenCE(logits: number[][], targets: number[]): number[] {
  return logits.map((row, r) => {
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    return lse - row[targets[r]];
  });
}

describe('language-model evaluation, carry and training', () => {
  it('perplexity over a whole split is exp of the mean token cross-entropy over all its tokens', () => {
    const net = new EnasRnnModel(cfg, 7, new Rng(2));
    const src = new TextBatchSource(ids, 2, 5, 'validation');
    const e = evaluateLanguageModel(net, assignment, src.fromStart());
    expect(e.tokens).toBe(2 * 22);
    // Directly: every window in order, the state carried by hand, CE per token from the logits.
    const ces: number[] = [];
    let h = net.initHidden(2);
    for (const w of src.fromStart()) {
      const r = net.lmLogits(w.x, h, assignment, { training: false });
      ces.push(...tokenCE(r.logits.arraySync(), (w.y.arraySync() as number[][]).flat()));
      h.dispose();
      h = r.hidden;
      tf.dispose([r.logits, w.x, w.y]);
    }
    h.dispose();
    const mean = ces.reduce((a, b) => a + b, 0) / ces.length;
    expect(ces).toHaveLength(44);
    expect(e.loss).toBeCloseTo(mean, 5);
    expect(e.perplexity).toBeCloseTo(Math.exp(mean), 4);
    // Not the mean of per-window perplexities (windows of 5 and 2 tokens weigh differently).
    net.dispose();
  });

  it('carries the state across windows (it changes the scores) and resets it where a pass starts', () => {
    const net = new EnasRnnModel(EnasRnnSpaceSchema.parse({ ...cfg, initRange: 0.5 }), 7, new Rng(2));
    const src = new TextBatchSource(ids, 2, 5);
    const carried = evaluateLanguageModel(net, assignment, src.fromStart());
    const reset = [...src.fromStart()].map((w, k) => (k === 0 ? w : { ...w, first: true }));
    const fresh = evaluateLanguageModel(net, assignment, reset);
    expect(carried.loss).not.toBeCloseTo(fresh.loss, 6);
    const carry = new HiddenCarry('h');
    const [w0, w1] = [src.next(), src.next()];
    carry.put(tf.ones([2, 6]));
    const a = carry.take(net, w1);
    const b = carry.take(net, w0);
    expect(a.sum().arraySync()).toBe(12);
    expect(b.sum().arraySync()).toBe(0);
    tf.dispose([a, b, w0.x, w0.y, w1.x, w1.y]);
    carry.dispose();
    net.dispose();
  });

  it('trains with a detached carried state: the tensor count is flat over 20 windows, the loss falls', () => {
    const net = new EnasRnnModel(cfg, 7, new Rng(2));
    const trainer = new LmTrainer(net.parameters(), {
      lmLr: 1,
      lmLrDecay: 0.96,
      lmLrDecayAfter: 15,
      lmGradClip: 0.25,
      lmWeightDecay: 1e-7,
    });
    const carry = new HiddenCarry('h');
    const src = new TextBatchSource(ids, 2, 5);
    const rng = new Rng(3);
    const step = () => {
      const b = src.next();
      const r = lmTrainStep(net, trainer, carry, b, assignment, rng);
      tf.dispose([b.x, b.y]);
      return r.loss;
    };
    const evalLoss = () => evaluateLanguageModel(net, assignment, src.fromStart()).loss;
    const initial = evalLoss();
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    expect(evalLoss()).toBeLessThan(initial);
    carry.dispose();
    trainer.dispose();
    net.dispose();
  });

  it('decays the learning rate as ENAS-pytorch: 20 through epoch 15, then ×0.96 per epoch', () => {
    const t = new LmTrainer([], {
      lmLr: 20,
      lmLrDecay: 0.96,
      lmLrDecayAfter: 15,
      lmGradClip: 0.25,
      lmWeightDecay: 1e-7,
    });
    expect([0, 15, 16, 17].map((e) => t.startEpoch(e))).toEqual([20, 20, 20 * 0.96, 20 * 0.96 ** 2]);
  });

  it('rewards c/perplexity with c = 80', () => {
    expect(languageModelReward(Math.log(80))).toBeCloseTo(1, 12);
    expect(languageModelReward(Math.log(40))).toBeCloseTo(2, 12);
  });
});

const tinyText: SearchConfigInput = {
  space: { name: 'enas-rnn', nodes: 4, hidden: 8 },
  strategy: { name: 'random-search', candidates: 3, scoreBatches: 1, rescoreTop: 2, lmLr: 5 },
  data: { source: 'text', text: { bptt: 6, evalBatchSize: 8 } },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 4,
  seed: 3,
  backend: 'cpu',
};

describe('random search on the enas-rnn space (text data)', () => {
  it('runs both phases with perplexity scores; the tensor count is flat over 20 steps of each', async () => {
    const config = parseSearchConfig({
      ...tinyText,
      epochs: 6,
      strategy: { ...tinyText.strategy, candidates: 24 },
    });
    const s = new SearchSession<unknown>(config, await buildSearchData(config));
    s.runStep();
    let before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const r = s.runStep();
      expect(r.metrics.trainPpl).toBeCloseTo(Math.exp(r.metrics.trainLoss), 6);
    }
    expect(tf.memory().numTensors).toBe(before);
    while (s.info().phase === 'supernet') s.runStep();
    const r = s.runStep();
    expect(r.candidates?.[0].score).toBeCloseTo(80 / (r.candidates?.[0].metrics.valPpl as number), 6);
    before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    while (!s.done) s.runStep();
    s.dispose();
  });
});
