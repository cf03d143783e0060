import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import type { StepMetrics } from '../search/strategy';

/**
 * The single-path strategies (random search, SPOS, regularized evolution, RLNAS) end to end on webgpu
 * (lavapipe in CI) through the loop's asynchronous path (runStepAsync: supernet metrics read at the
 * step boundary, candidate scores and RLNAS's weight vectors read with an awaited data() inside the
 * step's one read). Each runs both phases on NB201 with 4 channels and 1 cell per stage, 8×8 images,
 * a handful of steps and candidates: tiny on purpose, a software adapter is slow. Compared with the
 * same search on cpu. Skipped, with the reason printed, where no WebGPU adapter is found.
 *
 * What is asserted, and why it holds:
 * - the same architectures, in the same order: every draw comes from the loop's generator, which no
 *   backend touches; phase 2's proposals depend on scores only through comparisons (top-k, the
 *   tournament), which the scores below keep;
 * - losses within 1e-4 relative (float32 rounding in a different kernel order, as the DARTS test);
 * - accuracies equal: a fraction of 8 or 16 images, which only an argmax flipped by rounding changes;
 * - RLNAS's angles within 1e-5 rad: the sums are float64 on the host of float32 weights that differ
 *   by rounding carried through 3 SGD steps;
 * - the same final architecture, and `tf.memory().numTensors` flat in each phase from its second step
 *   (SGD's momentum buffers, created the first time a weight is on a path, counted apart).
 */
const SPACE = { name: 'nb201', channels: 4, cellsPerStage: 1 } as unknown as SearchConfigInput['space'];

const STRATEGIES: Record<string, { strategy: Record<string, unknown>; labels?: 'random' }> = {
  'random-search': { strategy: { name: 'random-search', candidates: 2, rescoreTop: 1, scoreBatches: 1 } },
  spos: {
    strategy: {
      name: 'spos',
      population: 2,
      generations: 1,
      topK: 1,
      mutants: 1,
      crossovers: 0,
      scoreBatches: 1,
      recalibrationBatches: 1,
    },
  },
  'regularized-evolution': {
    strategy: {
      name: 'regularized-evolution',
      population: 2,
      sampleSize: 2,
      cycles: 3,
      scoreBatches: 1,
      recalibrationBatches: 1,
    },
  },
  rlnas: {
    strategy: { name: 'rlnas', population: 2, generations: 1, topK: 1, mutants: 1, crossovers: 0 },
    labels: 'random',
  },
};

const config = (name: string) =>
  parseSearchConfig({
    space: SPACE,
    strategy: STRATEGIES[name].strategy as SearchConfigInput['strategy'],
    data: {
      source: 'synthetic',
      ...(STRATEGIES[name].labels ? { labels: STRATEGIES[name].labels } : {}),
      synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
    },
    epochs: 1,
    batchSize: 8,
    stepsPerEpoch: 3,
    seed: 5,
  });

interface RunResult {
  phases: string[];
  metrics: StepMetrics[];
  candidates: { text: string; score: number; metrics: StepMetrics }[];
  genotypeText: string;
  /** Per phase, live tensors (less SGD buffers) after each of its steps. */
  tensors: Record<string, number[]>;
}

async function run(name: string): Promise<RunResult> {
  const c = config(name);
  const s = new SearchSession<unknown>(c, await buildSearchData(c));
  const sgdBuffers = () =>
    Object.keys(s.strategy.getState().tensors).filter((k) => k.startsWith('sgd.')).length;
  const out: RunResult = { phases: [], metrics: [], candidates: [], genotypeText: '', tensors: {} };
  while (!s.done) {
    const phase = s.info().phase;
    const r = await s.runStepAsync();
    out.phases.push(phase);
    out.metrics.push(r.metrics);
    for (const cand of r.candidates ?? [])
      out.candidates.push({ text: cand.text, score: cand.score, metrics: cand.metrics });
    (out.tensors[phase] ??= []).push(tf.memory().numTensors - sgdBuffers());
    if (r.epochEnd) out.genotypeText = r.epochEnd.genotypeText;
  }
  s.dispose();
  return out;
}

const LOSS_KEYS = ['trainLoss', 'valLoss'];
const ACC_KEYS = ['trainAcc', 'valAcc'];

/** Compares one metrics record with cpu's by the rules of the file comment. */
function expectMetricsClose(got: StepMetrics, want: StepMetrics, what: string, angles: boolean): void {
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    const g = got[k];
    if (LOSS_KEYS.includes(k))
      expect(Math.abs(g - w), `${what} ${k}`).toBeLessThanOrEqual(1e-4 * Math.abs(w));
    else if (ACC_KEYS.includes(k) || (!angles && /score|Score|topKMean|population/.test(k)))
      expect(g, `${what} ${k}`).toBe(w);
    else if (angles && /score|Score|topKMean|angle/.test(k))
      expect(Math.abs(g - w), `${what} ${k}`).toBeLessThan(1e-5);
    // gradNorm and the costs: the costs are host arithmetic (equal), gradNorm as a loss.
    else if (k === 'gradNorm')
      expect(Math.abs(g - w), `${what} ${k}`).toBeLessThanOrEqual(1e-4 * Math.abs(w));
    else expect(g, `${what} ${k}`).toBe(w);
  }
}

let skipReason = '';
const cpu: Record<string, RunResult> = {};

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  for (const name of Object.keys(STRATEGIES)) cpu[name] = await run(name);
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`single-path strategies on webgpu skipped: ${skipReason}`);
  }
}, 600_000);

describe('single-path strategies on webgpu', () => {
  for (const name of Object.keys(STRATEGIES))
    it(`${name}: both phases, the same candidates and answer as on cpu, no leak`, async (ctx) => {
      if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
      const t0 = Date.now();
      expect(tf.getBackend()).toBe('webgpu');
      const gpu = await run(name);
      const want = cpu[name];
      console.log(
        `${name} on webgpu: ${gpu.metrics.length} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      expect(gpu.phases).toEqual(want.phases);
      expect(new Set(gpu.phases).size, 'both phases ran').toBe(2);
      const angles = name === 'rlnas';
      gpu.metrics.forEach((m, i) => expectMetricsClose(m, want.metrics[i], `step ${i}`, angles));
      expect(gpu.candidates.map((c) => c.text)).toEqual(want.candidates.map((c) => c.text));
      expect(gpu.candidates.length).toBeGreaterThan(0);
      gpu.candidates.forEach((c, i) => {
        const w = want.candidates[i];
        if (angles) expect(Math.abs(c.score - w.score), `candidate ${i}`).toBeLessThan(1e-5);
        else expect(c.score, `candidate ${i}`).toBe(w.score);
        expectMetricsClose(c.metrics, w.metrics, `candidate ${i}`, angles);
      });
      expect(gpu.genotypeText).toBe(want.genotypeText);
      for (const [phase, counts] of Object.entries(gpu.tensors)) {
        expect(counts.length, `${phase}: steps`).toBeGreaterThanOrEqual(3);
        expect(new Set(counts.slice(1)).size, `${phase}: live tensors per step ${counts}`).toBe(1);
      }
      const worst = (keys: RegExp) =>
        Math.max(
          0,
          ...gpu.metrics.flatMap((m, i) =>
            Object.entries(m)
              .filter(([k]) => keys.test(k))
              .map(
                ([k, v]) =>
                  Math.abs(v - want.metrics[i][k]) / (angles ? 1 : Math.abs(want.metrics[i][k]) || 1),
              ),
          ),
        );
      console.log(
        `${name}: max relative |Δ loss| ${worst(/Loss$/).toExponential(2)}${angles ? `, max |Δ angle| ${worst(/^score$/).toExponential(2)} rad` : ''}`,
      );
    });

  // Every registered strategy reads ahead now, so the loop's early refusal is exercised on a strategy
  // whose read-ahead is taken away: a strategy added later without one must fail before its first
  // step, not after an epoch of work.
  it('a strategy without prefetchHostReads is refused before its first step, naming it and the fix', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    const c = parseSearchConfig({
      space: SPACE,
      strategy: { name: 'random-search' } as SearchConfigInput['strategy'],
      data: { source: 'synthetic', synthetic: { size: 32, imageSize: 8, channels: 3, classes: 4 } },
      epochs: 1,
      batchSize: 8,
      seed: 5,
    });
    const s = new SearchSession<unknown>(c, await buildSearchData(c));
    (s as unknown as { strategy: { prefetchHostReads?: unknown } }).strategy.prefetchHostReads = undefined;
    try {
      await expect(s.runStepAsync()).rejects.toThrow(
        /strategy 'random-search' reads tensors synchronously and cannot run on the webgpu backend yet.*use --backend wasm or cpu/,
      );
      expect(s.step).toBe(0);
    } finally {
      s.dispose();
    }
  });
});
