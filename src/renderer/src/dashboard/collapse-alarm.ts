import type { MetricSpec } from '../../../engine/search/strategy';
import { ALARM_KEYS, COLLAPSE_CHARTS } from '../../../engine/strategies/collapse-alarm-spec';
import type { Series, XMark } from '../charts/SeriesChart';
import type { EpochRecord } from './metrics-log';

/** The collapse alarm's charts (x = epoch): the eigenvalue, the skip counts, and where an alarm fired. */
export interface CollapseCharts {
  eigenvalue: Series[];
  skips: Series[];
  marks: XMark[];
}

const ALARM_TITLES: Record<string, string> = {
  [ALARM_KEYS.hessian]: 'alarm: Hessian',
  [ALARM_KEYS.skips]: 'alarm: skips',
  [ALARM_KEYS.ranking]: 'alarm: ranking',
};

/**
 * Series from the epoch records for the declared metrics on the alarm's two charts, and one mark at
 * the first epoch each criterion fired (plus the epoch a Hessian alarm rolls back to). Null when the
 * run logged none of them (the alarm was off, or the strategy has none).
 */
export function collapseCharts(
  declared: readonly MetricSpec[],
  epochs: EpochRecord[],
): CollapseCharts | null {
  const value = (e: EpochRecord, key: string) => (e as unknown as Record<string, unknown>)[key];
  const seriesOf = (chart: string): Series[] =>
    declared
      .filter((m) => m.chart === chart)
      .map((m) => ({
        name: m.title,
        points: epochs.flatMap((e): Array<[number, number]> => {
          const v = value(e, m.key);
          return typeof v === 'number' && Number.isFinite(v) ? [[e.epoch, v]] : [];
        }),
      }))
      .filter((s) => s.points.length > 0);
  const eigenvalue = seriesOf(COLLAPSE_CHARTS.eigenvalue);
  const skips = seriesOf(COLLAPSE_CHARTS.skips);
  if (!eigenvalue.length && !skips.length) return null;
  const marks: XMark[] = [];
  for (const [key, label] of Object.entries(ALARM_TITLES)) {
    const first = epochs.find((e) => value(e, key) === 1);
    if (!first) continue;
    marks.push({ x: first.epoch, label });
    const back = value(first, 'hessianStopEpoch');
    if (key === ALARM_KEYS.hessian && typeof back === 'number')
      marks.push({ x: back, label: 'rolled back to' });
  }
  return { eigenvalue, skips, marks };
}
