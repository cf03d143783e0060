import type { z } from 'zod';
import { SearchConfigSchema, type SearchConfig } from '../../../shared/search-config';

/** The wizard edits a complete config (every default visible), validated by the engine's own schema. */
export type Draft = SearchConfig;

/** A search sized for a CPU (examples/quick-search.json): the first thing a new user can run. */
export const QUICK_DRAFT: Draft = SearchConfigSchema.parse({
  space: { cells: 5, channels: 8 },
  strategy: { name: 'darts', order: 'first' },
  epochs: 5,
  batchSize: 16,
  data: { source: 'default', subset: 1000 },
});

/** The DARTS paper's search settings (CIFAR-10 on a GPU). */
export const PAPER_DRAFT: Draft = SearchConfigSchema.parse({});

/** Which wizard step each top-level config field belongs to, for per-step validation. */
export const STEP_FIELDS: Record<string, string[]> = {
  dataset: ['data.source', 'data.path', 'data.imageSize', 'data.synthetic'],
  splits: ['data.trainFraction', 'data.subset', 'data.labels', 'data.augment', 'seed'],
  space: ['space'],
  strategy: ['strategy'],
  training: ['epochs', 'batchSize', 'stepsPerEpoch', 'backend'],
};

/** Validation problems of a draft, as "field: message" lines, optionally only those of one step. */
export function draftErrors(draft: unknown, step?: string): string[] {
  const r = SearchConfigSchema.safeParse(draft);
  if (r.success) return [];
  const prefixes = step ? STEP_FIELDS[step] : null;
  return (r.error as z.ZodError).issues
    .map((i) => ({ path: i.path.join('.'), message: i.message }))
    .filter((i) => !prefixes || prefixes.some((p) => i.path === p || i.path.startsWith(`${p}.`)))
    .map((i) => `${i.path || '(config)'}: ${i.message}`);
}

/** Returns a copy of `obj` with the value at a dotted path replaced (undefined deletes it). */
export function setPath<T>(obj: T, path: string, value: unknown): T {
  const [head, ...rest] = path.split('.');
  const copy = { ...(obj as Record<string, unknown>) };
  if (rest.length) copy[head] = setPath(copy[head] ?? {}, rest.join('.'), value);
  else if (value === undefined) delete copy[head];
  else copy[head] = value;
  return copy as T;
}
