import { describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { spaceOf } from '../catalog';
import { SpaceSchema } from '../search/config';
import { Rng } from '../util/rng';
import { LmTrainSession, slownessPenalty } from './lm-session';
import { buildLmTrainData } from './lm-train-data';
import { parseTrainConfig, type TrainConfigInput } from './train-config';
import { tinyLmTrainConfig } from '../../../test/helpers/tiny-lm-train';
import { onCpuBackend } from '../../../test/helpers/tiny-search';

onCpuBackend();

describe('the enas-rnn training config', () => {
  it('fills in the official final PTB recipe (melodyguan/enas scripts/ptb_final.sh) and its network', () => {
    const c = parseTrainConfig({
      kind: 'train',
      space: { name: 'enas-rnn' },
      architecture: { random: { seed: 1 } },
      data: { source: 'text' },
    });
    expect(c.recipe).toMatchObject({
      preset: 'enas-ptb',
      epochs: 2000,
      batchSize: 64,
      lr: 20,
      lrMin: 0.001,
      lrDecay: 0.9991,
      lrDecayAfter: 14,
      gradClip: 0.25,
      weightDecay: 5e-7,
      momentum: 0,
      slowness: 1e-3,
    });
    // Keep probabilities e 0.79, x 0.25, h 0.75, o 0.24 as drop rates.
    expect(c.network).toEqual({
      hidden: 748,
      embeddingDropout: 0.21,
      inputDropout: 0.75,
      weightDropout: 0.25,
      outputDropout: 0.76,
      initRange: 0.04,
    });
    expect(c.data.text.bptt).toBe(35);
    const cpu = parseTrainConfig(tinyLmTrainConfig());
    expect(cpu.network).toMatchObject({ hidden: 8, initRange: 0.1 });
  });

  it('refuses what does not belong to a language model, naming the field', () => {
    const bad = (over: Partial<TrainConfigInput>, re: RegExp) =>
      expect(() => parseTrainConfig(tinyLmTrainConfig(over), 'x.json')).toThrow(re);
    // An architecture of another space.
    const darts = spaceOf(SpaceSchema.parse({ name: 'darts' }));
    bad(
      { architecture: { json: darts.toJson(darts.sample(new Rng(1))) } },
      /architecture\.json.*not an ENAS RNN architecture file/s,
    );
    bad({ architecture: { text: '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|' } }, /architecture\.text/);
    bad(
      { data: { source: 'default' } as never },
      /data\.source.*language model: set data\.source to "text"/s,
    );
    bad({ recipe: { preset: 'darts' } }, /recipe\.preset.*trains image classifiers/s);
    bad({ recipe: { cutout: 4 } }, /recipe\.cutout.*image classifier's setting/s);
    bad({ network: { channels: 4 } }, /network.*channels/s);
    bad({ network: { hidden: 1 } }, /network\.hidden/);
    expect(() =>
      parseTrainConfig({
        kind: 'train',
        space: { name: 'nb201' },
        architecture: { random: { seed: 1 } },
        recipe: { preset: 'enas-ptb' },
      }),
    ).toThrow(/recipe\.preset.*trains a language model/s);
  });

  it('a corpus too small for the batch and bptt is an error naming the fields', () => {
    // 16,482 words + <eos>: 2000 streams of ~9 tokens hold no window of 35 + 1.
    const big = parseTrainConfig(tinyLmTrainConfig({ recipe: { preset: 'cpu', batchSize: 2000 } }));
    expect(() =>
      buildLmTrainData({ ...big, data: { ...big.data, text: { ...big.data.text, bptt: 35 } } }),
    ).toThrow(
      /recipe\.batchSize 2000 \/ data\.text\.bptt 35: the training split .* too short for one window/,
    );
    const wide = parseTrainConfig(tinyLmTrainConfig());
    expect(() =>
      buildLmTrainData({ ...wide, data: { ...wide.data, text: { ...wide.data.text, evalBatchSize: 5000 } } }),
    ).toThrow(/data\.text\.evalBatchSize 5000: the valid split/);
  });
});

describe('LmTrainSession', () => {
  it('the learning rate is lr·0.9991^(epoch − 14) from epoch 14, floored at 0.001', () => {
    const c = parseTrainConfig(
      tinyLmTrainConfig({ recipe: { preset: 'enas-ptb', batchSize: 8, stepsPerEpoch: 1 } }),
    );
    const s = new LmTrainSession(c, buildLmTrainData(c));
    try {
      expect(s.lrAt(0)).toBe(20);
      expect(s.lrAt(14)).toBe(20);
      expect(s.lrAt(15)).toBeCloseTo(20 * 0.9991, 12);
      expect(s.lrAt(1014)).toBeCloseTo(20 * Math.pow(0.9991, 1000), 10);
      // 20·0.9991^k < 0.001 for k > ln(2e-5)/ln(0.9991) ≈ 10 999.
      expect(s.lrAt(14 + 12000)).toBe(0.001);
    } finally {
      s.dispose();
    }
  });

  it('one step moves the weights by lr·clip when the gradient norm exceeds the clip (plain SGD, global-norm clip)', () => {
    const c = parseTrainConfig(
      tinyLmTrainConfig({
        network: {
          hidden: 8,
          embeddingDropout: 0,
          inputDropout: 0,
          weightDropout: 0,
          outputDropout: 0,
        },
        recipe: {
          preset: 'cpu',
          epochs: 1,
          batchSize: 8,
          stepsPerEpoch: 2,
          gradClip: 1e-3,
          weightDecay: 0,
          lr: 2,
        },
      }),
    );
    const s = new LmTrainSession(c, buildLmTrainData(c));
    try {
      const before = s.network.parameters().map((v) => v.dataSync().slice());
      const r = s.runStep();
      expect(r.metrics.gradNorm).toBeGreaterThan(1e-3);
      let sq = 0;
      s.network.parameters().forEach((v, i) => {
        const a = v.dataSync();
        for (let k = 0; k < a.length; k++) sq += (a[k] - before[i][k]) ** 2;
      });
      expect(Math.sqrt(sq)).toBeCloseTo(2 * 1e-3, 6);
      expect(r.metrics.perplexity).toBeCloseTo(Math.exp(r.metrics.loss), 10);
    } finally {
      s.dispose();
    }
  });

  it('perplexity is exp of the mean token cross-entropy over the whole split, with the state carried (a hand softmax)', () => {
    const c = parseTrainConfig(tinyLmTrainConfig());
    const data = buildLmTrainData(c);
    const s = new LmTrainSession(c, data);
    try {
      const got = s.evaluate(data.test.fromStart());
      // Independently: one window over each whole stream (no carry needed), -log softmax in plain JS.
      const L = data.test.streamLength;
      const rows = data.test.streams;
      const V = data.vocab.length;
      const x = tf.tensor2d(
        Int32Array.from(rows.flatMap((r) => [...r.subarray(0, L - 1)])),
        [rows.length, L - 1],
        'int32',
      );
      const out = s.network.lmForward(x, s.network.initHidden(rows.length), { training: false });
      const logits = out.logits.dataSync();
      let sum = 0;
      rows.forEach((r, b) => {
        for (let t = 0; t < L - 1; t++) {
          const row = logits.subarray((b * (L - 1) + t) * V, (b * (L - 1) + t + 1) * V);
          const m = Math.max(...row);
          const lse = m + Math.log(Array.from(row).reduce((a, v) => a + Math.exp(v - m), 0));
          sum += lse - row[r[t + 1]];
        }
      });
      tf.dispose([x, out.logits, out.hidden]);
      const tokens = rows.length * (L - 1);
      expect(got.tokens).toBe(tokens);
      expect(got.loss).toBeCloseTo(sum / tokens, 4);
      expect(got.perplexity).toBeCloseTo(Math.exp(sum / tokens), 2);
      // An untrained model is near uniform over the vocabulary.
      expect(got.perplexity).toBeGreaterThan(0.8 * V);
    } finally {
      s.dispose();
    }
  });

  it('learns: validation perplexity falls well below the uniform vocabulary size', () => {
    const c = parseTrainConfig(
      tinyLmTrainConfig({
        network: { hidden: 16, inputDropout: 0.2, outputDropout: 0.2 },
        recipe: { preset: 'cpu', epochs: 2, batchSize: 16, stepsPerEpoch: 20 },
        data: { source: 'text', text: { bptt: 10, evalBatchSize: 32 } } as never,
      }),
    );
    const s = new LmTrainSession(c, buildLmTrainData(c));
    try {
      const epochs = [];
      while (!s.done) {
        const r = s.runStep();
        if (r.epochEnd) epochs.push(r.epochEnd);
      }
      const V = s.data.vocab.length;
      expect(epochs).toHaveLength(2);
      expect(epochs[1].valPerplexity).toBeLessThan(epochs[0].valPerplexity);
      expect(epochs[1].valPerplexity).toBeLessThan(0.5 * V);
      expect(epochs[1].testPerplexity).toBeCloseTo(Math.exp(epochs[1].testLoss), 6);
    } finally {
      s.dispose();
    }
  }, 60_000);

  it('the slowness penalty is Σ‖y_{t+1} − y_t‖² / (B·T) (a hand sum), and it moves the weights but not the reported loss', () => {
    // B = 2, T = 3, H = 2.
    const y = [
      [
        [1, 2],
        [2, 0],
        [2, 1],
      ],
      [
        [0, 0],
        [0, 3],
        [1, 3],
      ],
    ];
    // Stream 0: (1,−2) → 5, (0,1) → 1; stream 1: (0,3) → 9, (1,0) → 1: 16 / 6.
    const t = tf.tensor3d(y);
    const p = slownessPenalty(t);
    expect(p.dataSync()[0]).toBeCloseTo(16 / 6, 6);
    tf.dispose([t, p]);
    const off = { hidden: 8, embeddingDropout: 0, inputDropout: 0, weightDropout: 0, outputDropout: 0 };
    const run = (slowness: number) => {
      const c = parseTrainConfig(
        tinyLmTrainConfig({
          network: off,
          recipe: { preset: 'cpu', epochs: 1, batchSize: 8, stepsPerEpoch: 2, slowness },
        }),
      );
      const s = new LmTrainSession(c, buildLmTrainData(c));
      try {
        const r = s.runStep();
        return { loss: r.metrics.loss, w: s.network.parameters().map((v) => Array.from(v.dataSync())) };
      } finally {
        s.dispose();
      }
    };
    const a = run(0);
    const b = run(50);
    expect(b.loss).toBe(a.loss);
    expect(b.w.flat()).not.toEqual(a.w.flat());
  });

  it('keeps the tensor count flat over 20 steps, epoch ends (evaluations) included', () => {
    const c = parseTrainConfig(
      tinyLmTrainConfig({ recipe: { preset: 'cpu', epochs: 6, batchSize: 8, stepsPerEpoch: 4 } }),
    );
    const s = new LmTrainSession(c, buildLmTrainData(c));
    try {
      s.runStep();
      const n = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        s.runStep();
        expect(tf.memory().numTensors, `step ${i + 1}`).toBe(n);
      }
    } finally {
      s.dispose();
    }
  });
});
