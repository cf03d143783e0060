/**
 * `npm run bench [-- --backend wasm|cpu|tensorflow] [--configs tiny,small] [--orders first,second]
 *  [--steps N] [--warmup N] [--out FILE] [--compare]`
 *
 * Seconds per DARTS search step (α step + weight step, as the reference's training loop) on synthetic
 * N(0,1) images with uniform labels, the same protocol as ../shared/reference-bench. Reports the median
 * over timed steps after warm-up, achieved GFLOP/s (conv + matmul FLOPs: ~6 forward passes of work per
 * first-order step, ~13 per second-order step), peak RSS and tfjs memory. `--compare` runs every
 * available backend among wasm and cpu and prints a table.
 */
import * as tf from '../src/engine/tf';
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus } from 'node:os';
import { chooseBackend } from '../src/engine/backend';
import { DartsStrategySchema } from '../src/shared/search-config';
import { DartsSpaceSchema } from '../src/engine/spaces/darts/search-space';
import { SearchNetwork } from '../src/engine/spaces/darts/supernet';
import { Darts } from '../src/engine/strategies/darts';
import { Rng } from '../src/engine/util/rng';
import { countForwardFlops } from '../src/engine/spaces/darts/flops';
import { BYTES_PER_FORWARD_FLOP } from '../src/engine/search/memory';

const CONFIGS = {
  tiny: { batch: 8, C: 8, cells: 5, size: 16, classes: 10 },
  small: { batch: 16, C: 16, cells: 8, size: 32, classes: 10 },
} as const;
type ConfigName = keyof typeof CONFIGS;

/** Reference figures (official PyTorch DARTS on a 2-vCPU machine of this kind; ../shared/README.md). */
const REFERENCE_SECONDS: Record<ConfigName, Record<'first' | 'second', [number, number]>> = {
  tiny: { first: [1.9, 2.1], second: [4.3, 5.2] },
  small: { first: [11.5, 18.6], second: [25.5, 30.9] },
};

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
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
  peakRssMB: number;
  tfBytesMB: number;
  referenceSeconds: [number, number];
  speedupVsReferenceMid: number;
}

async function benchOne(backend: string, config: ConfigName, order: 'first' | 'second', steps: number, warmup: number): Promise<Row> {
  const c = CONFIGS[config];
  const space = DartsSpaceSchema.parse({ cells: c.cells, channels: c.C });
  const rng = new Rng(0);
  const net = new SearchNetwork(space, 3, c.classes, rng);
  const darts = new Darts(net, DartsStrategySchema.parse({ name: 'darts', order }), rng);
  const batch = () => ({
    x: tf.tensor4d(rng.fillNormal(c.batch * c.size * c.size * 3), [c.batch, c.size, c.size, 3]),
    y: tf.tensor1d(Array.from({ length: c.batch }, () => rng.int(c.classes)), 'int32'),
  });
  const train = batch();
  const val = batch();
  const times: number[] = [];
  let peakRss = process.memoryUsage().rss;
  const info = { epoch: 0, stepInEpoch: 0, globalStep: 0, stepsPerEpoch: 1, totalEpochs: 50 };
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    darts.step(train, val, info);
    const dt = (performance.now() - t0) / 1000;
    if (i >= warmup) times.push(dt);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    process.stderr.write(`  ${backend} ${config} ${order}: step ${i + 1}/${warmup + steps} ${dt.toFixed(2)} s\n`);
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
    peakRssMB: peakRss / 2 ** 20,
    tfBytesMB: tf.memory().numBytes / 2 ** 20,
    referenceSeconds: ref,
    speedupVsReferenceMid: (ref[0] + ref[1]) / 2 / s,
  };
  tf.dispose([train.x, train.y, val.x, val.y]);
  darts.dispose();
  net.dispose();
  return row;
}

async function main() {
  const configs = arg('configs', 'tiny,small').split(',') as ConfigName[];
  const orders = arg('orders', 'first,second').split(',') as Array<'first' | 'second'>;
  const steps = Number(arg('steps', '3'));
  const warmup = Number(arg('warmup', '1'));
  const compare = process.argv.includes('--compare');
  const backends = compare ? ['wasm', 'cpu'] : [arg('backend', 'auto')];
  const rows: Row[] = [];
  for (const b of backends) {
    for (const config of configs) {
      // The wasm heap holds at most 4 GB: configs that need more run on the next backend, and the row says so.
      const c = CONFIGS[config];
      const space = DartsSpaceSchema.parse({ cells: c.cells, channels: c.C });
      const need = countForwardFlops(space, c.size, 3, c.classes) * c.batch * BYTES_PER_FORWARD_FLOP;
      const report = await chooseBackend({ prefer: b === 'auto' ? undefined : (b as 'wasm' | 'cpu' | 'tensorflow'), memoryNeedBytes: need });
      if (b !== 'auto' && report.chosen !== b) process.stderr.write(`  ${config}: ${b} rejected (${report.attempts[0].detail}); using ${report.chosen}\n`);
      for (const order of orders) rows.push(await benchOne(report.chosen, config, order, steps, warmup));
    }
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version },
    protocol: { warmup, steps, statistic: 'median seconds per step' },
    rows,
  };
  const out = arg('out', 'bench/results/darts-step.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(result, null, 2));
  console.log('| backend | config | order | s/step | GFLOP/s | vs PyTorch ref | peak RSS MB |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.backend} | ${r.config} | ${r.order} | ${r.secondsPerStep.toFixed(2)} | ${r.gflops.toFixed(2)} | ${r.speedupVsReferenceMid.toFixed(2)}x | ${r.peakRssMB.toFixed(0)} |`,
    );
  console.log(`wrote ${out}`);
}

await main();
