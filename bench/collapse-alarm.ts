/**
 * `node scripts/run-ts.mjs bench/collapse-alarm.ts [--config tiny|small] [--iterations N] [--backend cpu|wasm] [--readings N]`
 *
 * The collapse alarm's cost: one Hessian eigenvalue reading (the DARTS strategy's epochEnd with the
 * alarm on, `--iterations` power iterations) against 10 DARTS first-order steps on the same config
 * (bench/darts-setup.ts's configs, synthetic N(0,1) batches), in one process so the ratio holds on
 * whatever machine runs it. Never asserted in tests; docs/strategies.md reports it.
 */
import * as tf from '../src/engine/tf';
import { chooseBackend } from '../src/engine/backend';
import { DartsStrategySchema } from '../src/shared/search-config';
import { SearchNetwork } from '../src/engine/spaces/darts/supernet';
import { Darts } from '../src/engine/strategies/darts';
import { Rng } from '../src/engine/util/rng';
import { arg, CONFIGS, spaceOf, type ConfigName } from './darts-setup';

await chooseBackend({ prefer: arg('backend', 'cpu') as 'cpu' });
const name = arg('config', 'tiny') as ConfigName;
const c = CONFIGS[name];
const iterations = Number(arg('iterations', '10'));
const rng = new Rng(0);
const net = new SearchNetwork(spaceOf(name), 3, c.classes, rng);
const darts = new Darts(
  net,
  DartsStrategySchema.parse({
    name: 'darts',
    collapseAlarm: 'warn',
    hessianEvery: 1,
    hessianIterations: iterations,
  }),
  rng,
);
const batch = () => ({
  x: tf.tensor4d(rng.fillNormal(c.batch * c.size * c.size * 3), [c.batch, c.size, c.size, 3]),
  y: tf.tensor1d(
    Array.from({ length: c.batch }, () => rng.int(c.classes)),
    'int32',
  ),
});
const train = batch();
const val = batch();
const info = (stepInEpoch: number) => ({
  phase: 'search',
  phaseIndex: 0,
  epoch: 0,
  stepInEpoch,
  globalStep: 0,
  stepsPerEpoch: 2,
  totalEpochs: 50,
});
const ctx = (i: number) => ({ info: info(i), rng, train: () => train, val: () => val });
darts.step(ctx(0)); // warm-up (kernels, momentum buffers)
let t0 = performance.now();
for (let i = 0; i < 10; i++) darts.step(ctx(0));
const steps = (performance.now() - t0) / 1000;
console.log(`10 steps: ${steps.toFixed(2)} s`);
const times: number[] = [];
let last: Record<string, number> = {};
const readings = Number(arg('readings', '1'));
for (let r = 0; r < readings; r++) {
  darts.step(ctx(1)); // the epoch's last step keeps its validation batch for the reading
  t0 = performance.now();
  last = darts.epochEnd(info(1)).metrics;
  times.push((performance.now() - t0) / 1000);
  console.log(`reading ${r + 1}: ${times[r].toFixed(2)} s, ${last.hessianProducts} products`);
}
const reading = Math.min(...times);
console.log(
  JSON.stringify({
    config: name,
    backend: tf.getBackend(),
    iterations,
    products: last.hessianProducts,
    eigenvalue: last.hessianEigenvalue,
    tenStepsSeconds: Number(steps.toFixed(3)),
    readingSeconds: Number(reading.toFixed(3)),
    readingInSteps: Number(((10 * reading) / steps).toFixed(2)),
  }),
);
tf.dispose([train.x, train.y, val.x, val.y]);
darts.dispose();
net.dispose();
