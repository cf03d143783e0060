import type { StrategySpec } from '../../../engine/search/strategy';
import type { CandidateRecord } from './metrics-log';

/**
 * The data of the candidate-search panels (SPOS's evolution, regularized evolution, random search's
 * scoring), shaped from the candidate records alone: per-generation statistics where the records say
 * their generation, and score against cost where they carry the space's cost model's numbers.
 */

/** Candidate metrics that are costs (docs/run-format.md), and how their axes are named. */
export const COST_METRICS = [
  { key: 'mflops', title: 'FLOPs (M multiply-adds)', short: 'MFLOPs' },
  { key: 'mparams', title: 'parameters (M)', short: 'M params' },
] as const;
export type CostKey = (typeof COST_METRICS)[number]['key'];

/** The cost metrics some candidate of the log carries, in COST_METRICS order. */
export function costKeys(cands: CandidateRecord[]): CostKey[] {
  return COST_METRICS.map((m) => m.key).filter((k) => cands.some((c) => Number.isFinite(c.metrics[k])));
}

/**
 * The Pareto front of points (x a cost, lower is better; y a score, higher is better): the points no
 * other point dominates (x' ≤ x and y' ≥ y, one of them strictly), sorted by x. Equal points do not
 * dominate each other: both stay.
 */
export function paretoFront(points: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  // By cost ascending, then score descending: a point is on the front iff its score beats every
  // score before it, or equals the best so far at the same cost (a tie with the point that set it).
  const sorted = [...points].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const front: Array<[number, number]> = [];
  let best = -Infinity;
  let bestAt = NaN;
  for (const [x, y] of sorted) {
    if (y > best) {
      front.push([x, y]);
      best = y;
      bestAt = x;
    } else if (y === best && x === bestAt) front.push([x, y]);
  }
  return front;
}

/**
 * Each distinct architecture (by text) once, at its latest score: random search's re-score replaces
 * its first, noisier one; an evolution that scores an architecture again keeps the newest.
 */
export function latestPerArchitecture(cands: CandidateRecord[]): CandidateRecord[] {
  const byText = new Map<string, CandidateRecord>();
  for (const c of [...cands].sort((a, b) => a.step - b.step)) byText.set(c.text, c);
  return [...byText.values()];
}

/** Score against one cost per architecture, and the front of those points. */
export function costScatter(
  cands: CandidateRecord[],
  key: CostKey,
): { points: Array<[number, number]>; front: Array<[number, number]> } {
  const points = latestPerArchitecture(cands)
    .filter((c) => Number.isFinite(c.metrics[key]))
    .map((c) => [c.metrics[key], c.score] as [number, number]);
  return { points, front: paretoFront(points) };
}

/** The q-quantile of sorted values, interpolated linearly between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  return lo + 1 < sorted.length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
}

export interface GenerationStats {
  generation: number;
  scores: number[];
  /** [min, Q1, median, Q3, max], as ECharts' boxplot takes them. */
  box: [number, number, number, number, number];
  best: number;
  /** The best score of this and every earlier generation. */
  bestSoFar: number;
}

/**
 * Per generation (the candidate metric `generation`, as SPOS logs it), in generation order: its
 * scores, their five-number summary, its best and the best so far. Empty when no record says its
 * generation (regularized evolution ages one member at a time; random search has none).
 */
export function generationStats(cands: CandidateRecord[]): GenerationStats[] {
  const byGen = new Map<number, number[]>();
  for (const c of cands) {
    const g = c.metrics.generation;
    if (!Number.isInteger(g)) continue;
    if (!byGen.has(g)) byGen.set(g, []);
    byGen.get(g)!.push(c.score);
  }
  let bestSoFar = -Infinity;
  return [...byGen.keys()]
    .sort((a, b) => a - b)
    .map((generation) => {
      const scores = byGen.get(generation)!;
      const s = [...scores].sort((a, b) => a - b);
      const best = s[s.length - 1];
      bestSoFar = Math.max(bestSoFar, best);
      return {
        generation,
        scores,
        box: [s[0], quantile(s, 0.25), quantile(s, 0.5), quantile(s, 0.75), best],
        best,
        bestSoFar,
      };
    });
}

/**
 * The limits the run's config sets on candidate costs, by cost key: the strategy's spec names the
 * config field of each (`candidateLimits`); a field left unset sets none.
 */
export function costLimits(
  spec: StrategySpec | null,
  strategyConfig: Record<string, unknown> | null,
): Partial<Record<CostKey, number>> {
  const out: Partial<Record<CostKey, number>> = {};
  if (!spec?.candidateLimits || !strategyConfig) return out;
  for (const { key } of COST_METRICS) {
    const field = spec.candidateLimits[key];
    const v = field === undefined ? undefined : strategyConfig[field];
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

/** The smallest number of two significant digits at or above v > 0: an axis end that reads well. */
export function niceCeil(v: number): number {
  const unit = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Number((Math.ceil(v / unit) * unit).toPrecision(2));
}
