import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as tf from '../../src/engine/tf';
import { spaceOf } from '../../src/engine/catalog';
import { parseSearchConfig } from '../../src/engine/search/config';
import { parseTrainConfig } from '../../src/engine/train/train-config';
import { trainConfigFromOptions } from '../../src/cli/commands/train';
import { executeRun } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { parseLanguageModelManifest } from '../../src/engine/export/manifest';
import { exportTrainedRun, loadTrainedLanguageModel } from '../../src/runs/trained-model';
import { expectLosslessResume } from '../helpers/run-state';
import { TINY_RNN_CELL, tinyLmTrainConfig } from '../helpers/tiny-lm-train';
import { onCpuBackend } from '../helpers/tiny-search';

onCpuBackend();

describe('an enas-rnn training run', () => {
  it('paused mid-epoch and resumed, ends bit for bit where the uninterrupted run ends (cpu)', async () => {
    const { run, end } = await expectLosslessResume(
      parseTrainConfig(
        tinyLmTrainConfig({ recipe: { preset: 'cpu', epochs: 3, batchSize: 8, stepsPerEpoch: 3 } }),
      ) as never,
      [2, 4, 7],
      'nas-lm-train-',
    );
    // The carried hidden state is part of the checkpoint; the log has perplexities where images have accuracy.
    expect(Object.keys(end.tensors)).toContain('lm.hidden');
    const epochs = (end.metrics as Array<Record<string, unknown>>).filter((m) => m.kind === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([0, 1, 2]);
    for (const e of epochs)
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(['trainLoss', 'trainPerplexity', 'valPerplexity', 'testPerplexity']),
      );
    const status = run.readStatus();
    expect(status.testPerplexity).toBe(epochs[2].testPerplexity);
    expect(status.params).toBeGreaterThan(0);
    expect(status.flops).toBeGreaterThan(0);
    // The trained language model exports as one recurrent step (ONNX + safetensors by default) with
    // its vocabulary; its ONNX step gives the trained network's next-token logits and state.
    await expect(exportTrainedRun(run, ['onnx', 'tfjs'])).rejects.toThrow(/not exported to tfjs/);
    const exported = await exportTrainedRun(run);
    expect(exported.files.map((f) => f.name).sort()).toEqual(
      ['README.md', 'manifest.json', 'model.onnx', 'model.safetensors', 'vocab.json'].sort(),
    );
    const folder = exported.folder;
    const manifest = parseLanguageModelManifest(readFileSync(join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.architecture.text).toBe(TINY_RNN_CELL);
    expect(manifest.metrics.testPerplexity).toBe(epochs[2].testPerplexity);
    expect(manifest.trainedWindow).toBe(6);
    const vocab = JSON.parse(readFileSync(join(folder, 'vocab.json'), 'utf8')) as string[];
    expect(vocab).toEqual(JSON.parse(readFileSync(join(run.path, 'train-data.json'), 'utf8')).vocab);
    const trained = loadTrainedLanguageModel(run);
    const session = await ort.InferenceSession.create(readFileSync(join(folder, 'model.onnx')));
    try {
      const ids = [2, 5, vocab.length - 1];
      let engineH = trained.network.initHidden(ids.length);
      let onnxH = new Float32Array(ids.length * 8);
      for (let t = 0; t < 3; t++) {
        const step = tf.tidy(() =>
          trained.network.lmForward(tf.tensor2d(ids, [ids.length, 1], 'int32'), engineH, { training: false }),
        );
        engineH.dispose();
        engineH = step.hidden;
        const out = await session.run({
          tokens: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [ids.length]),
          hidden: new ort.Tensor('float32', onnxH, [ids.length, 8]),
        });
        const expected = step.logits.dataSync();
        const got = out.logits.data as Float32Array;
        expect(Math.max(...expected.map((v, k) => Math.abs(v - got[k])))).toBeLessThanOrEqual(1e-4);
        onnxH = Float32Array.from(out.hidden_out.data as Float32Array);
        const h = step.hidden.dataSync();
        expect(Math.max(...h.map((v, k) => Math.abs(v - onnxH[k])))).toBeLessThanOrEqual(1e-4);
        step.logits.dispose();
        ids.reverse();
      }
      engineH.dispose();
    } finally {
      trained.network.dispose();
      await session.release();
    }
  }, 60_000);

  it('refuses to export a language-model run before its first training step, leaving no folder', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-lm-untrained-'));
    const run = RunDir.create(root, 'train', parseTrainConfig(tinyLmTrainConfig()));
    await expect(exportTrainedRun(run)).rejects.toThrow(/is queued and has not trained yet/);
    // Paused before any step: the checkpoint holds the initial weights, which are no trained model.
    expect(await executeRun(run, { resume: false, shouldPause: () => true })).toBe('paused');
    await expect(exportTrainedRun(run, ['onnx'])).rejects.toThrow(/is paused and has not trained yet/);
    expect(readdirSync(run.exportsDir).filter((f) => f === 'model' || f.startsWith('.model-'))).toEqual([]);
  }, 60_000);

  it('nas-studio train --from RUN takes an ENAS RNN search run: its space, text data and derived cell', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-lm-from-'));
    const search = parseSearchConfig({
      space: { name: 'enas-rnn', nodes: 4, hidden: 16 },
      strategy: { name: 'random-search', candidates: 2, scoreBatches: 1, rescoreTop: 1, lmLr: 5 },
      data: { source: 'text', text: { bptt: 6, evalBatchSize: 8 } },
      epochs: 1,
      batchSize: 8,
      stepsPerEpoch: 2,
      seed: 1,
      backend: 'cpu',
    });
    const dir = RunDir.create(root, 'search', search);
    const space = spaceOf(search.space);
    writeFileSync(
      join(dir.exportsDir, 'genotype.json'),
      JSON.stringify(space.toJson(space.fromText(TINY_RNN_CELL, 'x'))),
    );
    const config = trainConfigFromOptions({ from: 'search', runs: root, recipe: 'cpu' });
    expect(config.space).toMatchObject({ name: 'enas-rnn', nodes: 4, hidden: 16 });
    expect(config.data.source).toBe('text');
    expect(
      space.toText(
        config.architecture.json !== undefined ? space.fromJson(config.architecture.json, 'x') : null,
      ),
    ).toBe(TINY_RNN_CELL);
    expect(config.network).toMatchObject({ hidden: 200 });
    // Trained for two steps at a small size, it completes.
    const small = parseTrainConfig({
      ...config,
      network: { hidden: 8 },
      recipe: { preset: 'cpu', epochs: 1, batchSize: 8, stepsPerEpoch: 2 },
    });
    const train = RunDir.create(root, 'train', small);
    expect(await executeRun(train, { resume: false })).toBe('completed');
    expect(train.readStatus().testPerplexity).toBeGreaterThan(1);
  }, 60_000);
});
