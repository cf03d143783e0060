import { useMemo, useState } from 'react';
import type { MetricSpec } from '../../../engine/search/strategy';
import { CurveChart } from '../charts/CurveChart';
import type { XMark } from '../charts/SeriesChart';
import { CurveControls } from './CurveControls';
import { DEFAULT_SMOOTHING, canLogScale, curveLines, type ClosedEpoch, type EpochSpan } from './curves';
import { metricGroups } from './metric-groups';
import type { PhaseRecord, StepSeries } from './metrics-log';

/** Charts whose lines are averaged per epoch (a learning rate's or a gradient norm's mean says little). */
const MEAN_CHARTS: ReadonlySet<string> = new Set(['loss', 'accuracy', 'perplexity', 'reward']);
/** Charts drawn unsmoothed: a learning rate is a schedule, exact at every step; smoothing would only lag it. */
const UNSMOOTHED_CHARTS: ReadonlySet<string> = new Set(['lr']);

/**
 * The step metrics, one chart per group the strategy declares (loss, accuracy, lr, its own) plus
 * 'other metrics' for undeclared keys; phase starts after the first are marked on every chart. One
 * smoothing weight for all charts but the learning rates', epoch means on the loss and accuracy charts, and per chart a
 * log-scale toggle (on by default where the group asks for it: learning rates span decades).
 */
export function MetricCharts({
  declared,
  series,
  phases,
  spans = [],
  epochs = [],
}: {
  declared: readonly MetricSpec[];
  series: StepSeries;
  phases: PhaseRecord[];
  spans?: readonly EpochSpan[];
  /** The epochs the log has closed (their records): only these get a mean. */
  epochs?: readonly ClosedEpoch[];
}) {
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const [means, setMeans] = useState(true);
  const [logPicked, setLogPicked] = useState<Record<string, boolean>>({});
  const groups = useMemo(() => metricGroups(declared, series), [declared, series]);
  const marks = useMemo<XMark[]>(
    () => phases.filter((p, i) => i > 0 || p.step > 0).map((p) => ({ x: p.step, label: p.title })),
    [phases],
  );
  // Each chart's lines are rebuilt only when the series, the epochs or a control change (batched live updates).
  const charts = useMemo(
    () =>
      groups.map((g) => {
        const lines = curveLines(g.lines, series, spans, epochs, {
          weight: UNSMOOTHED_CHARTS.has(g.chart) ? 0 : smoothing,
          withMeans: means && MEAN_CHARTS.has(g.chart),
        });
        return { ...g, lines, logPossible: canLogScale(lines.map((l) => ({ points: l.raw }))) };
      }),
    [groups, series, spans, epochs, smoothing, means],
  );
  if (!charts.length) return <p style={{ opacity: 0.7 }}>Curves appear after the first step.</p>;
  return (
    <div aria-label="metric charts">
      <CurveControls smoothing={smoothing} onSmoothing={setSmoothing} means={means} onMeans={setMeans} />
      {charts.map((g) => {
        const log = g.logPossible && (logPicked[g.chart] ?? g.log);
        return (
          <div key={g.chart} style={{ display: 'inline-block', width: '50%', verticalAlign: 'top' }}>
            <label
              style={{ fontSize: 12, opacity: 0.8, marginLeft: 72 }}
              title={g.logPossible ? undefined : 'a log scale needs every value above 0'}
            >
              <input
                type="checkbox"
                aria-label={`${g.title} log scale`}
                checked={log}
                disabled={!g.logPossible}
                onChange={(e) => setLogPicked((o) => ({ ...o, [g.chart]: e.target.checked }))}
              />{' '}
              log scale
            </label>
            <CurveChart
              label={`${g.title} chart`}
              lines={g.lines}
              spans={spans}
              xName="step"
              yName={g.title}
              log={log}
              marks={marks}
            />
          </div>
        );
      })}
    </div>
  );
}
