/**
 * `npm run bench -- --strategy NAME [--configs tiny,small,nb201] [--steps N] [--warmup N] [--candidates N] [--watch] [--out FILE]`
 *
 * Seconds per step of any registered strategy, phase by phase, through the real search loop
 * (SearchSession) on synthetic N(0,1) images with uniform labels (the protocol of darts-step.ts and
 * ../shared/reference-bench), next to a DARTS first-order step on the same config measured in the same
 * process, so that the ratio holds on whatever machine runs it. Phases that score candidates report
 * candidates per minute. Peak RSS is the process's so far (run one strategy per process for clean
 * figures). `--watch`: one more, untimed step of the first phase with tfjs's tensor bytes watched (the
 * step peak of bench/darts-step.ts), for the strategy and for DARTS. Never asserted in tests.
 * The 'rnn' config (a language-model space, enas-rnn) reads synthetic text instead: uniform token ids
 * batchified into BPTT windows (data/text-batches.ts), as the search does with a corpus.
 */
import * as tf from '../src/engine/tf';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus } from 'node:os';
import { chooseBackend } from '../src/engine/backend';
import { SPACE_SPECS, strategySpec } from '../src/engine/catalog';
import { parseSearchConfig, type SearchConfigInput } from '../src/engine/search/config';
import type { BatchSource } from '../src/engine/search/batch-source';
import { SearchSession, type SearchData } from '../src/engine/search/session';
import { TextBatchSource } from '../src/engine/data/text-batches';
import { Rng } from '../src/engine/util/rng';
import { peakTensorBytes } from '../src/engine/util/tensor-watch';
import { arg } from './darts-setup';
import { DARTS_PRIMITIVES } from '../src/engine/spaces/darts/primitives-contract';

/**
 * The bench's configs: the DARTS bench's tiny and small, NB201 at its defaults on 32×32, and a small
 * MobileNet-like space (3 stages × 2 layers, widths 16/24/32, on 16×16). DARTS runs on the first
 * three only: on 'mobilenet' the DARTS column is empty.
 */
const CONFIGS: Record<
  string,
  {
    space: SearchConfigInput['space'];
    batch: number;
    size: number;
    classes: number;
    /** Text configs: tokens per BPTT window (`classes` is then the vocabulary). */
    bptt?: number;
  }
> = {
  tiny: { space: { name: 'darts', cells: 5, channels: 8 }, batch: 8, size: 16, classes: 10 },
  small: { space: { name: 'darts', cells: 8, channels: 16 }, batch: 16, size: 32, classes: 10 },
  nb201: {
    space: { name: 'nb201', channels: 16, cellsPerStage: 5 } as unknown as SearchConfigInput['space'],
    batch: 64,
    size: 32,
    classes: 10,
  },
  micro: {
    space: { name: 'enas-micro', nodes: 5, layers: 1, channels: 8 } as unknown as SearchConfigInput['space'],
    batch: 16,
    size: 16,
    classes: 10,
  },
  mobilenet: {
    space: {
      name: 'mobilenet',
      stemChannels: 16,
      firstChannels: 8,
      widths: [16, 24, 32],
      depths: [2, 2, 2],
      strides: [1, 2, 2],
      lastChannels: 128,
    } as unknown as SearchConfigInput['space'],
    batch: 16,
    size: 16,
    classes: 10,
  },
  // A tiny ENAS RNN search: the reference's 12-node cell at hidden 64 on a 1000-word vocabulary,
  // 16 streams × 35 tokens per window (ENAS-pytorch: hidden 1000, 10k words, 64 × 35).
  rnn: {
    space: { name: 'enas-rnn', nodes: 12, hidden: 64 } as unknown as SearchConfigInput['space'],
    batch: 16,
    size: 0,
    classes: 1000,
    bptt: 35,
  },
};

/** Synthetic text data for a language-model config: uniform ids, 200 windows of search-train. */
function syntheticText(batch: number, bptt: number, vocab: number): SearchData {
  const ids = (n: number, seed: number) => {
    const rng = new Rng(seed);
    return Int32Array.from({ length: n }, () => rng.int(vocab));
  };
  const train = new TextBatchSource(ids(batch * (200 * bptt + 1), 1), batch, bptt, 'search-train');
  const val = new TextBatchSource(ids(batch * (50 * bptt + 1), 2), batch, bptt, 'search-val');
  const whole = new TextBatchSource(ids(10 * (50 * bptt + 1), 2), 10, bptt, 'validation');
  return {
    train,
    val,
    inChannels: 0,
    numClasses: vocab,
    text: { vocabSize: vocab, valSplit: () => whole.fromStart() },
  };
}

/** Fixed synthetic batches, as many per "epoch" as asked, new tensors on every call (the loop disposes them). */
class SyntheticBatches implements BatchSource {
  readonly batchesPerEpoch = 100_000;
  private readonly x: Float32Array;
  private readonly y: Int32Array;
  constructor(
    private readonly batch: number,
    private readonly size: number,
    classes: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    this.x = rng.fillNormal(batch * size * size * 3);
    this.y = Int32Array.from({ length: batch }, () => rng.int(classes));
  }
  next() {
    return { x: tf.tensor4d(this.x, [this.batch, this.size, this.size, 3]), y: tf.tensor1d(this.y, 'int32') };
  }
  getPosition() {
    return null;
  }
  restorePosition() {}
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const peakRss = () => Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);

interface PhaseRow {
  phase: string;
  secondsPerStep: number;
  stepSeconds: number[];
  candidatesPerMinute?: number;
  /** --watch: tfjs tensor bytes peak of one more step of this phase (first phase only), MiB. */
  tfPeakStepMB?: number;
}

/** Times every phase of `strategy` on `config`: `steps` timed steps after `warmup`, per phase. */
function benchStrategy(
  strategy: Record<string, unknown>,
  configName: string,
  steps: number,
  warmup: number,
  watch = false,
): PhaseRow[] {
  const c = CONFIGS[configName];
  // FairDARTS refuses 'none' (the reference's 7 ops); 'none' costs nothing in a mix, so the step's
  // work is the same as DARTS' on the 8 ops.
  const space =
    strategy.name === 'fairdarts' && c.space?.name === 'darts'
      ? { ...c.space, ops: DARTS_PRIMITIVES.filter((op) => op !== 'none') }
      : c.space;
  // ENAS on the RNN cell: the reference's one sample per controller step (its space preset).
  const own = c.bptt && strategy.name === 'enas' ? { ...strategy, controllerAggregate: 1 } : strategy;
  const config = parseSearchConfig({
    space,
    strategy: own,
    ...(c.bptt ? { data: { source: 'text', text: { bptt: c.bptt, evalBatchSize: 10 } } } : {}),
    // A strategy that needs particular labels (RLNAS: random) gets them; the bench's batches are synthetic anyway.
    ...(strategySpec(String(strategy.name)).labels
      ? { data: { labels: strategySpec(String(strategy.name)).labels } }
      : {}),
    epochs: 1,
    batchSize: c.batch,
    stepsPerEpoch: warmup + steps + (watch ? 1 : 0),
    seed: 0,
  });
  const session = new SearchSession<unknown>(
    config,
    c.bptt
      ? syntheticText(c.batch, c.bptt, c.classes)
      : {
          train: new SyntheticBatches(c.batch, c.size, c.classes, 1),
          val: new SyntheticBatches(c.batch, c.size, c.classes, 2),
          inChannels: 3,
          numClasses: c.classes,
          imageSize: c.size,
        },
  );
  const rows: PhaseRow[] = [];
  try {
    for (let p = 0; p < session.phases.length; p++) {
      // A phase whose epoch mixes two kinds of step (ENAS: shared-weight steps, then controller steps,
      // told apart by the controller's loss in the metrics) is timed per kind over its first epoch.
      const perKind = new Map<string, { times: number[]; seen: number; candidates: number }>();
      const limit =
        strategy.name === 'enas' && session.phases[p].name === 'search'
          ? session.phases[p].stepsPerEpoch
          : warmup + steps;
      for (let i = 0; i < limit && !session.done && session.info().phaseIndex === p; i++) {
        const t0 = performance.now();
        const r = session.runStep();
        const dt = (performance.now() - t0) / 1000;
        const kind =
          'controllerLoss' in r.metrics
            ? ' (controller)'
            : strategy.name === 'enas' && r.info.phase === 'search'
              ? ' (shared)'
              : '';
        const k = perKind.get(kind) ?? { times: [], seen: 0, candidates: 0 };
        perKind.set(kind, k);
        if (k.seen++ >= warmup) {
          k.times.push(dt);
          k.candidates += r.candidates?.length ?? 0;
        }
        process.stderr.write(
          `  ${configName} ${String(strategy.name)} ${r.info.phase}${kind}: step ${i + 1}/${limit} ${dt.toFixed(2)} s\n`,
        );
      }
      for (const [kind, { times, candidates }] of perKind) {
        const phase = session.phases[p].name + kind;
        const s = median(times);
        const watched =
          watch && p === 0 && !session.done && session.info().phaseIndex === p
            ? { tfPeakStepMB: peakTensorBytes(() => void session.runStep()) / 2 ** 20 }
            : {};
        rows.push({
          phase,
          secondsPerStep: s,
          stepSeconds: times,
          ...(candidates
            ? { candidatesPerMinute: (60 * candidates) / times.reduce((a, b) => a + b, 0) }
            : {}),
          ...watched,
        });
      }
      // What is left of this phase costs the same per step: on to the next.
      if (!session.done && session.info().phaseIndex === p) session.endPhase();
    }
  } finally {
    session.dispose();
  }
  return rows;
}

export async function strategyBench(): Promise<void> {
  const name = arg('strategy', 'random-search');
  const spec = strategySpec(name);
  const registered = SPACE_SPECS.map((s) => s.name as string);
  const configs = arg('configs', Object.keys(CONFIGS).join(','))
    .split(',')
    .filter((k) => {
      const space = CONFIGS[k]?.space?.name ?? '?';
      const ok = registered.includes(space) && spec.spaces.includes(space);
      if (!ok)
        process.stderr.write(
          `  skipping ${k}: ${CONFIGS[k] ? `${name} does not run on the ${space} space here` : 'unknown config'}\n`,
        );
      return ok;
    });
  const steps = Number(arg('steps', '3'));
  const warmup = Number(arg('warmup', '1'));
  const candidates = Number(arg('candidates', '4'));
  const report = await chooseBackend({
    prefer:
      arg('backend', 'auto') === 'auto'
        ? undefined
        : (arg('backend', 'auto') as 'wasm' | 'cpu' | 'tensorflow'),
  });
  // Phase 2's candidates: the reference's scoring (random search: 10 validation batches each; SPOS and
  // regularized evolution: BatchNorm recalibrated on 200 training batches, then 40 validation
  // batches; RLNAS: the angle, no data), only a few of them: the phase is sized to what the bench
  // times. PC-DARTS and P-DARTS without their warm-up, so that the timed steps include the α step.
  const n = warmup + candidates;
  const overrides: Record<string, Record<string, unknown>> = {
    'random-search': { candidates: n, rescoreTop: 1 },
    spos: { population: n, generations: 0, topK: 1, mutants: 0, crossovers: 0 },
    'regularized-evolution': { population: n, cycles: n },
    rlnas: { population: n, generations: 0, topK: 1, mutants: 0, crossovers: 0 },
    pcdarts: { warmupEpochs: 0 },
    pdarts: { warmupEpochs: 0 },
    // ENAS: the 'search' phase alternates shared and controller steps; timed apart below.
    enas: { controllerSteps: steps + warmup, controllerAggregate: 10, deriveSamples: n },
  };
  const strategy: Record<string, unknown> = { name, ...(overrides[name] ?? {}) };
  const watch = process.argv.includes('--watch');
  const rows = [];
  for (const k of configs) {
    const phases = benchStrategy(strategy, k, steps, warmup, watch);
    // The DARTS reference step, where DARTS runs on the config's space (not on 'mobilenet': NaN).
    const dartsRuns = strategySpec('darts').spaces.includes(CONFIGS[k].space?.name ?? '?');
    const darts =
      spec.name === 'darts'
        ? phases
        : dartsRuns
          ? benchStrategy({ name: 'darts', order: 'first' }, k, steps, warmup, watch)
          : [{ phase: 'none', secondsPerStep: NaN, stepSeconds: [] } as PhaseRow];
    const dartsStep = darts[0].secondsPerStep;
    const memory = watch
      ? {
          dartsTfPeakStepMB: darts[0].tfPeakStepMB,
          firstPhaseTfPeakVsDarts: (phases[0].tfPeakStepMB ?? NaN) / (darts[0].tfPeakStepMB ?? NaN),
        }
      : {};
    rows.push({
      config: k,
      backend: report.chosen,
      phases,
      dartsFirstOrderSecondsPerStep: dartsStep,
      firstPhaseVsDarts: phases[0].secondsPerStep / dartsStep,
      peakRssMB: peakRss() / 2 ** 20,
      ...memory,
    });
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    strategy: name,
    protocol: { warmup, steps, statistic: 'median seconds per step' },
    rows,
  };
  const out = arg('out', `bench/results/strategy-${name}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(
    '| config | backend | phase | s/step | candidates/min | DARTS 1st-order s/step (same run) | phase 1 / DARTS | peak RSS MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    for (const p of r.phases)
      console.log(
        `| ${r.config} | ${r.backend} | ${p.phase} | ${p.secondsPerStep.toFixed(3)} | ${p.candidatesPerMinute?.toFixed(1) ?? '-'} | ${r.dartsFirstOrderSecondsPerStep.toFixed(3)} | ${p === r.phases[0] ? r.firstPhaseVsDarts.toFixed(2) : '-'} | ${r.peakRssMB.toFixed(0)} |`,
      );
  if (watch)
    for (const r of rows)
      console.log(
        `${r.config}: tfjs step peak ${r.phases[0].tfPeakStepMB?.toFixed(1)} MiB (${name}) vs ${r.dartsTfPeakStepMB?.toFixed(1)} MiB (DARTS first order): ${r.firstPhaseTfPeakVsDarts?.toFixed(2)}×`,
      );
  console.log(`wrote ${out}`);
}
