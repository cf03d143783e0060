import { useMemo } from 'react';
import type { MetricSpec } from '../../../engine/search/strategy';
import { SeriesChart, type XMark } from '../charts/SeriesChart';
import { metricGroups } from './metric-groups';
import type { PhaseRecord, StepSeries } from './metrics-log';

/**
 * The step metrics, one chart per group the strategy declares (loss, accuracy, lr, its own) plus
 * 'other metrics' for undeclared keys; phase starts after the first are marked on every chart.
 */
export function MetricCharts({
  declared,
  series,
  phases,
}: {
  declared: readonly MetricSpec[];
  series: StepSeries;
  phases: PhaseRecord[];
}) {
  const groups = useMemo(() => metricGroups(declared, series), [declared, series]);
  const marks = useMemo<XMark[]>(
    () => phases.filter((p, i) => i > 0 || p.step > 0).map((p) => ({ x: p.step, label: p.title })),
    [phases],
  );
  // Each chart's series list is rebuilt only when the series object changes (batched live updates).
  const charts = useMemo(
    () =>
      groups.map((g) => ({ ...g, series: g.lines.map((l) => ({ name: l.title, points: series[l.key] })) })),
    [groups, series],
  );
  if (!charts.length) return <p style={{ opacity: 0.7 }}>Curves appear after the first step.</p>;
  return (
    <div aria-label="metric charts">
      {charts.map((g) => (
        <SeriesChart
          key={g.chart}
          label={`${g.title} chart`}
          series={g.series}
          xName="step"
          yName={g.title}
          width="50%"
          log={g.log}
          marks={marks}
        />
      ))}
    </div>
  );
}
