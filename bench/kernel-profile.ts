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
import type { Recompute } from '../src/engine/spaces/darts/supernet';
import { arg, dartsStep, type ConfigName } from './darts-setup';

const backend = arg('backend', 'wasm') as 'wasm' | 'cpu';
const config = arg('config', 'tiny') as ConfigName;
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

const { step } = dartsStep(config, order, (recompute || undefined) as Recompute | undefined);
step();
timing = true;
const t0 = performance.now();
step();
const total = performance.now() - t0;
const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
const inKernels = topLevelMs;
console.log(
  `${backend} ${config} ${order}: step ${(total / 1000).toFixed(2)} s; in kernels ${(inKernels / 1000).toFixed(2)} s; outside ${((total - inKernels) / 1000).toFixed(2)} s`,
);
console.log('| kernel | calls | ms | share |\n|---|---|---|---|');
for (const [name, v] of rows.slice(0, 30))
  console.log(`| ${name} | ${v.calls} | ${v.ms.toFixed(0)} | ${((100 * v.ms) / total).toFixed(1)}% |`);
