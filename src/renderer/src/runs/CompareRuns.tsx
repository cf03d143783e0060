import { useEffect, useMemo, useState } from 'react';
import type { RunConfig } from '../../../shared/run-config';
import { api } from '../api';
import { CurveChart } from '../charts/CurveChart';
import { CurveControls } from '../dashboard/CurveControls';
import { DEFAULT_SMOOTHING, emaSmooth, type CurveLine, type Points } from '../dashboard/curves';
import { GenotypeView } from '../dashboard/GenotypeView';
import { parseMetricsLog, type EpochRecord } from '../dashboard/metrics-log';
import {
  compareGroups,
  configDiff,
  configDiffCsv,
  epochMetricsCsv,
  trainingCurves,
  type ComparedRun,
  type TrainingCurves,
} from './compare';

interface Loaded extends ComparedRun {
  config: RunConfig | null;
  last: EpochRecord | undefined;
  kind: 'search' | 'train';
  training: TrainingCurves;
  testAcc?: number;
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
function compareLines(runs: Loaded[], points: (r: Loaded) => Points, weight: number): CurveLine[] {
  return runs.map((r) => {
    const raw = points(r);
    return {
      key: r.id,
      title: r.name ? `${r.name} (${r.id})` : r.id,
      raw,
      smoothed: weight > 0 ? emaSmooth(raw, weight) : null,
      means: [],
    };
  });
}

/** One chart of the comparison: the metric each run gives, and how it is drawn. */
interface ComparedChartSpec {
  label: string;
  points: (r: Loaded) => Points;
  xName: 'step' | 'epoch';
  yName: string;
  /** Per-epoch points are drawn raw: there is nothing to smooth. */
  perEpoch?: boolean;
}

const SEARCH_CHARTS: ComparedChartSpec[] = [
  {
    label: 'compared validation loss chart',
    points: (r) => r.series.valLoss ?? [],
    xName: 'step',
    yName: 'val loss',
  },
  {
    label: 'compared validation accuracy chart',
    points: (r) => r.series.valAcc ?? [],
    xName: 'step',
    yName: 'val accuracy',
  },
];

/** Accuracy for image classifiers, perplexity for language models: a chart only where a run has points. */
const TRAINING_CHARTS: ComparedChartSpec[] = [
  {
    label: 'compared train loss chart',
    points: (r) => r.training.trainLoss,
    xName: 'step',
    yName: 'train loss',
  },
  {
    label: 'compared train accuracy chart',
    points: (r) => r.training.trainAcc,
    xName: 'step',
    yName: 'train accuracy',
  },
  {
    label: 'compared test accuracy chart',
    points: (r) => r.training.testAcc,
    xName: 'epoch',
    yName: 'test accuracy',
    perEpoch: true,
  },
  {
    label: 'compared test perplexity chart',
    points: (r) => r.training.testPerplexity,
    xName: 'epoch',
    yName: 'test perplexity',
    perEpoch: true,
  },
];

/** The charts of one group: those the group's runs have points for, the first always (so an empty run still shows its axes). */
function comparedCharts(runs: Loaded[], specs: ComparedChartSpec[], smoothing: number) {
  const drawn = specs.filter((c, i) => i === 0 || runs.some((r) => c.points(r).length > 0));
  return drawn.map((c) => ({ ...c, lines: compareLines(runs, c.points, c.perEpoch ? 0 : smoothing) }));
}

/** 'train loss, train accuracy per step; test accuracy per epoch' for the charts drawn. */
function chartsInWords(charts: ComparedChartSpec[]): string {
  return (['step', 'epoch'] as const)
    .map((x) => charts.filter((c) => c.xName === x).map((c) => c.yName))
    .map((names, i) => (names.length ? `${names.join(', ')} per ${i ? 'epoch' : 'step'}` : ''))
    .filter(Boolean)
    .join('; ');
}

function ComparedCharts({ charts }: { charts: Array<ComparedChartSpec & { lines: CurveLine[] }> }) {
  const width = `${Math.floor(100 / Math.max(2, charts.length))}%`;
  return (
    <>
      {charts.map((c) => (
        <CurveChart
          key={c.label}
          label={c.label}
          lines={c.lines}
          spans={[]}
          xName={c.xName}
          yName={c.yName}
          width={width}
        />
      ))}
    </>
  );
}

/** What a training run trained, in words (its dashboard says the same, with the recipe). */
function trainedWhat(config: RunConfig | null): string {
  if (config?.kind !== 'train') return 'a training run';
  const a = config.architecture;
  if (a.random) return `a random ${config.space.name} architecture (seed ${a.random.seed})`;
  const from = a.origin?.run ? ` of run ${a.origin.run}` : '';
  return `the ${config.space.name} architecture${from}${a.text ? `: ${a.text}` : ''}`;
}

/**
 * Two or more runs side by side: searches' validation loss and accuracy overlaid against the step,
 * training runs' train loss and accuracy (per step) and test accuracy (per epoch), a mixed selection
 * both groups, each on its own charts (compare.ts compareGroups says why)
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
        const summary = summaries.find((s) => s.id === id);
        return {
          id,
          name: summary?.name,
          kind:
            config?.kind === 'train' || summary?.kind === 'train' ? ('train' as const) : ('search' as const),
          training: trainingCurves(records),
          testAcc: summary?.testAcc,
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
  const groups = useMemo(() => compareGroups(runs), [runs]);
  const charts = useMemo(() => {
    const searches = runs.filter((r) => r.kind === 'search');
    const trainings = runs.filter((r) => r.kind === 'train');
    return {
      search: comparedCharts(searches, SEARCH_CHARTS, smoothing),
      train: comparedCharts(trainings, TRAINING_CHARTS, smoothing),
    };
  }, [runs, smoothing]);
  const withConfig = useMemo(() => runs.filter((r) => r.config), [runs]);
  const diff = useMemo(() => configDiff(withConfig.map((r) => r.config as RunConfig)), [withConfig]);
  return (
    <section aria-label="run comparison">
      <h2>Comparing {ids.length} runs</h2>
      {error && <p role="alert">{error}</p>}
      <CurveControls smoothing={smoothing} onSmoothing={setSmoothing} />
      {groups.note && (
        <p aria-label="comparison note" style={{ opacity: 0.8 }}>
          {groups.note}
        </p>
      )}
      {groups.search.length > 0 && (
        <div aria-label="compared search curves">
          {groups.train.length > 0 && <h3>Searches: validation curves</h3>}
          <ComparedCharts charts={charts.search} />
        </div>
      )}
      {groups.train.length > 0 && (
        <div aria-label="compared training curves">
          <h3>Training runs: {chartsInWords(charts.train)}</h3>
          <ComparedCharts charts={charts.train} />
        </div>
      )}
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
          onClick={() =>
            download(
              'comparison-epochs.csv',
              epochMetricsCsv(runs.map((r) => ({ ...r, trainEpochs: r.training.epochs }))),
            )
          }
          title="per run, each finished epoch's mean of every validation metric (training runs: each epoch's train and test metrics)"
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
            {r.kind === 'train' ? (
              <p aria-label={`trained model of ${r.id}`} style={{ fontSize: 13, wordBreak: 'break-all' }}>
                {trainedWhat(r.config)}
                {r.testAcc !== undefined && ` · test accuracy ${(r.testAcc * 100).toFixed(2)}%`}
              </p>
            ) : r.last ? (
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
