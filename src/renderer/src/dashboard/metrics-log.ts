import type { ArchSnapshot, LabelSnapshot, SnapshotKind } from '../../../engine/search/strategy';
import { dartsEdgeNames } from '../../../engine/spaces/darts/space';
import { addStepToSpans, type EpochSpan } from './curves';

/**
 * The run's metrics log (docs/run-format.md) as the dashboard reads it: per-metric step series,
 * epoch records with the strategy's architecture snapshot, scored candidates and phase starts.
 * Old runs (DARTS only, before the engine became space-neutral) are converted on read.
 */

/** Per metric name, its points [steps done, value]. */
export type StepSeries = Record<string, Array<[number, number]>>;

export interface EpochRecord {
  epoch: number;
  step: number;
  phase?: string;
  valAcc?: number;
  arch: ArchSnapshot;
  /** The space's architecture as plain JSON (DARTS: the Genotype). */
  genotype: unknown;
  /** The space's text notation; absent in old runs (the dashboard derives it from `genotype`). */
  genotypeText?: string;
}

export interface CandidateRecord {
  step: number;
  phase?: string;
  round: string;
  /** Higher is better. */
  score: number;
  genotype: unknown;
  text: string;
  metrics: Record<string, number>;
}

export interface PhaseRecord {
  step: number;
  phase: string;
  title: string;
  /** Why the previous phase stopped early. */
  reason?: string;
}

export interface MetricsLog {
  series: StepSeries;
  epochs: EpochRecord[];
  candidates: CandidateRecord[];
  phases: PhaseRecord[];
  /** The steps of each epoch (x as in `series`): epoch means and hover labels come from them. */
  spans: EpochSpan[];
}

/** Keys of a step record that place it rather than measure it: never charted as metrics. */
export const STRUCTURAL_STEP_KEYS: ReadonlySet<string> = new Set([
  'kind',
  'step',
  'epoch',
  'phase',
  'seconds',
]);

/** The arch record of runs written before ArchSnapshot: DARTS α of both cells over one op list. */
interface LegacyDartsArch {
  ops: string[];
  normal: number[][];
  reduce: number[][];
  kind: string;
}

function isLegacyArch(a: unknown): a is LegacyDartsArch {
  const x = a as Partial<LegacyDartsArch> | null;
  return !!x && Array.isArray(x.ops) && Array.isArray(x.normal) && Array.isArray(x.reduce);
}

const KINDS: readonly SnapshotKind[] = ['softmax', 'sigmoid', 'sampling', 'controller'];

/** Intermediate nodes of a DARTS cell with `edges` edges (node i has i+2 inputs: n(n+3)/2 edges). */
function dartsNodes(edges: number): number {
  return Math.round((-3 + Math.sqrt(9 + 8 * edges)) / 2);
}

/** An old DARTS arch record as the snapshot the engine now writes (labels 'normal' and 'reduce'). */
export function snapshotFromLegacy(a: LegacyDartsArch): ArchSnapshot {
  const kind: SnapshotKind = (KINDS as readonly string[]).includes(a.kind)
    ? (a.kind as SnapshotKind)
    : 'softmax';
  const rows = dartsEdgeNames(dartsNodes(a.normal.length));
  const label = (title: string, values: number[][]): LabelSnapshot => ({
    kind,
    title,
    rows,
    options: [...a.ops],
    values,
  });
  return { normal: label('normal cell', a.normal), reduce: label('reduction cell', a.reduce) };
}

/** An epoch record in the current format, whatever format the log holds. */
export function epochRecord(r: Record<string, unknown>): EpochRecord {
  const arch = isLegacyArch(r.arch) ? snapshotFromLegacy(r.arch) : ((r.arch ?? {}) as ArchSnapshot);
  return { ...(r as unknown as EpochRecord), arch };
}

/** A candidate record with its optional parts filled in (a record may omit metrics or round). */
function candidateRecord(r: Record<string, unknown>): CandidateRecord {
  const c = r as Partial<CandidateRecord>;
  return {
    step: c.step ?? 0,
    phase: c.phase,
    round: typeof c.round === 'string' ? c.round : String(c.round ?? ''),
    score: c.score as number,
    genotype: c.genotype,
    text: typeof c.text === 'string' ? c.text : JSON.stringify(c.genotype ?? null),
    metrics: c.metrics ?? {},
  };
}

/** Splits a metrics log into series, epoch, candidate and phase records. x of a step is the steps done. */
export function parseMetricsLog(records: Array<Record<string, unknown>>): MetricsLog {
  const series: StepSeries = {};
  const epochs: EpochRecord[] = [];
  const candidates: CandidateRecord[] = [];
  const phases: PhaseRecord[] = [];
  const spans: EpochSpan[] = [];
  for (const r of records) {
    switch (r.kind) {
      case 'step': {
        const x = (r.step as number) + 1;
        if (typeof r.epoch === 'number')
          addStepToSpans(spans, x, r.epoch, typeof r.phase === 'string' ? r.phase : undefined);
        for (const [k, v] of Object.entries(r))
          if (typeof v === 'number' && !STRUCTURAL_STEP_KEYS.has(k)) (series[k] ??= []).push([x, v]);
        break;
      }
      case 'epoch':
        epochs.push(epochRecord(r));
        break;
      case 'candidate':
        if (typeof r.score === 'number' && Number.isFinite(r.score)) candidates.push(candidateRecord(r));
        break;
      case 'phase':
        phases.push(r as unknown as PhaseRecord);
        break;
    }
  }
  return { series, epochs, candidates, phases, spans };
}

/** The step series alone (the runs comparison needs nothing else). */
export function parseMetrics(records: Array<Record<string, unknown>>): { series: StepSeries } {
  return { series: parseMetricsLog(records).series };
}
