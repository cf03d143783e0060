/**
 * `npm run bench [-- --backend webgpu|wasm|cpu|tensorflow] [--configs tiny,small] [--orders first,second]
 *  [--steps N] [--warmup N] [--recompute cell|edge|off] [--no-watch] [--out FILE] [--compare] [--reference DIR]`
 *
 * Seconds per DARTS search step (α step + weight step, as the reference's training loop) on synthetic
 * N(0,1) images with uniform labels, the same protocol as ../shared/reference-bench. Reports the median
 * over timed steps after warm-up, achieved GFLOP/s (conv + matmul FLOPs: ~6 forward passes of work per
 * first-order step, ~13 per second-order step; recomputation's extra forward passes are not counted),
 * the process's peak RSS so far (getrusage maxRSS: run one config and order per process for clean
 * figures), and the peak of tfjs's tensor byte count over one extra, untimed step (unless --no-watch;
 * a clone counts its shared data again), next to the estimate of src/engine/search/memory.ts.
 * `--recompute` sets the supernet's gradient checkpointing (default: the network's, per mixed op).
 * `--compare` runs every available backend among wasm and cpu and prints a table.
 * `--reference DIR` reads the JSON files that ../shared/reference-bench's bench_cnn.py wrote on this
 * machine (`--out DIR/<config>-<order>.json`) and reports the ratio against those side-by-side
 * figures too: the machines of this kind differ by up to 3x from day to day, so only a ratio
 * measured on one machine in one session means anything (docs/performance.md).
 */
import * as tf from '../src/engine/tf';
import { writeFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cpus } from 'node:os';
import { chooseBackend } from '../src/engine/backend';
import { peakTensorBytesAsync } from '../src/engine/util/tensor-watch';
import { countForwardFlops } from '../src/engine/spaces/darts/flops';
import { estimateSpaceStepBytes } from '../src/engine/search/memory';
import type { Recompute } from '../src/engine/spaces/darts/supernet';
import { CONFIGS, arg, dartsStep, spaceOf, type ConfigName } from './darts-setup';

const USAGE = `npm run bench [-- --backend webgpu|wasm|cpu|tensorflow] [--configs tiny,small] [--orders first,second]
  [--steps N] [--warmup N] [--recompute cell|edge|off] [--no-watch] [--out FILE] [--compare] [--reference DIR]
npm run bench -- --strategy NAME [--configs tiny,small,nb201] [--steps N] [--warmup N] [--candidates N]   (see bench/strategy-bench.ts)
npm run bench -- --train [--configs darts-v2,cpu] [--batch N] [--steps N] [--warmup N] [--backend NAME] [--out FILE]   (see bench/train-step.ts)`;

/** Reference figures (official PyTorch DARTS on a 2-vCPU machine of this kind; ../shared/README.md). */
const REFERENCE_SECONDS: Record<ConfigName, Record<'first' | 'second', [number, number]>> = {
  tiny: { first: [1.9, 2.1], second: [4.3, 5.2] },
  small: { first: [11.5, 18.6], second: [25.5, 30.9] },
};

/** The PyTorch reference measured on this machine: bench_cnn.py's median seconds per step, by config and order. */
type MeasuredReference = Partial<Record<string, { seconds: number; file: string }>>;

function readMeasuredReference(dir: string): MeasuredReference {
  const out: MeasuredReference = {};
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (e) {
    throw new Error(`--reference ${dir}: cannot read the folder (${(e as Error).message})`);
  }
  for (const f of files) {
    const j = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
      kind?: string;
      config?: string;
      unrolled?: boolean;
      median_s_per_step?: number;
    };
    if (j.kind !== 'cnn_search_step' || typeof j.median_s_per_step !== 'number') continue;
    out[`${j.config}-${j.unrolled ? 'second' : 'first'}`] = {
      seconds: j.median_s_per_step,
      file: join(dir, f),
    };
  }
  if (Object.keys(out).length === 0)
    throw new Error(`--reference ${dir}: no bench_cnn.py result (kind "cnn_search_step") in that folder`);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

interface Row {
  backend: string;
  config: ConfigName;
  order: 'first' | 'second';
  secondsPerStep: number;
  stepSeconds: number[];
  gflopPerStep: number;
  gflops: number;
  recompute: Recompute;
  peakRssMB: number;
  tfBytesMB: number;
  /** Peak tfjs tensor memory over one watched step, above what was held before it. */
  tfPeakStepMB: number | null;
  /** What src/engine/search/memory.ts estimates for this step. */
  estimateMB: number;
  referenceSeconds: [number, number];
  speedupVsReferenceMid: number;
  /** The reference measured on this machine (--reference), and our speed-up over it. */
  referenceHereSeconds?: number;
  speedupVsReferenceHere?: number;
}

function peakRss(): number {
  return Math.max(process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
}

async function benchOne(
  backend: string,
  config: ConfigName,
  order: 'first' | 'second',
  steps: number,
  warmup: number,
  recompute: Recompute | undefined,
  watch: boolean,
): Promise<Row> {
  const c = CONFIGS[config];
  const { space, net, stepAsync, dispose } = dartsStep(config, order, recompute);
  const times: number[] = [];
  let peak = peakRss();
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    // On webgpu the step's metrics come back unread: awaiting them waits for the GPU to finish, so
    // the time is the step's (elsewhere the step read them already).
    await (await stepAsync()).metricsLater?.();
    const dt = (performance.now() - t0) / 1000;
    if (i >= warmup) times.push(dt);
    peak = Math.max(peak, peakRss());
    process.stderr.write(
      `  ${backend} ${config} ${order} recompute ${net.recompute}: step ${i + 1}/${warmup + steps} ${dt.toFixed(2)} s\n`,
    );
  }
  let tfPeakStepMB: number | null = null;
  if (watch) {
    // One more step with every new tensor's bytes watched (tf.profile crashed on the small config
    // on wasm): tfjs's byte count peaks somewhere inside the step, not at its end.
    const before = tf.memory().numBytes;
    let watched: Awaited<ReturnType<typeof stepAsync>> | undefined;
    const top = before + (await peakTensorBytesAsync(async () => void (watched = await stepAsync())));
    await watched?.metricsLater?.();
    tfPeakStepMB = (top - before) / 2 ** 20;
    peak = Math.max(peak, peakRss());
    process.stderr.write(
      `  watched step: tfjs bytes peak ${tfPeakStepMB.toFixed(0)} MB above the ${(before / 2 ** 20).toFixed(0)} MB held\n`,
    );
  }
  const fwdPerImage = countForwardFlops(space, c.size, 3, c.classes);
  const gflopPerStep = (fwdPerImage * c.batch * (order === 'first' ? 6 : 13)) / 1e9;
  const s = median(times);
  const ref = REFERENCE_SECONDS[config][order];
  const row: Row = {
    backend,
    config,
    order,
    secondsPerStep: s,
    stepSeconds: times,
    gflopPerStep,
    gflops: gflopPerStep / s,
    recompute: net.recompute,
    peakRssMB: peak / 2 ** 20,
    tfBytesMB: tf.memory().numBytes / 2 ** 20,
    tfPeakStepMB,
    estimateMB: estimateSpaceStepBytes(space, c.size, c.batch, net.recompute) / 2 ** 20,
    referenceSeconds: ref,
    speedupVsReferenceMid: (ref[0] + ref[1]) / 2 / s,
  };
  dispose();
  return row;
}

async function main() {
  if (process.argv.includes('--help')) {
    console.log(USAGE);
    return;
  }
  if (process.argv.includes('--train')) {
    // Training a found architecture from scratch (bench/train-step.ts).
    await (await import('./train-step')).trainBench();
    return;
  }
  if (process.argv.includes('--strategy') && arg('strategy', 'darts') !== 'darts') {
    // Any other registered strategy: through the search loop, phase by phase (strategy-bench.ts).
    await (await import('./strategy-bench')).strategyBench();
    return;
  }
  const recompute = process.argv.includes('--recompute')
    ? (arg('recompute', 'cell') as Recompute)
    : undefined;
  if (recompute && !['cell', 'edge', 'off'].includes(recompute))
    throw new Error(`--recompute: cell, edge or off, not ${recompute}`);
  const watch = !process.argv.includes('--no-watch');
  const measured = process.argv.includes('--reference')
    ? readMeasuredReference(arg('reference', ''))
    : undefined;
  const configs = arg('configs', 'tiny,small').split(',') as ConfigName[];
  const orders = arg('orders', 'first,second').split(',') as Array<'first' | 'second'>;
  const steps = Number(arg('steps', '3'));
  const warmup = Number(arg('warmup', '1'));
  const compare = process.argv.includes('--compare');
  const backends = compare ? ['wasm', 'cpu'] : [arg('backend', 'auto')];
  const rows: Row[] = [];
  const backendDetails: Record<string, string | undefined> = {};
  for (const b of backends) {
    for (const config of configs) {
      // The wasm heap holds at most 4 GB: configs that need more run on the next backend, and the row says so.
      const c = CONFIGS[config];
      const need = estimateSpaceStepBytes(spaceOf(config), c.size, c.batch, recompute);
      const report = await chooseBackend({
        prefer: b === 'auto' ? undefined : (b as 'webgpu' | 'wasm' | 'cpu' | 'tensorflow'),
        memoryNeedBytes: need,
      });
      backendDetails[report.chosen] = report.attempts.find(
        (a) => a.backend === report.chosen && a.ok,
      )?.detail;
      if (b !== 'auto' && report.chosen !== b)
        process.stderr.write(
          `  ${config}: ${b} rejected (${report.attempts[0].detail}); using ${report.chosen}\n`,
        );
      for (const order of orders) {
        const row = await benchOne(report.chosen, config, order, steps, warmup, recompute, watch);
        const here = measured?.[`${config}-${order}`];
        if (here)
          Object.assign(row, {
            referenceHereSeconds: here.seconds,
            speedupVsReferenceHere: here.seconds / row.secondsPerStep,
          });
        rows.push(row);
      }
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    protocol: { warmup, steps, statistic: 'median seconds per step' },
    referenceMeasuredHere: measured,
    backendDetails,
    rows,
  };
  const out = arg('out', 'bench/results/darts-step.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(
    '| backend | config | order | recompute | s/step | GFLOP/s | vs PyTorch ref figures | PyTorch here s/step | vs PyTorch here | peak RSS MB | tfjs step peak MB | estimate MB |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.backend} | ${r.config} | ${r.order} | ${r.recompute} | ${r.secondsPerStep.toFixed(2)} | ${r.gflops.toFixed(2)} | ${r.speedupVsReferenceMid.toFixed(2)}x | ${r.referenceHereSeconds?.toFixed(2) ?? '-'} | ${r.speedupVsReferenceHere ? `${r.speedupVsReferenceHere.toFixed(2)}x` : '-'} | ${r.peakRssMB.toFixed(0)} | ${r.tfPeakStepMB?.toFixed(0) ?? '-'} | ${r.estimateMB.toFixed(0)} |`,
    );
  console.log(`wrote ${out}`);
}

await main();
