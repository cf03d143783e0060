/**
 * What the metric charts derive from the logged step series (pure, so it is tested without a
 * browser): TensorBoard's smoothing, the steps of each epoch, epoch means, and what a hover shows.
 */

export type Points = Array<[number, number]>;

/** The smoothing weight the charts start with (TensorBoard's default). */
export const DEFAULT_SMOOTHING = 0.6;
/** The largest weight offered: at 1 the average would never move. */
export const MAX_SMOOTHING = 0.99;

/**
 * TensorBoard's scalar smoothing: an exponential moving average, debiased so that the first points
 * are not pulled towards 0 (the average starts at 0 and each value is divided by 1 − wⁿ, n the
 * finite values seen so far). As in TensorBoard, a constant series is left as it is (its debiased
 * average would equal it anyway, up to rounding) and non-finite values pass through unsmoothed
 * without entering the average. Weight 0 returns the values.
 */
export function emaSmooth(points: Points, weight: number): Points {
  if (!(weight >= 0 && weight < 1)) throw new Error(`smoothing weight must be in [0, 1), not ${weight}`);
  if (weight === 0 || points.length === 0) return points;
  const first = points[0][1];
  if (points.every(([, y]) => y === first)) return points;
  let last = 0;
  let n = 0;
  return points.map(([x, y]) => {
    if (!Number.isFinite(y)) return [x, y];
    last = last * weight + (1 - weight) * y;
    n += 1;
    return [x, last / (1 - Math.pow(weight, n))];
  });
}

/**
 * The steps of one epoch of one phase: x of its first and last logged step (x = steps done, as the
 * step series are keyed), in log order. Spans are few (one per epoch) where steps are many.
 */
export interface EpochSpan {
  phase?: string;
  /** 0-based within its phase, as logged. */
  epoch: number;
  first: number;
  last: number;
}

/** Adds one step (x, its epoch and phase) to the spans, in place: extends the last span or opens one. */
export function addStepToSpans(spans: EpochSpan[], x: number, epoch: number, phase?: string): void {
  const last = spans.at(-1);
  if (last && last.epoch === epoch && last.phase === phase) {
    if (x > last.last) last.last = x;
  } else spans.push({ phase, epoch, first: x, last: x });
}

/** The span that holds step x (spans sorted by x), or null when x is outside every span. */
export function spanAt(spans: readonly EpochSpan[], x: number): EpochSpan | null {
  let lo = 0;
  let hi = spans.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = spans[mid];
    if (x < s.first) hi = mid - 1;
    else if (x > s.last) lo = mid + 1;
    else return s;
  }
  return null;
}

/** An epoch as the metrics log closes it (its epoch record): phase and 0-based epoch. */
export interface ClosedEpoch {
  phase?: string;
  epoch: number;
}

/** The mean of one epoch's points of a series, placed at the epoch's last step. */
export interface EpochMean {
  span: EpochSpan;
  x: number;
  mean: number;
  /** Points averaged. */
  count: number;
}

/**
 * Per closed epoch (one the log wrote an epoch record for: the epoch still running would change),
 * the mean of the series' finite points inside it. Epochs where the series has no point (a metric of
 * another phase) are left out. `points` and `spans` are sorted by x.
 */
export function epochMeans(
  points: Points,
  spans: readonly EpochSpan[],
  closed: readonly ClosedEpoch[],
): EpochMean[] {
  const isClosed = new Set(closed.map((c) => `${c.phase ?? ''}\u0000${c.epoch}`));
  const out: EpochMean[] = [];
  let i = 0;
  for (const span of spans) {
    while (i < points.length && points[i][0] < span.first) i++;
    let sum = 0;
    let count = 0;
    let j = i;
    for (; j < points.length && points[j][0] <= span.last; j++)
      if (Number.isFinite(points[j][1])) {
        sum += points[j][1];
        count++;
      }
    i = j;
    if (count && isClosed.has(`${span.phase ?? ''}\u0000${span.epoch}`))
      out.push({ span, x: span.last, mean: sum / count, count });
  }
  return out;
}

/** A log axis needs every value positive; a series with 0 or a negative value cannot be drawn on one. */
export function canLogScale(series: ReadonlyArray<{ points: Points }>): boolean {
  let any = false;
  for (const s of series)
    for (const [, y] of s.points) {
      if (!(y > 0) && Number.isFinite(y)) return false;
      any = true;
    }
  return any;
}

/** The value of a series at step x: the last point at or before x (points sorted by x), or undefined. */
export function valueAt(points: Points, x: number): number | undefined {
  let lo = 0;
  let hi = points.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (points[mid][0] <= x) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found >= 0 ? points[found][1] : undefined;
}

/** A value for a tooltip: four significant digits, small and large ones in exponent form. */
export function formatValue(v: number | undefined): string {
  if (v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

/** How a person names an epoch: 1-based, with its phase where the run has more than one. */
export function epochLabel(span: EpochSpan | null, multiPhase: boolean): string {
  if (!span) return '';
  return `epoch ${span.epoch + 1}${multiPhase && span.phase ? ` (${span.phase})` : ''}`;
}

/** One logged metric as a chart draws it: its raw points, smoothed points and epoch means. */
export interface CurveLine {
  key: string;
  title: string;
  raw: Points;
  smoothed: Points | null;
  means: EpochMean[];
}

/**
 * The hover text at step x, as rows: a header with the step and its epoch, then per line its value,
 * its smoothed value when smoothing is on, and its epoch's mean when that epoch is closed.
 */
export function hoverRows(
  x: number,
  lines: readonly CurveLine[],
  spans: readonly EpochSpan[],
): { header: string; rows: Array<{ title: string; text: string }> } {
  const span = spanAt(spans, x);
  const multiPhase = new Set(spans.map((s) => s.phase)).size > 1;
  const epoch = epochLabel(span, multiPhase);
  const rows = lines.flatMap((l) => {
    const v = valueAt(l.raw, x);
    if (v === undefined) return [];
    const parts = [formatValue(v)];
    if (l.smoothed) parts.push(`smoothed ${formatValue(valueAt(l.smoothed, x))}`);
    const mean = span ? l.means.find((m) => m.span.first === span.first) : undefined;
    if (mean) parts.push(`epoch mean ${formatValue(mean.mean)}`);
    return [{ title: l.title, text: parts.join(' · ') }];
  });
  return { header: `step ${x}${epoch ? ` · ${epoch}` : ''}`, rows };
}

/**
 * The lines of one chart from the step series: each smoothed with `weight` (none at 0) and, where
 * `withMeans`, with its closed epochs' means.
 */
export function curveLines(
  wanted: ReadonlyArray<{ key: string; title: string }>,
  series: Readonly<Record<string, Points>>,
  spans: readonly EpochSpan[],
  closed: readonly ClosedEpoch[],
  o: { weight: number; withMeans: boolean },
): CurveLine[] {
  return wanted.map(({ key, title }) => {
    const raw = series[key] ?? [];
    return {
      key,
      title,
      raw,
      smoothed: o.weight > 0 ? emaSmooth(raw, o.weight) : null,
      means: o.withMeans ? epochMeans(raw, spans, closed) : [],
    };
  });
}
