import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import type { SessionSnapshot } from '../search/checkpoint';
import { buildAnyTrainData, openTrainSession, type AnyTrainSession } from './any-session';
import type { LmStepReport } from './lm-session';
import type { TrainStepReport } from './session';
import { parseTrainConfig, type TrainConfig, type TrainConfigInput } from './train-config';

/**
 * Final training on webgpu (lavapipe in CI) through the asynchronous path the run machinery takes
 * (runStepAsync: the step's scalars read at its end, the epoch's evaluation in one read; captureAsync
 * for checkpoints), against the same training on cpu. Tiny on purpose, a software adapter is slow:
 * - an image classifier: NB201 with 4 channels and 1 cell per stage on 8×8 synthetic images, batch 8,
 *   2 epochs of 3 steps, the test split evaluated after each;
 * - a language model: a 4-node ENAS RNN cell at hidden 8 on the bundled corpus, windows of 6 tokens,
 *   2 epochs of 3 steps, the validation and test splits scored after each.
 * Skipped, with the reason printed, where no WebGPU adapter is found.
 *
 * What is asserted, and why it holds:
 * - losses (and perplexities, gradient norms) within 1e-4 relative: float32 rounding in another
 *   kernel order, carried through a few SGD steps (the search strategies' webgpu tests use the same);
 * - accuracies and the confusion matrix equal: fractions of 8 images (or counts of the test split)
 *   that only an argmax flipped by rounding could change;
 * - `tf.memory().numTensors` flat from the second step (SGD's momentum buffers are created by the
 *   first), epoch ends included;
 * - a run paused mid-epoch 2 (captureAsync, a new session, restore) ends bit for bit where the
 *   uninterrupted run on webgpu does: every report and every checkpoint tensor's bytes (lavapipe's
 *   kernels are deterministic);
 * - on cpu, runStepAsync gives bit for bit what runStep gives (both drive the same program).
 */
const KINDS: Record<'image' | 'text', TrainConfigInput> = {
  image: {
    kind: 'train',
    space: { name: 'nb201' } as never,
    architecture: {
      text: '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
    },
    network: { channels: 4, cellsPerStage: 1 },
    recipe: { preset: 'cpu', epochs: 2, batchSize: 8, stepsPerEpoch: 3 },
    data: { source: 'synthetic', synthetic: { size: 48, imageSize: 8, channels: 3, classes: 4 } },
    seed: 5,
  },
  text: {
    kind: 'train',
    space: { name: 'enas-rnn', nodes: 4, hidden: 16 } as never,
    architecture: { text: 'n0=tanh(x,h) n1=ReLU(n0) n2=sigmoid(n0) n3=identity(n2)' },
    network: { hidden: 8 },
    recipe: { preset: 'cpu', epochs: 2, batchSize: 8, stepsPerEpoch: 3 },
    data: { source: 'text', text: { bptt: 6, evalBatchSize: 64 } } as never,
    seed: 3,
  },
};
/** The step before which the interrupted run pauses: mid-epoch 2, after an evaluation. */
const PAUSE_AT = 4;

type Report = TrainStepReport | LmStepReport;
interface RunResult {
  reports: Report[];
  /** Live tensors after each step (the uninterrupted run only). */
  tensors: number[];
  end: SessionSnapshot;
}

async function open(config: TrainConfig): Promise<AnyTrainSession> {
  return openTrainSession(config, await buildAnyTrainData(config));
}

/** Trains to the end with runStepAsync (or runStep), pausing before step `pauseAt` when given. */
async function train(
  config: TrainConfig,
  opts: { pauseAt?: number; sync?: boolean } = {},
): Promise<RunResult> {
  let s = await open(config);
  const out: RunResult = { reports: [], tensors: [], end: undefined as never };
  try {
    while (!s.done) {
      if (s.step === opts.pauseAt) {
        const snap = await s.captureAsync();
        s.dispose();
        s = await open(config);
        s.restore(snap);
      }
      out.reports.push(opts.sync ? s.runStep() : await s.runStepAsync());
      out.tensors.push(tf.memory().numTensors);
    }
    out.end = await s.captureAsync();
  } finally {
    s.dispose();
  }
  return out;
}

/** Every number of a report by its path (metrics, epochEnd, final; the confusion matrix's cells too). */
function numbers(r: Report): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (v: unknown, path: string) => {
    if (typeof v === 'number') out.set(path, v);
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${path}.${k}`);
  };
  walk({ metrics: r.metrics, epochEnd: r.epochEnd, final: r.final }, 'report');
  return out;
}

const EXACT = /\.(acc|trainAcc|testAcc|lr|dropPath)$|confusion|perClassAcc/;

function expectClose(got: Report[], want: Report[]): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  got.forEach((g, i) => {
    const [gn, wn] = [numbers(g), numbers(want[i])];
    expect([...gn.keys()].sort(), `step ${i}`).toEqual([...wn.keys()].sort());
    for (const [k, w] of wn) {
      const v = gn.get(k) as number;
      if (EXACT.test(k)) expect(v, `step ${i} ${k}`).toBe(w);
      else {
        const rel = Math.abs(v - w) / Math.max(Math.abs(w), 1e-12);
        worst = Math.max(worst, rel);
        expect(rel, `step ${i} ${k}: ${v} vs ${w}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });
  return worst;
}

function expectSameSnapshot(a: SessionSnapshot, b: SessionSnapshot): void {
  expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
  for (const [name, t] of Object.entries(a.tensors))
    expect(Buffer.from(b.tensors[name].data.buffer).equals(Buffer.from(t.data.buffer)), name).toBe(true);
  expect(b.meta).toEqual(a.meta);
}

let skipReason = '';
const cpu: Partial<Record<keyof typeof KINDS, RunResult>> = {};
const configs = Object.fromEntries(
  Object.entries(KINDS).map(([k, input]) => [k, parseTrainConfig(input, 'test')]),
) as Record<keyof typeof KINDS, TrainConfig>;

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
    cpu[kind] = await train(configs[kind]);
    // The two drivers of the same program: bit for bit the same on a backend that reads synchronously.
    const sync = await train(configs[kind], { sync: true });
    expect(sync.reports, `${kind}: runStep vs runStepAsync on cpu`).toEqual(cpu[kind]?.reports);
    expectSameSnapshot(cpu[kind]?.end as SessionSnapshot, sync.end);
  }
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`final training on webgpu skipped: ${skipReason}`);
  }
}, 600_000);

describe('final training on webgpu', () => {
  for (const kind of Object.keys(KINDS) as (keyof typeof KINDS)[])
    it(`${kind === 'image' ? 'NB201 image classifier' : 'ENAS RNN language model'}: as on cpu, no leak, paused and resumed bit for bit`, async (ctx) => {
      if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
      expect(tf.getBackend()).toBe('webgpu');
      const t0 = Date.now();
      const gpu = await train(configs[kind]);
      const want = cpu[kind] as RunResult;
      const worst = expectClose(gpu.reports, want.reports);
      expect(gpu.reports.filter((r) => r.epochEnd).length, 'both epochs evaluated').toBe(2);
      expect(gpu.reports.at(-1)?.final).toBeDefined();
      expect(new Set(gpu.tensors.slice(1)).size, `live tensors per step ${gpu.tensors}`).toBe(1);
      console.log(
        `${kind} training on webgpu: ${gpu.reports.length} steps in ${((Date.now() - t0) / 1000).toFixed(1)} s, max relative |Δ| of losses ${worst.toExponential(2)}`,
      );
      const resumed = await train(configs[kind], { pauseAt: PAUSE_AT });
      expect(resumed.reports).toEqual(gpu.reports);
      expectSameSnapshot(gpu.end, resumed.end);
    }, 600_000);
});
