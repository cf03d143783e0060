import { useEffect, useMemo, useState } from 'react';
import type { RunConfig } from '../../../shared/run-config';
import { api } from '../api';
import { CurveChart } from '../charts/CurveChart';
import { CurveControls } from '../dashboard/CurveControls';
import { DEFAULT_SMOOTHING, emaSmooth, type CurveLine } from '../dashboard/curves';
import { GenotypeView } from '../dashboard/GenotypeView';
import { parseMetricsLog, type EpochRecord } from '../dashboard/metrics-log';
import { configDiff, configDiffCsv, epochMetricsCsv, type ComparedRun } from './compare';

interface Loaded extends ComparedRun {
  config: RunConfig | null;
  last: EpochRecord | undefined;
}

/** Saves text as a file: a download in the browser (the desktop app asks where). */
function download(name: string, text: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type: 'text/csv' }));
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
}

/** One chart's lines: the same metric of every run, smoothed with the view's weight. */
function compareLines(runs: Loaded[], key: string, weight: number): CurveLine[] {
  return runs.map((r) => {
    const raw = r.series[key] ?? [];
    return {
      key: r.id,
      title: r.name ? `${r.name} (${r.id})` : r.id,
      raw,
      smoothed: weight > 0 ? emaSmooth(raw, weight) : null,
      means: [],
    };
  });
}

/**
 * Two or more runs side by side: their validation loss and accuracy overlaid against the step
 * (smoothed as on the dashboard), the config fields whose values differ, the architecture each found
 * (drawn as its space draws it), and both as CSV files.
 */
export function CompareRuns({ ids }: { ids: string[] }) {
  const [runs, setRuns] = useState<Loaded[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [smoothing, setSmoothing] = useState(DEFAULT_SMOOTHING);
  const key = ids.join(',');
  useEffect(() => {
    let cancelled = false;
    const list = api()
      .listRuns()
      .catch(() => []);
    Promise.all(
      key.split(',').map(async (id) => {
        const [records, config, summaries] = await Promise.all([
          api().runMetrics(id),
          api()
            .runConfig(id)
            .catch(() => null),
          list,
        ]);
        const log = parseMetricsLog(records);
        return {
          id,
          name: summaries.find((s) => s.id === id)?.name,
          series: log.series,
          spans: log.spans,
          closed: log.epochs,
          config,
          last: log.epochs.at(-1),
        };
      }),
    )
      .then((loaded) => !cancelled && setRuns(loaded))
      .catch((e: Error) => setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [key]);
  const loss = useMemo(() => compareLines(runs, 'valLoss', smoothing), [runs, smoothing]);
  const acc = useMemo(() => compareLines(runs, 'valAcc', smoothing), [runs, smoothing]);
  const withConfig = useMemo(() => runs.filter((r) => r.config), [runs]);
  const diff = useMemo(() => configDiff(withConfig.map((r) => r.config as RunConfig)), [withConfig]);
  return (
    <section aria-label="run comparison">
      <h2>Comparing {ids.length} runs</h2>
      {error && <p role="alert">{error}</p>}
      <CurveControls smoothing={smoothing} onSmoothing={setSmoothing} />
      <CurveChart
        label="compared validation loss chart"
        lines={loss}
        spans={[]}
        xName="step"
        yName="val loss"
        width="50%"
      />
      <CurveChart
        label="compared validation accuracy chart"
        lines={acc}
        spans={[]}
        xName="step"
        yName="val accuracy"
        width="50%"
      />
      <h3>Config differences</h3>
      {withConfig.length < runs.length && (
        <p style={{ opacity: 0.7 }}>
          Not compared (config unreadable):{' '}
          {runs
            .filter((r) => !r.config)
            .map((r) => r.id)
            .join(', ')}
        </p>
      )}
      {runs.length > 0 &&
        (diff.length ? (
          <table aria-label="config differences" style={{ borderCollapse: 'collapse', fontSize: 13 }}>
            <thead>
              <tr style={{ textAlign: 'left' }}>
                <th style={{ padding: '2px 12px 2px 0' }}>field</th>
                {withConfig.map((r) => (
                  <th key={r.id} style={{ padding: '2px 12px', fontFamily: 'monospace' }}>
                    {r.name ?? r.id}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {diff.map((d) => (
                <tr key={d.path} style={{ borderTop: '1px solid #223' }}>
                  <td title={d.path} style={{ padding: '2px 12px 2px 0' }}>
                    {d.title}
                  </td>
                  {d.values.map((v, i) => (
                    <td key={i} style={{ padding: '2px 12px', wordBreak: 'break-word', maxWidth: 420 }}>
                      {v}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p>The configs are the same.</p>
        ))}
      <div style={{ margin: '8px 0' }}>
        <button
          disabled={!runs.length}
          onClick={() => download('comparison-epochs.csv', epochMetricsCsv(runs))}
          title="per run, each finished epoch's mean of every validation metric"
        >
          Download epoch metrics (CSV)
        </button>{' '}
        <button
          disabled={!withConfig.length}
          onClick={() =>
            download(
              'comparison-config.csv',
              configDiffCsv(
                withConfig.map((r) => r.id),
                diff,
              ),
            )
          }
        >
          Download config differences (CSV)
        </button>
      </div>
      <h3>Found architectures</h3>
      <div aria-label="compared architectures" style={{ display: 'flex', flexWrap: 'wrap', gap: 16 }}>
        {runs.map((r) => (
          <div
            key={r.id}
            aria-label={`architecture of ${r.id}`}
            style={{ flex: `1 1 ${Math.max(360, Math.floor(1200 / runs.length) - 16)}px`, minWidth: 0 }}
          >
            <h4 style={{ margin: '4px 0', fontFamily: 'monospace' }}>
              {r.name ? `${r.name} · ` : ''}
              {r.id}
              {r.last && (
                <small style={{ opacity: 0.7, fontFamily: 'system-ui' }}>
                  {' '}
                  — after epoch {r.last.epoch + 1}
                </small>
              )}
            </h4>
            {r.last ? (
              <GenotypeView record={r.last} space={r.config?.space ?? null} />
            ) : (
              <p style={{ opacity: 0.7 }}>No epoch finished yet.</p>
            )}
          </div>
        ))}
      </div>
    </section>
  );
}
