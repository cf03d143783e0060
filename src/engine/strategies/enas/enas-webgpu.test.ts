import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData } from '../../search/build-data';
import type { HostReads } from '../../search/host-reads';
import type { Choices } from '../../search/space';
import { SearchSession } from '../../search/session';
import { captureSessionAsync, restoreSession } from '../../search/checkpoint';
import type { StepMetrics } from '../../search/strategy';
import type { Rng } from '../../util/rng';
import type { DrawnSamples } from './controller';
import type { Enas } from './enas';

/**
 * ENAS end to end on webgpu (lavapipe in CI) through the loop's asynchronous path (runStepAsync):
 * the controller's sampling pass reads each decision's probabilities with an awaited data(), the
 * rewards and entropies are read in one go, the REINFORCE pass replays the known decisions under the
 * tape with no read, the metrics come at the step boundary, and the greedy sample of the epoch-end
 * hooks is prefetched. Both phases (shared steps + controller steps, then derive) on NB201 with 4
 * channels and 1 cell per stage, on the ENAS micro space with 4 channels, 8×8 images, and on the
 * ENAS RNN cell on the bundled text: tiny on purpose, a software adapter is slow. Compared with the
 * same search on cpu; skipped, with the reason printed, where no WebGPU adapter is found. The
 * tensor-count checks also run on cpu (they need no adapter).
 *
 * What is asserted, and why it holds:
 * - the same decisions at every controller draw (shared, controller and derive steps), in order:
 *   every uniform comes from the loop's generator, and a draw changes only where float32 rounding
 *   moves a probability across a uniform, which at these sizes it does not;
 * - accuracies equal (fractions of 8 images); losses, rewards, baselines, entropies, gradient norms
 *   within 1e-4 relative (float32 rounding in another kernel order, as the DARTS test), with an
 *   absolute floor of 1e-6 for values near 0 (an advantage, a REINFORCE loss);
 * - the same answer, and `tf.memory().numTensors` flat over each phase (the optimisers' buffers
 *   and the carried hidden states, created lazily, counted apart);
 * - paused and resumed on webgpu, the run ends bit for bit where the uninterrupted webgpu run ends.
 */
const SPACES: Record<string, { space: unknown; data: SearchConfigInput['data']; strategy?: object }> = {
  nb201: {
    space: { name: 'nb201', channels: 4, cellsPerStage: 1 },
    data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
  },
  'enas-micro': {
    space: { name: 'enas-micro', nodes: 2, layers: 1, channels: 4 },
    data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
  },
  'enas-rnn': {
    space: { name: 'enas-rnn', nodes: 3, hidden: 8 },
    data: { source: 'text', text: { bptt: 5, evalBatchSize: 4 } },
    strategy: { deriveBatches: 2, lmLr: 5 },
  },
};

const config = (name: string) =>
  parseSearchConfig({
    space: SPACES[name].space as SearchConfigInput['space'],
    strategy: {
      name: 'enas',
      controllerHidden: 8,
      controllerSteps: 2,
      controllerAggregate: 2,
      deriveSamples: 3,
      ...SPACES[name].strategy,
    } as SearchConfigInput['strategy'],
    data: SPACES[name].data,
    epochs: 1,
    batchSize: 8,
    stepsPerEpoch: 2,
    seed: 5,
  });

interface RunResult {
  phases: string[];
  metrics: StepMetrics[];
  /** Every controller draw's choices, in order. */
  draws: Choices[][];
  candidates: { text: string; score: number; round?: string }[];
  genotypeText: string;
  /** Per phase, live tensors (less lazily created optimiser buffers and carried states) after each step. */
  tensors: Record<string, number[]>;
  /** Every tensor of the strategy and the supernet at the end. */
  state: Record<string, number[]>;
}

/** Records the decisions of every draw of the session's controller (the program's result, after its reads). */
function recordDraws(s: SearchSession<unknown>, draws: Choices[][]): void {
  const ctl = (s.strategy as unknown as Enas).controller;
  const draw = ctl.drawReads.bind(ctl);
  ctl.drawReads = function* (rng: Rng, M: number): HostReads<DrawnSamples> {
    const d = yield* draw(rng, M);
    draws.push(d.choices.map((ch) => structuredClone(ch)));
    return d;
  };
}

/** Runs a search to its end; with `pauseAt`, checkpointed after that many steps and resumed in a new session. */
async function run(name: string, pauseAt?: number): Promise<RunResult> {
  const c = config(name);
  let s = new SearchSession<unknown>(c, await buildSearchData(c));
  const out: RunResult = {
    phases: [],
    metrics: [],
    draws: [],
    candidates: [],
    genotypeText: '',
    tensors: {},
    state: {},
  };
  recordDraws(s, out.draws);
  const lazy = () =>
    Object.keys(s.strategy.getState().tensors).filter((k) => /^(sgd\.|controller\.adam\.|lm\.)/.test(k))
      .length;
  while (!s.done) {
    if (s.step === pauseAt) {
      const snap = await captureSessionAsync(s);
      s.dispose();
      s = new SearchSession<unknown>(c, await buildSearchData(c));
      restoreSession(s, snap);
      recordDraws(s, out.draws);
    }
    const phase = s.info().phase;
    const r = await s.runStepAsync();
    out.phases.push(phase);
    out.metrics.push(r.metrics);
    for (const cand of r.candidates ?? [])
      out.candidates.push({ text: cand.text, score: cand.score, round: cand.round });
    (out.tensors[phase] ??= []).push(tf.memory().numTensors - lazy());
    if (r.epochEnd) out.genotypeText = r.epochEnd.genotypeText;
  }
  for (const [k, t] of [...Object.entries(s.strategy.getState().tensors), ...s.network.namedState()])
    out.state[k] = Array.from(await t.data());
  s.dispose();
  return out;
}

const EXACT = /^(trainAcc|childValAcc|lrWeights|tokens)$/;

function close(g: number, w: number, what: string): void {
  expect(Math.abs(g - w), what).toBeLessThanOrEqual(Math.max(1e-4 * Math.abs(w), 1e-6));
}

/** Compares one metrics record with cpu's by the rules of the file comment. */
function expectMetricsClose(got: StepMetrics, want: StepMetrics, what: string, images: boolean): void {
  expect(Object.keys(got).sort(), what).toEqual(Object.keys(want).sort());
  for (const [k, w] of Object.entries(want)) {
    // An image child's score is a mean accuracy: exact. A text one is c/perplexity: close.
    if (EXACT.test(k) || (images && /^(score|bestScore)$/.test(k))) expect(got[k], `${what} ${k}`).toBe(w);
    else close(got[k], w, `${what} ${k}`);
  }
}

function expectFlat(r: RunResult, name: string): void {
  for (const [phase, counts] of Object.entries(r.tensors)) {
    expect(counts.length, `${name} ${phase}: steps`).toBeGreaterThanOrEqual(3);
    expect(new Set(counts).size, `${name} ${phase}: live tensors per step ${counts}`).toBe(1);
  }
}

let skipReason = '';
const cpu: Record<string, RunResult> = {};

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  for (const name of Object.keys(SPACES)) cpu[name] = await run(name);
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`ENAS on webgpu skipped: ${skipReason}`);
  }
}, 600_000);

describe('ENAS on webgpu', () => {
  it('on cpu (the reference runs): every phase ran, no leak', () => {
    for (const [name, r] of Object.entries(cpu)) {
      expect(new Set(r.phases), name).toEqual(new Set(['search', 'derive']));
      // 2 shared steps + 2 controller steps × 2 samples, then 3 derive samples: one draw each step.
      expect(r.draws.length, name).toBe(r.phases.length);
      expectFlat(r, name);
    }
  });

  for (const name of Object.keys(SPACES))
    it(`${name}: both phases, the same decisions, metrics and answer as on cpu, no leak`, async (ctx) => {
      if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
      expect(tf.getBackend()).toBe('webgpu');
      const t0 = Date.now();
      const gpu = await run(name);
      const want = cpu[name];
      console.log(
        `ENAS ${name} on webgpu: ${gpu.metrics.length} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      expect(gpu.phases).toEqual(want.phases);
      expect(gpu.draws).toEqual(want.draws);
      const images = name !== 'enas-rnn';
      gpu.metrics.forEach((m, i) => expectMetricsClose(m, want.metrics[i], `step ${i}`, images));
      expect(gpu.candidates.map((c) => [c.text, c.round])).toEqual(
        want.candidates.map((c) => [c.text, c.round]),
      );
      gpu.candidates.forEach((c, i) => close(c.score, want.candidates[i].score, `candidate ${i}`));
      expect(gpu.genotypeText).toBe(want.genotypeText);
      expectFlat(gpu, name);
      const worst = Math.max(
        0,
        ...gpu.metrics.flatMap((m, i) =>
          Object.entries(m)
            .filter(([k]) => /Loss$/.test(k))
            .map(([k, v]) => Math.abs(v - want.metrics[i][k]) / (Math.abs(want.metrics[i][k]) || 1)),
        ),
      );
      console.log(`ENAS ${name}: max relative |Δ loss| ${worst.toExponential(2)}`);
    });

  // Paused in a controller step (3: after 2 shared steps and 1 controller step) and in the derive
  // phase (5), checkpointed (read asynchronously) and resumed in a new session: lavapipe's kernels are
  // deterministic, so the end state and every metric equal the uninterrupted webgpu run's.
  it('enas-micro: pause and resume end where the uninterrupted run does, bit for bit', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    const whole = await run('enas-micro');
    for (const at of [3, 5]) {
      const resumed = await run('enas-micro', at);
      expect(resumed.metrics, `paused at ${at}`).toEqual(whole.metrics);
      expect(resumed.draws, `paused at ${at}`).toEqual(whole.draws);
      expect(resumed.state, `paused at ${at}`).toEqual(whole.state);
      expect(resumed.genotypeText).toBe(whole.genotypeText);
    }
  });
});
