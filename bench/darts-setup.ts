/**
 * What the bench scripts share: the DARTS configs of the speed issue, argument reading, and one search
 * step ready to run (supernet, strategy, one fixed synthetic train and val batch of N(0,1) images
 * with uniform labels, as ../shared/reference-bench does).
 */
import * as tf from '../src/engine/tf';
import { DartsStrategySchema } from '../src/shared/search-config';
import { DartsSpaceSchema, type DartsSpace } from '../src/engine/spaces/darts/search-space';
import { SearchNetwork, type Recompute } from '../src/engine/spaces/darts/supernet';
import { Darts } from '../src/engine/strategies/darts';
import { Rng } from '../src/engine/util/rng';

export const CONFIGS = {
  tiny: { batch: 8, C: 8, cells: 5, size: 16, classes: 10 },
  small: { batch: 16, C: 16, cells: 8, size: 32, classes: 10 },
} as const;
export type ConfigName = keyof typeof CONFIGS;

/** The value after `--name` on the command line, or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

export function spaceOf(config: ConfigName): DartsSpace {
  const c = CONFIGS[config];
  return DartsSpaceSchema.parse({ cells: c.cells, channels: c.C });
}

/** One DARTS search step of `config`, seeded; `step()` runs it, `dispose()` frees everything. */
export function dartsStep(config: ConfigName, order: 'first' | 'second', recompute?: Recompute) {
  const c = CONFIGS[config];
  const space = spaceOf(config);
  const rng = new Rng(0);
  const net = new SearchNetwork(space, 3, c.classes, rng);
  if (recompute) net.recompute = recompute;
  const darts = new Darts(net, DartsStrategySchema.parse({ name: 'darts', order }), rng);
  const batch = () => ({
    x: tf.tensor4d(rng.fillNormal(c.batch * c.size * c.size * 3), [c.batch, c.size, c.size, 3]),
    y: tf.tensor1d(
      Array.from({ length: c.batch }, () => rng.int(c.classes)),
      'int32',
    ),
  });
  const train = batch();
  const val = batch();
  const info = {
    phase: 'search',
    phaseIndex: 0,
    epoch: 0,
    stepInEpoch: 0,
    globalStep: 0,
    stepsPerEpoch: 1,
    totalEpochs: 50,
  };
  // The same two batches every step (the bench times the step, not the data pipeline).
  const ctx = { info, rng, train: () => train, val: () => val };
  return {
    space,
    net,
    step: () => darts.step(ctx),
    /** The step as the search loop runs it (runStepAsync): on webgpu with a pause between passes. */
    stepAsync: () => darts.stepAsync(ctx),
    dispose: () => {
      tf.dispose([train.x, train.y, val.x, val.y]);
      darts.dispose();
      net.dispose();
    },
  };
}
