import type { MetricSpec } from '../../../engine/search/strategy';
import type { StepSeries } from './metrics-log';

/** One chart of step metrics: its key (the specs' `chart`), title and lines. */
export interface MetricGroup {
  chart: string;
  title: string;
  /** A log-scale y axis (learning rates span decades). */
  log: boolean;
  lines: Array<{ key: string; title: string }>;
}

/** The chart keys MetricSpec documents ('loss', 'accuracy', 'lr', 'score'): their titles and scales. */
const KNOWN_CHARTS: Record<string, { title: string; log?: boolean }> = {
  loss: { title: 'loss' },
  accuracy: { title: 'accuracy' },
  lr: { title: 'learning rate', log: true },
  score: { title: 'score' },
};

export const OTHER_CHART = 'other';

/**
 * Charts for a run's step series: one per `chart` group of the strategy's declared metrics (in the
 * order first declared, lines in declaration order), then every other numeric key in an 'other'
 * chart (metrics of older runs or of a newer engine). Groups with no data are left out.
 */
export function metricGroups(declared: readonly MetricSpec[], series: StepSeries): MetricGroup[] {
  const groups = new Map<string, MetricGroup>();
  for (const m of declared) {
    if (!series[m.key]?.length) continue;
    let g = groups.get(m.chart);
    if (!g) {
      const known = KNOWN_CHARTS[m.chart];
      g = { chart: m.chart, title: known?.title ?? m.chart, log: !!known?.log, lines: [] };
      groups.set(m.chart, g);
    }
    g.lines.push({ key: m.key, title: m.title });
  }
  // A strategy's own one-metric chart is named after its metric ('gradient norm', not 'gradNorm').
  for (const g of groups.values())
    if (!KNOWN_CHARTS[g.chart] && g.lines.length === 1) g.title = g.lines[0].title;
  const declaredKeys = new Set(declared.map((m) => m.key));
  const others = Object.keys(series).filter((k) => !declaredKeys.has(k) && series[k].length);
  if (others.length) {
    const g = groups.get(OTHER_CHART) ?? {
      chart: OTHER_CHART,
      title: 'other metrics',
      log: false,
      lines: [],
    };
    g.lines.push(...others.sort().map((key) => ({ key, title: key })));
    groups.set(OTHER_CHART, g);
  }
  return [...groups.values()];
}
