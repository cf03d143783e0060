import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spaceOf } from '../../src/engine/catalog';
import { parseSearchConfig } from '../../src/engine/search/config';
import { parseTrainConfig } from '../../src/engine/train/train-config';
import { trainConfigFromOptions } from '../../src/cli/commands/train';
import { executeRun } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { exportTrainedRun } from '../../src/runs/trained-model';
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
    // The exporters write image classifiers: a language model is refused with the reason.
    await expect(exportTrainedRun(run, ['onnx'])).rejects.toThrow(
      /trained a language model .* not supported yet, the exporters write image classifiers/,
    );
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
