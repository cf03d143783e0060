/**
 * A run folder's config.json is one of the run kinds: a search (SearchConfig; folders written before
 * run kinds have no `kind` and are searches) or a training run (TrainConfig, `kind: 'train'`).
 */
import { parseSearchConfig, type SearchConfig } from './search-config';
import { parseTrainConfig, type TrainConfig } from '../engine/train/train-config';

export {
  TrainConfigSchema,
  parseTrainConfig,
  type TrainConfig,
  type TrainConfigInput,
} from '../engine/train/train-config';
export { RECIPE_NAMES, type RecipeName } from '../engine/train/recipes';

export type RunConfig = SearchConfig | TrainConfig;
export type RunKind = 'search' | 'train';

export function runKind(c: { kind?: string }): RunKind {
  return c.kind === 'train' ? 'train' : 'search';
}

/** Validates a run config of either kind (by its `kind` field); errors name the source and every bad field. */
export function parseRunConfig(input: unknown, source = 'config'): RunConfig {
  const kind = input && typeof input === 'object' ? (input as { kind?: unknown }).kind : undefined;
  if (kind === 'train') return parseTrainConfig(input, source);
  if (kind !== undefined && kind !== 'search')
    throw new Error(
      `Invalid run configuration in ${source}:\nkind: unknown run kind ${JSON.stringify(kind)} (known: search, train)`,
    );
  return parseSearchConfig(input, source);
}

export function isTrainConfig(c: RunConfig): c is TrainConfig {
  return c.kind === 'train';
}
