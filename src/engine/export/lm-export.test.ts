import '@tensorflow/tfjs-backend-cpu';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { decodeSafetensors } from '../nn/safetensors';
import { parseEnasRnn } from '../spaces/enas-rnn/arch';
import { EnasRnnModel } from '../spaces/enas-rnn/model';
import { EnasRnnSpaceSchema, type EnasRnnSpace } from '../spaces/enas-rnn/search-space';
import { Rng } from '../util/rng';
import { exportLanguageModel, stepGraphOf, type TrainedLanguageModel } from './lm-export';
import { predictNextTokens } from './lm-predict';
import { LanguageModelManifestSchema, parseLanguageModelManifest, parseModelManifest } from './manifest';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const root = mkdtempSync(join(tmpdir(), 'nas-lm-export-'));
const VOCAB = ['<unk>', '<eos>', 'the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'dog', 'ran', 'far', 'away'];

/**
 * Cells that between them take every activation at node 0 and later, both hidden-state modes, one
 * and several loose ends, chains and fan-outs; `clip` small enough in some that the carried state's
 * norm limit acts.
 */
const CASES: Array<{ name: string; cell: string; space: Partial<EnasRnnSpace> }> = [
  {
    name: 'tanh node 0, two loose ends, average state',
    cell: 'n0=tanh(x,h) n1=ReLU(n0) n2=sigmoid(n0) n3=identity(n2)',
    space: { hiddenState: 'average', hiddenClip: 25 },
  },
  {
    name: 'ReLU node 0, last-node state, norm limit active',
    cell: 'n0=ReLU(x,h) n1=identity(n0) n2=tanh(n1) n3=sigmoid(n0) n4=ReLU(n2)',
    space: { hiddenState: 'last-node', hiddenClip: 0.1 },
  },
  {
    name: 'sigmoid node 0, a chain of two, norm limit active',
    cell: 'n0=sigmoid(x,h) n1=tanh(n0)',
    space: { hiddenState: 'average', hiddenClip: 0.2 },
  },
  {
    name: 'identity node 0, three loose ends',
    cell: 'n0=identity(x,h) n1=tanh(n0) n2=ReLU(n0) n3=sigmoid(n0)',
    space: { hiddenState: 'average', hiddenClip: 25 },
  },
];

const H = 6;

/** An initialised network with every weight random (the decoder bias too, which starts at zero). */
function tinyLanguageModel(c: (typeof CASES)[number], seed: number): TrainedLanguageModel {
  const nodes = c.cell.split(' ').length;
  const config = EnasRnnSpaceSchema.parse({ name: 'enas-rnn', nodes, hidden: H, initRange: 0.6, ...c.space });
  const arch = parseEnasRnn(c.cell, nodes);
  const rng = new Rng(seed);
  const network = new EnasRnnModel(config, VOCAB.length, rng, arch);
  for (const [name, v] of network.namedState())
    if (name === 'lm.decoder_bias') v.assign(tf.tensor(rng.fillUniform(v.size, -0.5, 0.5), v.shape));
  return {
    space: 'enas-rnn',
    spaceConfig: config,
    arch,
    archText: c.cell,
    finalOptions: { hidden: H },
    network,
    vocab: VOCAB,
    bptt: 5,
    metrics: { testPerplexity: 11.5, valPerplexity: 12.25, testLoss: Math.log(11.5) },
    recipe: { preset: 'cpu' },
    seed,
    sourceRun: 'train-test',
  };
}

const models: TrainedLanguageModel[] = [];
afterAll(() => {
  for (const m of models) m.network.dispose();
});
const modelOf = (i: number) => (models[i] ??= tinyLanguageModel(CASES[i], 10 + i));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const rowNorms = (d: ArrayLike<number>, rows: number) =>
  Array.from({ length: rows }, (_, r) =>
    Math.sqrt(
      Array.from(d)
        .slice(r * H, (r + 1) * H)
        .reduce((s, v) => s + v * v, 0),
    ),
  );

describe.each(CASES.map((c, i) => [c.name, i] as const))(
  'the exported step of an ENAS RNN cell: %s',
  (_, i) => {
    it('ONNX (onnxruntime-node), fed its own hidden_out back, gives the engine’s logits and state over successive tokens', async () => {
      const model = modelOf(i);
      const dir = join(root, `case-${i}`);
      const result = await exportLanguageModel(model, dir, ['onnx', 'safetensors']);
      expect(result.files.map((f) => f.name).sort()).toEqual(
        ['README.md', 'manifest.json', 'model.onnx', 'model.safetensors', 'vocab.json'].sort(),
      );
      const session = await ort.InferenceSession.create(readFileSync(join(dir, 'model.onnx')));
      expect([...session.inputNames].sort()).toEqual(['hidden', 'tokens']);
      expect([...session.outputNames].sort()).toEqual(['hidden_out', 'logits']);

      const B = 3;
      const rng = new Rng(100 + i);
      // The engine carries its state, ONNX carries its own: each step compares the two recurrences.
      let engineH = tf.zeros([B, H]) as tf.Tensor2D;
      let onnxH = new Float32Array(B * H);
      let worstLogits = 0;
      let worstHidden = 0;
      let clipped = 0;
      const steps = 6;
      for (let t = 0; t < steps; t++) {
        const ids = Array.from({ length: B }, () => rng.int(VOCAB.length));
        const { logits, hidden } = tf.tidy(() => {
          const out = model.network.lmForward(tf.tensor2d(ids, [B, 1], 'int32'), engineH, {
            training: false,
          });
          return { logits: out.logits, hidden: out.hidden };
        });
        engineH.dispose();
        engineH = hidden;
        const out = await session.run({
          tokens: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [B]),
          hidden: new ort.Tensor('float32', onnxH, [B, H]),
        });
        expect(out.logits.dims).toEqual([B, VOCAB.length]);
        expect(out.hidden_out.dims).toEqual([B, H]);
        const expected = logits.dataSync();
        // Different tokens give different logits: a constant output would hide a broken graph.
        expect(
          maxAbsDiff(expected.slice(0, VOCAB.length), expected.slice(VOCAB.length, 2 * VOCAB.length)),
        ).toBeGreaterThan(0);
        worstLogits = Math.max(worstLogits, maxAbsDiff(out.logits.data as Float32Array, expected));
        const h = hidden.dataSync();
        worstHidden = Math.max(worstHidden, maxAbsDiff(out.hidden_out.data as Float32Array, h));
        const limit = (model.spaceConfig as EnasRnnSpace).hiddenClip;
        clipped += rowNorms(h, B).filter((n) => Math.abs(n - limit) < 1e-5).length;
        onnxH = Float32Array.from(out.hidden_out.data as Float32Array);
        logits.dispose();
      }
      engineH.dispose();
      await session.release();
      expect(worstLogits).toBeLessThanOrEqual(1e-4);
      expect(worstHidden).toBeLessThanOrEqual(1e-4);
      // Where the norm limit is small, it acted (rows sit at the limit), so its lowering was compared too.
      if ((model.spaceConfig as EnasRnnSpace).hiddenClip < 1) expect(clipped).toBeGreaterThan(0);
      console.log(
        `${CASES[i].name}: ${steps} steps, max |ONNX − engine| logits ${worstLogits.toExponential(2)}, hidden ${worstHidden.toExponential(2)}, ${clipped} clipped rows`,
      );

      // The manifest validates and describes the step; vocab.json is the vocabulary, id = index.
      const manifest = parseLanguageModelManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      expect(LanguageModelManifestSchema.safeParse(manifest).success).toBe(true);
      expect(manifest.kind).toBe('language-model');
      expect(manifest.step.inputs.tokens).toEqual({ name: 'tokens', dtype: 'int64', shape: ['N'] });
      expect(manifest.step.outputs.hidden).toEqual({ name: 'hidden_out', dtype: 'float32', shape: ['N', H] });
      expect(manifest.vocabulary).toMatchObject({
        file: 'vocab.json',
        size: VOCAB.length,
        unknownToken: '<unk>',
      });
      expect(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8'))).toEqual(VOCAB);
      expect(manifest.architecture.text).toBe(model.archText);
      expect(manifest.architecture.parameters).toBe(
        model.network.namedParameters().reduce((s, [, v]) => s + v.size, 0),
      );
      expect(manifest.metrics.testPerplexity).toBe(11.5);
      expect(manifest.files.find((f) => f.name === 'model.onnx')!.bytes).toBe(
        readFileSync(join(dir, 'model.onnx')).byteLength,
      );
      // The image reader refuses it saying what it is.
      expect(() => parseModelManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'))).toThrow(
        /is a language model/,
      );
      const card = readFileSync(join(dir, 'README.md'), 'utf8');
      expect(card).toContain(model.archText);
      expect(card).toContain('`hidden_out` [N, 6]');

      // safetensors: the engine's state by name, bit for bit.
      const st = decodeSafetensors(new Uint8Array(readFileSync(join(dir, 'model.safetensors'))));
      expect([...st.tensors.keys()].sort()).toEqual(
        model.network
          .namedState()
          .map(([n]) => n)
          .sort(),
      );
      for (const [name, v] of model.network.namedState())
        expect(Array.from(st.tensors.get(name)!.data)).toEqual(Array.from(v.dataSync()));
      expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
    });

    it('every weight of the network is in the step graph, under its state name, the tied embedding once', () => {
      const model = modelOf(i);
      const before = tf.memory().numTensors;
      const graph = stepGraphOf(model);
      expect(tf.memory().numTensors).toBe(before);
      expect([...graph.tensors.keys()].sort()).toEqual(
        model.network
          .namedState()
          .map(([n]) => n)
          .sort(),
      );
      // The decoder reads the embedding table itself, transposed.
      const reads = graph.nodes.filter(
        (n) =>
          (n.op === 'gather' && n.table === 'lm.embedding') ||
          (n.op === 'matmul' && n.weight === 'lm.embedding'),
      );
      expect(reads.map((n) => n.op)).toEqual(['gather', 'matmul']);
      expect(graph.state?.input.shape).toEqual([H]);
    });
  },
);

describe('next-token prediction with an export folder (predict --text)', () => {
  it('runs the ONNX step over the words and gives the engine’s next-token probabilities', async () => {
    const model = modelOf(1);
    const dir = join(root, 'predict');
    await exportLanguageModel(model, dir);
    const r = await predictNextTokens(dir, '  the cat  zebra sat ', { top: 4 });
    expect(r.tokens).toEqual(['the', 'cat', '<unk>', 'sat']);
    expect(r.unknown).toEqual(['zebra']);
    // The engine over the same ids as one window from the zero state; its last row is the next token.
    const ids = r.tokens.map((t) => VOCAB.indexOf(t));
    const probs = tf.tidy(() => {
      const out = model.network.lmForward(
        tf.tensor2d(ids, [1, ids.length], 'int32'),
        model.network.initHidden(1),
        {
          training: false,
        },
      );
      return tf
        .softmax(out.logits)
        .slice([ids.length - 1, 0], [1, VOCAB.length])
        .dataSync();
    });
    const expected = Array.from(probs)
      .map((p, index) => ({ index, p }))
      .sort((a, b) => b.p - a.p)
      .slice(0, 4);
    expect(r.top.map((t) => t.name)).toEqual(expected.map((e) => VOCAB[e.index]));
    for (const [k, t] of r.top.entries()) expect(Math.abs(t.probability - expected[k].p)).toBeLessThan(1e-5);
  });

  it('refuses a folder without model.onnx, an image classifier, and empty text, naming why', async () => {
    const dir = join(root, 'weights-only');
    await exportLanguageModel(modelOf(0), dir, ['safetensors']);
    await expect(predictNextTokens(dir, 'the cat')).rejects.toThrow(/has no model\.onnx/);
    await expect(predictNextTokens(join(root, 'predict'), '   ')).rejects.toThrow(/at least one word/);
    const image = join(root, 'image-manifest');
    mkdirSync(image);
    writeFileSync(join(image, 'manifest.json'), JSON.stringify({ format: 'nas-studio-model', version: 1 }));
    await expect(predictNextTokens(image, 'the')).rejects.toThrow(
      /an image classifier, not a language model/,
    );
  });
});

describe('refused language-model exports', () => {
  it('tfjs is refused naming the reason, and no folder is left', async () => {
    const dir = join(root, 'tfjs');
    await expect(exportLanguageModel(modelOf(0), dir, ['onnx', 'tfjs'])).rejects.toThrow(
      /not exported to tfjs: the TensorFlow\.js layers format .* no layer for its step's 1 − gate/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('a vocabulary that does not match the network, and non-finite weights, are refused', async () => {
    const model = modelOf(0);
    await expect(exportLanguageModel({ ...model, vocab: VOCAB.slice(1) }, join(root, 'v'))).rejects.toThrow(
      /predicts 13 tokens but the vocabulary has 12/,
    );
    const bad = tinyLanguageModel(CASES[0], 1);
    const [, w] = bad.network.namedState().find(([n]) => n === 'node0.w_hh')!;
    w.assign(tf.fill(w.shape, Number.NaN));
    await expect(exportLanguageModel(bad, join(root, 'nan'))).rejects.toThrow(/'node0\.w_hh' is not finite/);
    bad.network.dispose();
    expect(existsSync(join(root, 'v')) || existsSync(join(root, 'nan'))).toBe(false);
    expect(readdirSync(root).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
