import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPACE_SPECS, STRATEGY_SPECS, spaceOf, spaceSpec } from '../../src/engine/catalog';
import { parseSearchConfig } from '../../src/shared/search-config';
import { parseTrainConfig } from '../../src/shared/run-config';
import { builtFile, root } from './built';

const folder = join(root, 'examples', 'smoke');
const all = readdirSync(folder).filter((f) => f.endsWith('.json'));
// train-<space>.json are training-run configs (nas-studio train); the rest are searches.
const trainFiles = all.filter((f) => f.startsWith('train-'));
const files = all.filter((f) => !f.startsWith('train-'));

// Every strategy × space pair that works ships a smoke config; each runs end to end (all phases)
// through the CLI, as a user would run it.
describe('smoke configs run end to end with nas-studio search --config', () => {
  it('there is one for every strategy on every space it declares', () => {
    const spaces = SPACE_SPECS.map((s) => s.name as string);
    const want = STRATEGY_SPECS.flatMap((s) =>
      s.spaces.filter((sp) => spaces.includes(sp)).map((sp) => `${s.name}-${sp}.json`),
    );
    expect(want.length).toBeGreaterThanOrEqual(2);
    for (const f of want) expect(files).toContain(f);
  });

  it('nas-studio strategies --json lists the registered strategies and spaces, and which spaces each strategy runs on', () => {
    builtFile('out/node/cli.js');
    const out = execFileSync(
      process.execPath,
      [join(root, 'bin', 'nas-studio.mjs'), 'strategies', '--json'],
      { cwd: root, encoding: 'utf8' },
    );
    const r = JSON.parse(out) as {
      strategies: Array<{
        name: string;
        spaces: string[];
        config: { properties: Record<string, { title?: string }> };
      }>;
      spaces: Array<{ name: string; strategies: string[] }>;
    };
    expect(r.strategies.map((s) => s.name)).toEqual(STRATEGY_SPECS.map((s) => s.name));
    expect(r.spaces.map((s) => s.name)).toEqual(SPACE_SPECS.map((s) => s.name));
    const rs = r.strategies.find((s) => s.name === 'random-search')!;
    expect(rs.spaces).toContain('darts');
    expect(rs.config.properties.candidates.title).toBe('candidates sampled');
    expect(r.spaces.find((s) => s.name === 'darts')!.strategies).toEqual(
      expect.arrayContaining(['darts', 'random-search']),
    );
  });

  for (const file of files) {
    it(file, () => {
      const config = parseSearchConfig(JSON.parse(readFileSync(join(folder, file), 'utf8')), file);
      expect(file).toBe(`${config.strategy.name}-${config.space.name}.json`);
      builtFile('out/node/cli.js');
      const runs = mkdtempSync(join(tmpdir(), 'nas-smoke-'));
      execFileSync(
        process.execPath,
        [
          join(root, 'bin', 'nas-studio.mjs'),
          'search',
          '--config',
          join(folder, file),
          '--runs',
          runs,
          '--name',
          'smoke',
        ],
        {
          cwd: root,
          encoding: 'utf8',
          // The default backend choice, as a user gets it (wasm here).
          env: process.env,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      const run = join(runs, 'smoke');
      expect(JSON.parse(readFileSync(join(run, 'status.json'), 'utf8')).status).toBe('completed');
      // The architecture file validates against the space.
      const space = spaceOf(config.space);
      const arch = space.fromJson(readFileSync(join(run, 'exports', 'genotype.json'), 'utf8'), file);
      expect(space.toText(arch).length).toBeGreaterThan(0);
      const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(records.filter((r) => r.kind === 'step').length).toBeGreaterThan(0);
      const phases = new Set(records.filter((r) => r.kind === 'step').map((r) => r.phase));
      expect(phases.size).toBeGreaterThanOrEqual(1);
    });
  }
});

/** `nas-studio export smoke` of a finished training smoke run, in every format (status and output). */
function exportSmoke(
  runs: string,
  formats = 'onnx,tfjs,safetensors',
): { status: number | null; text: string } {
  const r = spawnSync(
    process.execPath,
    [join(root, 'bin', 'nas-studio.mjs'), 'export', 'smoke', '--runs', runs, '--format', formats],
    { cwd: root, encoding: 'utf8', env: process.env },
  );
  return { status: r.status, text: `${r.stdout}${r.stderr}` };
}

// Every registered space ships a training smoke config (a tiny network, a few steps), run end to end
// through nas-studio train as a user would run it.
describe('training smoke configs run end to end with nas-studio train --config', () => {
  it('there is one for every registered space (a language-model space trains on text)', () => {
    for (const s of SPACE_SPECS) expect(trainFiles).toContain(`train-${s.name}.json`);
  });

  for (const file of trainFiles) {
    it(file, () => {
      const config = parseTrainConfig(JSON.parse(readFileSync(join(folder, file), 'utf8')), file);
      expect(file).toBe(`train-${config.space.name}.json`);
      builtFile('out/node/cli.js');
      const runs = mkdtempSync(join(tmpdir(), 'nas-train-smoke-'));
      const out = execFileSync(
        process.execPath,
        [
          join(root, 'bin', 'nas-studio.mjs'),
          'train',
          '--config',
          join(folder, file),
          '--runs',
          runs,
          '--name',
          'smoke',
        ],
        { cwd: root, encoding: 'utf8', env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const lm = spaceSpec(config.space.name).modality === 'text';
      expect(out).toMatch(lm ? /trained: test perplexity \d+\.\d\d/ : /trained: test accuracy \d+\.\d\d%/);
      const run = join(runs, 'smoke');
      const status = JSON.parse(readFileSync(join(run, 'status.json'), 'utf8'));
      expect(status.status).toBe('completed');
      expect(status.params).toBeGreaterThan(0);
      expect(status.flops).toBeGreaterThan(0);
      const records = readFileSync(join(run, 'metrics.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const steps = records.filter((r) => r.kind === 'step');
      const epochs = records.filter((r) => r.kind === 'epoch');
      expect(steps.length).toBe(config.recipe.epochs * (config.recipe.stepsPerEpoch as number));
      expect(epochs.map((r) => r.epoch)).toEqual([...Array(config.recipe.epochs).keys()]);
      const final = records.find((r) => r.kind === 'final');
      if (lm) {
        // A language model: perplexities where an image classifier has accuracies, no confusion matrix.
        for (const r of steps)
          expect(Object.keys(r)).toEqual(expect.arrayContaining(['loss', 'perplexity', 'lr', 'gradNorm']));
        for (const r of epochs) {
          expect(Object.keys(r)).toEqual(
            expect.arrayContaining(['trainLoss', 'trainPerplexity', 'valPerplexity', 'testPerplexity']),
          );
          expect(r.testPerplexity).toBeCloseTo(Math.exp(r.testLoss), 8);
        }
        expect(final.testPerplexity).toBe(epochs[epochs.length - 1].testPerplexity);
        expect(status.testPerplexity).toBe(final.testPerplexity);
        const cell = spaceOf(config.space);
        expect(
          cell.toText(cell.fromJson(readFileSync(join(run, 'exports', 'genotype.json'), 'utf8'), file)),
        ).toBe(config.architecture.text);
        // A language model exports one recurrent step as ONNX, with its vocabulary; tfjs is refused
        // saying why, and leaves no export folder behind.
        const refused = exportSmoke(runs);
        expect(refused.status).not.toBe(0);
        expect(refused.text).toMatch(
          /language model is not exported to tfjs: the TensorFlow\.js layers format/,
        );
        expect(existsSync(join(run, 'exports', 'model'))).toBe(false);
        const exported = exportSmoke(runs, 'onnx');
        expect(exported.status, exported.text).toBe(0);
        const folder = join(run, 'exports', 'model');
        expect(readdirSync(folder).sort()).toEqual([
          'README.md',
          'manifest.json',
          'model.onnx',
          'vocab.json',
        ]);
        const manifest = JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
        expect(manifest.kind).toBe('language-model');
        expect(manifest.metrics.testPerplexity).toBe(final.testPerplexity);
        const vocab = JSON.parse(readFileSync(join(folder, 'vocab.json'), 'utf8'));
        expect(vocab).toEqual(JSON.parse(readFileSync(join(run, 'train-data.json'), 'utf8')).vocab);
        expect(manifest.vocabulary.size).toBe(vocab.length);
        // predict --text runs the exported step over the words and prints the top 5 next tokens.
        const predicted = spawnSync(
          process.execPath,
          [join(root, 'bin', 'nas-studio.mjs'), 'predict', folder, '--text', vocab.slice(2, 6).join(' ')],
          { cwd: root, encoding: 'utf8', env: process.env },
        );
        expect(predicted.status, predicted.stderr).toBe(0);
        const lines = predicted.stdout.trim().split('\n');
        expect(lines).toHaveLength(5);
        for (const l of lines) expect(vocab).toContain(l.split('\t')[0]);
        for (const l of lines) expect(l).toMatch(/\t\d+\.\d%$/);
        return;
      }
      for (const r of steps) expect(Object.keys(r)).toEqual(expect.arrayContaining(['loss', 'acc', 'lr']));
      for (const r of epochs)
        expect(Object.keys(r)).toEqual(
          expect.arrayContaining(['trainLoss', 'trainAcc', 'testLoss', 'testAcc']),
        );
      const tested = (final.confusion as number[][]).flat().reduce((a, b) => a + b, 0);
      expect(final.perClassAcc).toHaveLength(final.confusion.length);
      expect(final.testAcc).toBeCloseTo(
        (final.confusion as number[][]).reduce((a, row, k) => a + row[k], 0) / tested,
        10,
      );
      expect(status.testAcc).toBe(final.testAcc);
      // The trained architecture is written as the space's file, as a search writes its answer.
      const space = spaceOf(config.space);
      expect(
        space.toText(space.fromJson(readFileSync(join(run, 'exports', 'genotype.json'), 'utf8'), file))
          .length,
      ).toBeGreaterThan(0);
      // Every image space's trained model exports in every format (parity is model-export.test.ts's).
      const exported = exportSmoke(runs);
      expect(exported.status, exported.text).toBe(0);
      expect(readdirSync(join(run, 'exports', 'model')).sort()).toEqual(
        ['README.md', 'manifest.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin'].sort(),
      );
    });
  }
});
