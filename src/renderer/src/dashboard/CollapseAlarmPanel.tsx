import { useMemo } from 'react';
import type { MetricSpec } from '../../../engine/search/strategy';
import { SeriesChart } from '../charts/SeriesChart';
import { collapseCharts } from './collapse-alarm';
import type { EpochRecord } from './metrics-log';

/**
 * The collapse alarm of a DARTS-family run (docs/strategies.md, "Collapse alarm"): the Hessian's
 * dominant eigenvalue per reading and the skip connections of the derived cells per epoch, with a
 * mark where each criterion first fired. Absent when the run's alarm was off.
 */
export function CollapseAlarmPanel({
  declared,
  epochs,
}: {
  declared: readonly MetricSpec[];
  epochs: EpochRecord[];
}) {
  const charts = useMemo(() => collapseCharts(declared, epochs), [declared, epochs]);
  if (!charts) return null;
  return (
    <div aria-label="collapse alarm">
      <h3>Collapse alarm</h3>
      {charts.eigenvalue.length > 0 && (
        <SeriesChart
          label="Hessian eigenvalue chart"
          series={charts.eigenvalue}
          xName="epoch"
          yName="eigenvalue"
          width="50%"
          marks={charts.marks}
          integerX
        />
      )}
      {charts.skips.length > 0 && (
        <SeriesChart
          label="skip connections chart"
          series={charts.skips}
          xName="epoch"
          yName="skip connections"
          width="50%"
          marks={charts.marks}
          integerX
        />
      )}
    </div>
  );
}
