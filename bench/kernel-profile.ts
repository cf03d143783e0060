/**
 * `node scripts/run-ts.mjs bench/kernel-profile.ts [--backend wasm|cpu] [--config tiny|small] [--order first|second]
 *  [--recompute edge|cell|off]`
 *
 * Where a DARTS search step's time goes: wraps every kernel of the backend with a timer, runs one
 * warm-up and one timed step, and prints the kernels by total time (calls, ms, share) and the time
 * spent outside kernels (tfjs's engine, tape and the engine's own JavaScript). Kernels on wasm and
 * cpu run synchronously, so wall time around a kernel call is its cost. A kernel that calls others
 * (the engine's composite kernels do) counts them in its own time too, so per-kernel times overlap;
 * the in-kernels total counts only outermost calls. For finding hot spots; the figures of record
 * come from bench/darts-step.ts.
 */
import * as tf from '../src/engine/tf';
import { chooseBackend } from '../src/engine/backend';
import { DartsStrategySchema } from '../src/shared/search-config';
import { DartsSpaceSchema } from '../src/engine/spaces/darts/search-space';
import { SearchNetwork } from '../src/engine/spaces/darts/supernet';
import { Darts } from '../src/engine/strategies/darts';
import { Rng } from '../src/engine/util/rng';

const CONFIGS = {
  tiny: { batch: 8, C: 8, cells: 5, size: 16, classes: 10 },
  small: { batch: 16, C: 16, cells: 8, size: 32, classes: 10 },
} as const;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const config = arg('config', 'tiny') as keyof typeof CONFIGS;
const order = arg('order', 'first') as 'first' | 'second';
const recompute = arg('recompute', '');
await chooseBackend({ prefer: backend });

const stats = new Map<string, { calls: number; ms: number }>();
let timing = false;
let depth = 0;
let topLevelMs = 0;
for (const k of tf.getKernelsForBackend(backend)) {
  const inner = k.kernelFunc;
  tf.unregisterKernel(k.kernelName, backend);
  tf.registerKernel({
    ...k,
    kernelFunc: ((args: Parameters<typeof inner>[0]) => {
      if (!timing) return inner(args);
      const t0 = performance.now();
      depth++;
      let out;
      try {
        out = inner(args);
      } finally {
        depth--;
      }
      const ms = performance.now() - t0;
      if (depth === 0) topLevelMs += ms;
      const s = stats.get(k.kernelName) ?? { calls: 0, ms: 0 };
      s.calls++;
      s.ms += ms;
      stats.set(k.kernelName, s);
      return out;
    }) as typeof inner,
  });
}

const c = CONFIGS[config];
const rng = new Rng(0);
const space = DartsSpaceSchema.parse({ cells: c.cells, channels: c.C });
const net = new SearchNetwork(space, 3, c.classes, rng);
if (recompute) net.recompute = recompute as typeof net.recompute;
const darts = new Darts(net, DartsStrategySchema.parse({ name: 'darts', order }), rng);
const batch = () => ({
  x: tf.tensor4d(rng.fillNormal(c.batch * c.size * c.size * 3), [c.batch, c.size, c.size, 3]),
  y: tf.tensor1d(Array.from({ length: c.batch }, () => rng.int(c.classes)), 'int32'),
});
const train = batch();
const val = batch();
const info = { epoch: 0, stepInEpoch: 0, globalStep: 0, stepsPerEpoch: 1, totalEpochs: 50 };
darts.step(train, val, info);
timing = true;
const t0 = performance.now();
darts.step(train, val, info);
const total = performance.now() - t0;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = topLevelMs;
console.log(`${backend} ${config} ${order}: step ${(total / 1000).toFixed(2)} s; in kernels ${(inKernels / 1000).toFixed(2)} s; outside ${((total - inKernels) / 1000).toFixed(2)} s`);
console.log('| kernel | calls | ms | share |\n|---|---|---|---|');
for (const [name, v] of rows.slice(0, 30)) console.log(`| ${name} | ${v.calls} | ${v.ms.toFixed(0)} | ${((100 * v.ms) / total).toFixed(1)}% |`);
