import type { z } from 'zod';
import { SearchConfigSchema, type SearchConfig } from '../../../shared/search-config';
import { fieldTitle } from './schema-fields';
import { spaceSpecOf, strategySpecOf } from './sections';

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
  dataset: ['data.source', 'data.path', 'data.imageSize', 'data.synthetic', 'data.text'],
  splits: ['data.trainFraction', 'data.subset', 'data.labels', 'data.augment', 'seed'],
  space: ['space'],
  strategy: ['strategy'],
  training: ['epochs', 'batchSize', 'stepsPerEpoch', 'backend'],
};

/**
 * Labels of the fields outside the space and strategy sections (those take their titles from their
 * spec's schema): the steps label their inputs with these, and errors name fields by them.
 */
export const FIELD_TITLES: Record<string, string> = {
  'data.source': 'dataset source',
  'data.path': 'folder or file',
  'data.imageSize': 'image size',
  'data.synthetic.size': 'synthetic images',
  'data.synthetic.imageSize': 'synthetic image size',
  'data.text.bptt': 'BPTT window (tokens)',
  'data.text.evalBatchSize': 'streams for whole-split perplexity',
  'data.text.maxVocab': 'vocabulary limit',
  'data.trainFraction': 'search-train fraction',
  'data.subset': 'images used',
  'data.labels': 'labels',
  'data.augment': 'augmentation',
  seed: 'seed',
  epochs: 'epochs',
  batchSize: 'batch size',
  stepsPerEpoch: 'steps per epoch',
  backend: 'backend',
  space: 'search space',
  'space.name': 'search space',
  strategy: 'strategy',
  'strategy.name': 'strategy',
};

/** How a config path is named to a person: the field's title where known (spec or table), else the path. */
export function pathTitle(draft: Draft, path: string): string {
  if (FIELD_TITLES[path]) return FIELD_TITLES[path];
  const [section, key, ...rest] = path.split('.');
  const spec =
    section === 'space' ? spaceSpecOf(draft) : section === 'strategy' ? strategySpecOf(draft) : null;
  const title = spec && key ? fieldTitle(spec.schema, key) : null;
  if (!title) return path || '(config)';
  // An item of a list or tuple field (α Adam betas, item 2).
  return rest.length ? `${title}, item ${Number(rest[0]) + 1}` : title;
}

/** A word of a message that reads as a config key: camelCase or dotted ('batchSize', 'data.source'). */
const CONFIG_KEY = /\b[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)*\b/g;

/**
 * A validation message with the config keys it names (the engine's messages name keys, as the CLI
 * reads a file: 'set data.source to "text"', 'reduce batchSize') put as the titles the wizard shows
 * ('dataset source', 'batch size'). A key is looked up in the section of the field the message is
 * about first (a strategy's message naming 'keepOps' means strategy.keepOps), then as a top-level or
 * dotted path, then in the space and strategy sections; words that name no field stay as they are.
 */
export function titledMessage(draft: Draft, path: string, message: string): string {
  const section = path.split('.')[0];
  return message.replace(CONFIG_KEY, (word) => {
    if (!/[A-Z.]/.test(word)) return word;
    const candidates = [
      ...(section === 'space' || section === 'strategy' ? [`${section}.${word}`] : []),
      word,
      `space.${word}`,
      `strategy.${word}`,
    ];
    for (const c of candidates) {
      const title = pathTitle(draft, c);
      if (title !== c && title !== '(config)') return title;
    }
    return word;
  });
}

export interface DraftIssue {
  /** Dotted config path ('space.cells'). */
  path: string;
  /** The field's title ('cells'). */
  title: string;
  message: string;
}

/** Validation problems of a draft, optionally only those of one step. */
export function draftIssues(draft: unknown, step?: string): DraftIssue[] {
  const r = SearchConfigSchema.safeParse(draft);
  if (r.success) return [];
  const prefixes = step ? STEP_FIELDS[step] : null;
  return (r.error as z.ZodError).issues
    .map((i) => ({ path: i.path.join('.'), message: i.message }))
    .filter((i) => !prefixes || prefixes.some((p) => i.path === p || i.path.startsWith(`${p}.`)))
    .map((i) => ({
      ...i,
      title: pathTitle(draft as Draft, i.path),
      message: titledMessage(draft as Draft, i.path, i.message),
    }));
}

/** Validation problems of a draft as "field title: message" lines, optionally only those of one step. */
export function draftErrors(draft: unknown, step?: string): string[] {
  return draftIssues(draft, step).map((i) => `${i.title}: ${i.message}`);
}

/** The first problem of each field, by dotted path: shown beside the field itself. */
export function errorsByPath(draft: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of draftIssues(draft)) out[i.path] ??= i.message;
  return out;
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
