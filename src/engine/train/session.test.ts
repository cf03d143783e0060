import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { spaceOf } from '../catalog';
import { Sgd } from '../optim/sgd';
import { SpaceSchema } from '../search/config';
import { GENOTYPE_PRESETS } from '../spaces/darts/presets';
import { parseTrainConfig, type TrainConfigInput } from './train-config';
import { buildTrainData } from './train-data';
import { TrainSession, finalParameterCount } from './session';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const V2 = GENOTYPE_PRESETS.DARTS_V2;
const dartsSpace = () => spaceOf(SpaceSchema.parse({ name: 'darts' }));
const v2Json = () => dartsSpace().toJson(V2);

/**
 * Tiny DARTS_V2 network on 32×32 synthetic images: the auxiliary head needs the 8×8 maps after the
 * second reduction (3 cells: reductions at 1 and 2, head after cell 2); cutout and drop path on.
 */
const tinyDarts = (recipe: Record<string, unknown> = {}): TrainConfigInput => ({
  kind: 'train',
  space: { name: 'darts' } as never,
  architecture: { json: v2Json() },
  network: { channels: 2, layers: 3, auxiliary: true },
  recipe: { preset: 'cpu', epochs: 3, batchSize: 4, stepsPerEpoch: 3, cutout: 8, dropPath: 0.3, ...recipe },
  data: { source: 'synthetic', synthetic: { size: 24, imageSize: 32, channels: 3, classes: 3 } },
  seed: 5,
});

async function session(input: TrainConfigInput) {
  const config = parseTrainConfig(input, 'test');
  return new TrainSession(config, await buildTrainData(config));
}

const weights = (s: TrainSession) => s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]);

describe('training config', () => {
  it('fills in the DARTS evaluation recipe (quark0/darts cnn/train.py) and the paper network', () => {
    const c = parseTrainConfig({ kind: 'train', architecture: { json: v2Json() } });
    expect(c.recipe).toMatchObject({
      preset: 'darts',
      epochs: 600,
      batchSize: 96,
      lr: 0.025,
      lrMin: 0,
      momentum: 0.9,
      weightDecay: 3e-4,
      cutout: 16,
      dropPath: 0.2,
      auxiliaryWeight: 0.4,
      gradClip: 5,
    });
    expect(c.network).toEqual({ channels: 36, layers: 20, auxiliary: true });
    // Parsing the stored config again changes nothing (config.json is the resolved one).
    expect(parseTrainConfig(JSON.parse(JSON.stringify(c)))).toEqual(c);
  });

  it('uses the NB201 200-epoch recipe (AutoDL 200E.config) on nb201', () => {
    const c = parseTrainConfig({
      kind: 'train',
      space: { name: 'nb201' } as never,
      architecture: {
        text: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
      },
    });
    expect(c.recipe).toMatchObject({
      epochs: 200,
      batchSize: 256,
      lr: 0.1,
      nesterov: true,
      weightDecay: 5e-4,
    });
  });

  it('names the file and the field for an unknown op, an unknown edge, a bad option and two sources', () => {
    const bad = { ...V2, normal: [...V2.normal.slice(0, 7), ['conv_9x9', 2]] };
    const json = v2Json() as Record<string, unknown>;
    expect(() =>
      parseTrainConfig(
        { kind: 'train', architecture: { json: { ...json, ...bad }, origin: { file: 'a.json' } } },
        'x',
      ),
    ).toThrow(/architecture\.json: .*a\.json.*conv_9x9/s);
    const edge = { ...V2, normal: [...V2.normal.slice(0, 7), ['sep_conv_3x3', 9]] };
    expect(() => parseTrainConfig({ kind: 'train', architecture: { json: { ...json, ...edge } } })).toThrow(
      /architecture\.json: .*9/s,
    );
    expect(() =>
      parseTrainConfig({
        kind: 'train',
        space: { name: 'nb201' } as never,
        architecture: { text: '|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|' },
      }),
    ).toThrow(/architecture\.text: .*conv_9x9/s);
    expect(() =>
      parseTrainConfig({ kind: 'train', architecture: { json: v2Json() }, network: { channels: 5 } }),
    ).toThrow(/network\.channels: channels must be even/);
    expect(() =>
      parseTrainConfig({ kind: 'train', architecture: { json: v2Json(), random: { seed: 1 } } }),
    ).toThrow(/exactly one of architecture/);
  });
});

describe('TrainSession', () => {
  it('ramps drop path linearly over the epochs, p·e/E (DARTS train.py)', async () => {
    const s = await session(tinyDarts({ epochs: 4, dropPath: 0.2 }));
    expect([0, 1, 2, 3].map((e) => s.dropPathAt(e))).toEqual([0, 0.05, 0.1, 0.15000000000000002]);
    s.dispose();
  });

  it('adds the auxiliary head loss with its weight: loss(0.4) − loss(0) = 0.4·CE(auxiliary logits)', async () => {
    const withAux = await session(tinyDarts({ auxiliaryWeight: 0.4 }));
    const without = await session(tinyDarts({ auxiliaryWeight: 0 }));
    const direct = await session(tinyDarts());
    // The same seed: the same initial weights and the same first batch; epoch 0 has drop path 0.
    const batch = direct.data.train.next();
    const ceAux = tf.tidy(() => {
      const o = direct.network.run(batch.x, { training: true });
      const logp = tf.logSoftmax(o.auxLogits as tf.Tensor2D);
      return -tf.mean(tf.sum(tf.mul(tf.oneHot(batch.y, 3), logp), 1)).dataSync()[0];
    });
    const a = withAux.runStep().metrics.loss;
    const b = without.runStep().metrics.loss;
    expect(a - b).toBeCloseTo(0.4 * ceAux, 5);
    tf.dispose([batch.x, batch.y]);
    for (const s of [withAux, without, direct]) s.dispose();
  });

  it('pauses and resumes mid-epoch (drop path, cutout, auxiliary head on) bit-identical on cpu', async () => {
    const full = await session(tinyDarts());
    const reports = [];
    while (!full.done) reports.push(full.runStep());
    const first = await session(tinyDarts());
    const before = [];
    for (let i = 0; i < 5; i++) before.push(first.runStep()); // epoch 1, step 2 of 3: mid-epoch, drop path > 0
    const snap = first.capture();
    first.dispose();
    const second = await session(tinyDarts());
    // The checkpoint file stores the meta as JSON.
    second.restore({ ...snap, meta: JSON.parse(JSON.stringify(snap.meta)) });
    const after = [];
    while (!second.done) after.push(second.runStep());
    expect([...before, ...after]).toEqual(reports);
    expect(weights(second)).toEqual(weights(full));
    expect(
      reports
        .at(-1)
        ?.final?.confusion.flat()
        .reduce((a, b) => a + b, 0),
    ).toBe(full.data.test.labels.length);
    full.dispose();
    second.dispose();
  });

  it('reports test accuracy, confusion and per-class accuracy that agree with a direct prediction', async () => {
    const s = await session(tinyDarts({ epochs: 1 }));
    let r;
    while (!s.done) r = s.runStep();
    const final = r!.final!;
    const x = tf.tidy(() =>
      tf
        .tensor4d(Int32Array.from(s.data.test.images), [s.data.test.labels.length, 32, 32, 3], 'int32')
        .toFloat()
        .div(255)
        .sub(s.data.stats.mean)
        .div(s.data.stats.std),
    );
    const pred = tf.tidy(() =>
      tf.argMax(s.network.run(x as tf.Tensor4D, { training: false }).logits, 1).dataSync(),
    );
    const labels = s.data.test.labels;
    const correct = labels.reduce((n, l, i) => n + (pred[i] === l ? 1 : 0), 0);
    expect(final.testAcc).toBeCloseTo(correct / labels.length, 10);
    for (let k = 0; k < 3; k++) {
      const idx = [...labels.keys()].filter((i) => labels[i] === k);
      expect(final.perClassAcc[k]).toBeCloseTo(idx.filter((i) => pred[i] === k).length / idx.length, 10);
    }
    expect(r!.epochEnd!.testAcc).toBe(final.testAcc);
    x.dispose();
    s.dispose();
  });

  it('keeps the tensor count flat over 20 steps (epoch ends and test evaluations included)', async () => {
    const s = await session({
      ...tinyDarts({ epochs: 10 }),
      network: { channels: 2, layers: 3, auxiliary: false },
      data: { source: 'synthetic', synthetic: { size: 24, imageSize: 8, channels: 3, classes: 3 } },
    });
    const buffers = () => Object.keys(s.trainer.getState().tensors).length;
    s.runStep();
    const before = tf.memory().numTensors - buffers();
    for (let i = 0; i < 20; i++) s.runStep();
    expect(tf.memory().numTensors - buffers()).toBe(before);
    s.dispose();
  });

  it('counts the DARTS_V2 network at C=36, 20 cells as the paper: 3.3M parameters (auxiliary head left out)', async () => {
    const config = parseTrainConfig({ kind: 'train', architecture: { json: v2Json() } });
    const s = new TrainSession(config, {
      ...(await buildTrainData(parseTrainConfig(tinyDarts()))),
      classNames: Array.from({ length: 10 }, (_, i) => String(i)),
    });
    expect(finalParameterCount(s.network)).toBe(3_349_342);
    s.dispose();
  });
});

describe('SGD with Nesterov momentum (torch.optim.SGD nesterov=True)', () => {
  it('matches two steps computed by hand on w² (lr 0.1, μ 0.9)', () => {
    const w = tf.variable(tf.scalar(1));
    const sgd = new Sgd([w], { momentum: 0.9, weightDecay: 0, nesterov: true });
    // Step 1: g = 2, buf = 2, direction = g + μ·buf = 3.8, w = 1 − 0.38 = 0.62.
    sgd.step([tf.scalar(2 * w.dataSync()[0])], 0.1);
    expect(w.dataSync()[0]).toBeCloseTo(0.62, 6);
    // Step 2: g = 1.24, buf = 0.9·2 + 1.24 = 3.04, direction = 1.24 + 0.9·3.04 = 3.976, w = 0.2224.
    sgd.step([tf.scalar(2 * w.dataSync()[0])], 0.1);
    expect(w.dataSync()[0]).toBeCloseTo(0.2224, 6);
    sgd.dispose();
    w.dispose();
  });
});
