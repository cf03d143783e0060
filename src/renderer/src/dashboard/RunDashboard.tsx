import { useEffect, useMemo, useState } from 'react';
import { STRATEGY_SPECS, strategySpec } from '../../../engine/catalog';
import type { MetricSpec } from '../../../engine/search/strategy';
import type { ExportResult, RunSummary } from '../../../shared/api';
import { api } from '../api';
import { ArchitecturePanel } from './ArchitecturePanel';
import { CandidatesPanel } from './CandidatesPanel';
import { CollapseAlarmPanel } from './CollapseAlarmPanel';
import { EnasPanel } from './EnasPanel';
import { splitSampled } from './enas';
import { MetricCharts } from './MetricCharts';
import { ProgressLine } from './ProgressLine';
import { ResourcePanel } from './ResourcePanel';
import { RunNameNotes } from '../runs/RunNameNotes';
import { SearchPhasePanel } from './SearchPhasePanel';
import { StageTimelinePanel } from './StageTimelinePanel';
import { TrainDashboard } from './TrainDashboard';
import { useRunConfig, useRunData } from './run-data';

const NO_METRICS: readonly MetricSpec[] = [];

/** The exported files, as download links in web mode (on disk, named, in the desktop app). */
function ExportedFiles({ id, exported }: { id: string; exported: ExportResult }) {
  return (
    <div aria-label="exported files">
      Exported to {exported.folder}:
      <ul>
        {exported.files.map((f) => {
          const href = api().exportUrl(id, f.name);
          return (
            <li key={f.name}>
              {href ? (
                <a href={href} download={f.name}>
                  {f.name}
                </a>
              ) : (
                f.name
              )}{' '}
              — {f.what} ({(f.bytes / 1024).toFixed(1)} KiB)
            </li>
          );
        })}
      </ul>
    </div>
  );
}

interface DashboardProps {
  run: RunSummary;
  onChanged: () => void;
  /** Shows another run's dashboard (a training run just started from this one). */
  onOpenRun?: (id: string) => void;
}

/** One run, live, by its kind: a search's dashboard or a training run's. Mount with key={run.id}. */
export function RunDashboard(props: DashboardProps) {
  return props.run.kind === 'train' ? <TrainDashboard {...props} /> : <SearchDashboard {...props} />;
}

/** One search, live: progress, controls, curves, architecture, candidates, log, export. */
function SearchDashboard({ run, onChanged, onOpenRun }: DashboardProps) {
  const { series, epochs, candidates, phases, spans, last, error, reload } = useRunData(run.id);
  const config = useRunConfig(run.id);
  // ENAS reports its most sampled architectures per epoch as 'sampled' records: its own panel, not candidates.
  const { sampled, scored } = useMemo(() => splitSampled(candidates), [candidates]);
  const [log, setLog] = useState('');
  const [exported, setExported] = useState<ExportResult | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  // The log and the full metrics are re-read when the run changes state (paused, completed, ...).
  useEffect(() => {
    api()
      .runLog(run.id)
      .then(setLog)
      .catch(() => setLog(''));
  }, [run.id, run.status, run.updatedAt, epochs.length]);
  useEffect(() => {
    if (run.status !== 'running') reload();
  }, [run.status, reload]);
  // The strategy's declared metrics group the curves; a strategy this build does not know charts them as "other".
  const declared = useMemo(() => {
    const name = config?.strategy.name;
    return name && STRATEGY_SPECS.some((s) => s.name === name) ? strategySpec(name).metrics : NO_METRICS;
  }, [config]);
  // A staged strategy (P-DARTS) declares its stages in its spec: the stage timeline shows them.
  const stagePlan = useMemo(() => {
    const name = config?.strategy.name;
    if (!config || !name || !STRATEGY_SPECS.some((s) => s.name === name)) return null;
    const spec = strategySpec(name);
    try {
      return (
        spec.stageTimeline?.(config.strategy as never, { space: config.space, epochs: config.epochs }) ?? null
      );
    } catch {
      // A config this build reads differently: no timeline rather than a broken dashboard.
      return null;
    }
  }, [config]);
  const act = (f: () => Promise<unknown>) =>
    f()
      .then(() => {
        setActionError(null);
        onChanged();
      })
      .catch((e: Error) => setActionError(e.message));
  const running = run.status === 'running' || run.status === 'pausing';
  return (
    <section aria-label="run dashboard" className="card">
      <h2>
        Run {run.id} <small style={{ opacity: 0.7 }}>{run.status}</small>
      </h2>
      {(run.name || run.notes) && <RunNameNotes name={run.name} notes={run.notes} full />}
      <p>
        {run.dataset} · {run.strategy} · {run.space} · backend {run.backend ?? 'not started yet'}
      </p>
      {run.reason && <p role="alert">{run.reason}</p>}
      <ProgressLine run={run} last={last} phases={phases} />
      <ResourcePanel sample={last?.resources} running={running} />
      <div style={{ margin: '8px 0' }}>
        {running && <button onClick={() => act(() => api().pauseRun(run.id))}>Pause</button>}{' '}
        {(running || run.status === 'queued') && (
          <button
            title="end the search after the current step and export its genotype so far"
            onClick={() => act(() => api().stopRun(run.id))}
          >
            Stop
          </button>
        )}
        {run.canResume && <button onClick={() => act(() => api().resumeRun(run.id))}>Resume</button>}{' '}
        <button onClick={() => act(async () => setExported(await api().exportRun(run.id)))}>Export</button>{' '}
        {epochs.length > 0 && (
          <>
            <button
              title="train the architecture this search found from scratch (CPU-sized recipe), on the whole training split, tested on the test split"
              onClick={() => act(async () => onOpenRun?.(await api().startTraining({ from: run.id })))}
            >
              Train this architecture
            </button>{' '}
            <button
              title="the baseline: train a random architecture of the same space with the same recipe and data"
              onClick={() =>
                act(async () =>
                  onOpenRun?.(
                    await api().startTraining({ from: run.id, randomSeed: Math.floor(Math.random() * 1e9) }),
                  ),
                )
              }
            >
              Train a random architecture from the same space
            </button>
          </>
        )}
      </div>
      {(error || actionError) && <p role="alert">{actionError ?? error}</p>}
      {exported && <ExportedFiles id={run.id} exported={exported} />}
      {/* Until the config is read the grouping is unknown: drawing "other" first would flicker. */}
      {config !== undefined && (
        <MetricCharts declared={declared} series={series} phases={phases} spans={spans} epochs={epochs} />
      )}
      {stagePlan && (
        <StageTimelinePanel plan={stagePlan} epochs={epochs} phases={phases} status={run.status} />
      )}
      <CollapseAlarmPanel declared={declared} epochs={epochs} />
      <EnasPanel sampled={sampled} space={config?.space?.name} />
      <CandidatesPanel candidates={scored} />
      <SearchPhasePanel candidates={scored} config={config ?? null} declared={declared} />
      <ArchitecturePanel epochs={epochs} space={config?.space ?? null} />
      <details>
        <summary>Log</summary>
        <pre aria-label="run log" style={{ maxHeight: 240, overflow: 'auto', fontSize: 12 }}>
          {log}
        </pre>
      </details>
    </section>
  );
}
