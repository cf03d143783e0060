import type { RunConfig } from '../../../shared/run-config';
import type { SearchConfig } from '../../../shared/search-config';
import { epochMeans, type ClosedEpoch, type EpochSpan, type Points } from '../dashboard/curves';
import { parseTrainLog } from '../dashboard/train-log';
import { FIELD_TITLES } from '../wizard/draft';
import { fieldTitle } from '../wizard/schema-fields';
import { spaceSpecOf, strategySpecOf } from '../wizard/sections';

/** One config field whose values differ between the compared runs. */
export interface ConfigDifference {
  /** Dotted path ('space.cells'). */
  path: string;
  /** The field's title as the wizard labels it ('cells'), the path where none is known. */
  title: string;
  /** Per run, in the order given; '—' where the run's config has no such field. */
  values: string[];
}

/** Leaves of a config by dotted path: objects are walked, arrays and primitives are values. */
function leaves(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (!entries.length && prefix) out.set(prefix, value);
    for (const [k, v] of entries) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (value !== undefined) out.set(prefix, value);
}

/** A leaf as a person reads it in the table and the CSV. */
export function formatConfigValue(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' || typeof x === 'number')) return v.join(', ');
  return JSON.stringify(v);
}

/** A path's title: the wizard's table for the common fields, the space's or strategy's spec for theirs. */
function titleOf(config: RunConfig, path: string): string {
  if (FIELD_TITLES[path]) return FIELD_TITLES[path];
  const [section, key, ...rest] = path.split('.');
  // A training run has a space but no strategy.
  const search = config as SearchConfig;
  const spec =
    section === 'space'
      ? spaceSpecOf(search)
      : section === 'strategy' && config.kind !== 'train'
        ? strategySpecOf(search)
        : null;
  let title: string | null = null;
  try {
    title = spec && key ? fieldTitle(spec.schema, key) : null;
  } catch {
    // A schema this build cannot describe: the path names the field.
  }
  if (!title) return path;
  return rest.length ? `${title} › ${rest.join(' › ')}` : title;
}

/**
 * The fields whose values differ between runs' configs, by title, in the order they first appear
 * (grouped by section).
 * The configs are the runs' validated ones (every default filled in), so a default left out of one
 * config file and written out in another is no difference; a field only one run's strategy or space
 * has is one ('—' for the others). Arrays are compared whole (the ops list, Adam's betas).
 */
export function configDiff(configs: readonly RunConfig[]): ConfigDifference[] {
  const flat = configs.map((c) => {
    const m = new Map<string, unknown>();
    leaves(c, '', m);
    return m;
  });
  const paths: string[] = [];
  const seen = new Set<string>();
  for (const m of flat)
    for (const p of m.keys())
      if (!seen.has(p)) {
        seen.add(p);
        paths.push(p);
      }
  // Grouped by section (space, strategy, data, ...) in the order sections first appear: a field only a
  // later run's space has sits with the space's fields.
  const sections: string[] = [];
  for (const p of paths) if (!sections.includes(p.split('.')[0])) sections.push(p.split('.')[0]);
  const bySection = sections.flatMap((sec) => paths.filter((p) => p.split('.')[0] === sec));
  return bySection.flatMap((path) => {
    const raw = flat.map((m) => m.get(path));
    const keys = raw.map((v) => (v === undefined ? '\u0000absent' : JSON.stringify(v)));
    if (keys.every((k) => k === keys[0])) return [];
    const owner = configs[raw.findIndex((v) => v !== undefined)];
    return [{ path, title: titleOf(owner, path), values: raw.map(formatConfigValue) }];
  });
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Text a spreadsheet would run as a formula (=, +, -, @ first, and not a number) is prefixed with
 * an apostrophe: a run's name is free text.
 */
export function csvField(v: string | number | undefined | null): string {
  if (v === undefined || v === null) return '';
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !Number.isFinite(Number(s))) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text, CRLF line ends as RFC 4180 writes them. */
export function toCsv(rows: ReadonlyArray<ReadonlyArray<string | number | undefined | null>>): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

/** What the comparison needs of one run. */
export interface ComparedRun {
  id: string;
  name?: string;
  series: Record<string, Points>;
  spans: readonly EpochSpan[];
  closed: readonly ClosedEpoch[];
  /** A training run's epoch records (empty or absent for a search). */
  trainEpochs?: readonly TrainingEpochRow[];
}

/** One epoch record of a training run: its 0-based epoch, the step that closed it (from 1), its metrics as logged. */
export interface TrainingEpochRow {
  epoch: number;
  lastStep: number;
  values: Readonly<Record<string, number>>;
}

/** Validation metrics of the step log: their keys start with 'val' (valLoss, valAcc, valPerplexity). */
export const isValidationKey = (k: string) => /^val[A-Z]/.test(k);

/**
 * Per run, one row per closed epoch, with its phase, its number (1-based) and its last step: for a
 * search the epoch's mean of every validation metric any compared run logs, for a training run (phase
 * 'training') the epoch record's own metrics (train loss and accuracy, test loss and accuracy, or a
 * language model's perplexities); empty where a run has no such metric.
 */
export function epochMetricsCsv(runs: readonly ComparedRun[]): string {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.series).filter(isValidationKey)))].sort();
  const trainKeys = [
    ...new Set(runs.flatMap((r) => (r.trainEpochs ?? []).flatMap((e) => Object.keys(e.values)))),
  ].sort();
  const rows: Array<Array<string | number | undefined>> = [
    ['run', 'run name', 'phase', 'epoch', 'last step', ...keys.map((k) => `${k} (epoch mean)`), ...trainKeys],
  ];
  const blanks = (n: number) => Array.from({ length: n }, () => undefined);
  for (const r of runs) {
    const means = keys.map(
      (k) => new Map(epochMeans(r.series[k] ?? [], r.spans, r.closed).map((m) => [m.x, m.mean])),
    );
    for (const span of r.spans) {
      const values = means.map((m) => m.get(span.last));
      if (values.every((v) => v === undefined)) continue;
      rows.push([
        r.id,
        r.name ?? '',
        span.phase ?? '',
        span.epoch + 1,
        span.last,
        ...values,
        ...blanks(trainKeys.length),
      ]);
    }
    for (const e of r.trainEpochs ?? [])
      rows.push([
        r.id,
        r.name ?? '',
        'training',
        e.epoch + 1,
        e.lastStep,
        ...blanks(keys.length),
        ...trainKeys.map((k) => e.values[k]),
      ]);
  }
  return toCsv(rows);
}

/** The config differences as CSV: one row per field, one column per run. */
export function configDiffCsv(ids: readonly string[], diff: readonly ConfigDifference[]): string {
  return toCsv([['field', 'path', ...ids], ...diff.map((d) => [d.title, d.path, ...d.values])]);
}

/**
 * A training run's curves as the comparison overlays them: train loss and train accuracy of each
 * step (against the step, smoothed as the search's curves are), and test accuracy — a language
 * model's test perplexity — after each epoch (against the epoch, 1-based: runs with different batch
 * sizes or steps per epoch line up by epoch); and its epoch records for the CSV.
 */
export interface TrainingCurves {
  trainLoss: Points;
  trainAcc: Points;
  testAcc: Points;
  testPerplexity: Points;
  epochs: TrainingEpochRow[];
}

export function trainingCurves(records: Array<Record<string, unknown>>): TrainingCurves {
  const log = parseTrainLog(records);
  // x is the closing step counted from 1, as a search's epoch span's last step (the CSV's 'last step').
  const rows = [...log.epochs, ...log.lmEpochs].map(({ epoch, x, ...values }) => ({
    epoch,
    lastStep: x,
    values: Object.fromEntries(Object.entries(values).filter(([, v]) => Number.isFinite(v))),
  }));
  return {
    trainLoss: log.steps.loss,
    trainAcc: log.steps.acc,
    testAcc: log.epochs.map((e) => [e.epoch + 1, e.testAcc] as [number, number]),
    testPerplexity: log.lmEpochs.map((e) => [e.epoch + 1, e.testPerplexity] as [number, number]),
    epochs: rows.sort((a, b) => a.epoch - b.epoch),
  };
}

/**
 * Which compared runs go into which charts. Searches are overlaid on their validation curves and
 * training runs on their train and test curves; a mixed selection gets both groups of charts, each
 * with its own runs only, and a note saying why: a search's validation split (held out of the
 * training images, measured while the architecture still changes) and a training run's test split
 * are different measurements, so one chart would invite a comparison that means nothing.
 */
export function compareGroups(runs: ReadonlyArray<{ id: string; kind: 'search' | 'train' }>): {
  search: string[];
  train: string[];
  note: string | null;
} {
  const search = runs.filter((r) => r.kind === 'search').map((r) => r.id);
  const train = runs.filter((r) => r.kind === 'train').map((r) => r.id);
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const note =
    search.length && train.length
      ? `A search's validation curves and a training run's train and test curves measure different things, so they are not overlaid on one chart: the validation charts show the ${n(search.length, 'search', 'searches')}, the training charts the ${n(train.length, 'training run', 'training runs')}.`
      : null;
  return { search, train, note };
}
