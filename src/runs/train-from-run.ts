import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spaceOf } from '../engine/catalog';
import type { RecipeName } from '../engine/train/recipes';
import type { TrainConfigInput } from '../engine/train/train-config';
import type { RunDir } from './run-dir';

export interface TrainFromRunOptions {
  /** The architecture at the end of this epoch (0-based, as the metrics log numbers them); absent: the run's derived one. */
  epoch?: number;
  /** Train a random architecture of the same space instead (the baseline), drawn with this seed. */
  randomSeed?: number;
  recipe?: RecipeName;
}

/**
 * The training config for an architecture of a search run: the derived one (exports/genotype.json,
 * rewritten every epoch), the one a given epoch's record holds, or a random one of the same space;
 * on the run's space, dataset (true labels) and seed.
 */
export function trainConfigFromRun(dir: RunDir, opts: TrainFromRunOptions = {}): TrainConfigInput {
  const search = dir.readSearchConfig();
  const space = spaceOf(search.space);
  let architecture: TrainConfigInput['architecture'];
  if (opts.randomSeed !== undefined)
    architecture = { random: { seed: opts.randomSeed }, origin: { run: dir.id } };
  else if (opts.epoch !== undefined) {
    const epochs = dir.readMetrics().filter((r) => r.kind === 'epoch');
    const rec = [...epochs].reverse().find((r) => r.epoch === opts.epoch);
    if (!rec || rec.genotype === undefined)
      throw new Error(
        `--epoch ${opts.epoch}: run ${dir.id} has no epoch record ${opts.epoch} (its epochs: ${[...new Set(epochs.map((r) => r.epoch))].join(', ') || 'none yet'})`,
      );
    architecture = { json: space.toJson(rec.genotype), origin: { run: dir.id, epoch: opts.epoch } };
  } else {
    const file = join(dir.exportsDir, 'genotype.json');
    if (!existsSync(file))
      throw new Error(
        `run ${dir.id} has not found an architecture yet (no ${file}): let it run an epoch first`,
      );
    architecture = {
      json: JSON.parse(readFileSync(file, 'utf8')),
      origin: { run: dir.id, epoch: 'derived' },
    };
  }
  return {
    kind: 'train',
    space: search.space,
    architecture,
    ...(opts.recipe ? { recipe: { preset: opts.recipe } } : {}),
    data: { ...search.data, labels: 'true' },
    seed: search.seed,
    backend: search.backend,
  };
}
