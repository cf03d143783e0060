import { useEffect, useMemo, useState } from 'react';
import { isResumable } from '../../../runs/status';
import type { ExportResult, RunSummary } from '../../../shared/api';
import { api } from '../api';
import { SeriesChart, type Series } from '../charts/SeriesChart';
import { formatDuration } from '../format';
import { ArchitecturePanel } from './ArchitecturePanel';
import { useRunData, type StepSeries } from './run-data';

function pick(series: StepSeries, names: Array<[string, string]>): Series[] {
  return names.filter(([k]) => series[k]?.length).map(([k, label]) => ({ name: label, points: series[k] }));
}

/** Series the ENAS controller reports (reward, moving-average baseline, entropy of its policy). */
const ENAS_SERIES: Array<[string, string]> = [
  ['reward', 'reward'],
  ['baseline', 'baseline'],
  ['controllerEntropy', 'controller entropy'],
];


/** One run, live: progress, controls, curves, α and genotype, log, export. Mount with key={run.id}. */
export function RunDashboard({ run, onChanged }: { run: RunSummary; onChanged: () => void }) {
  const { series, epochs, last, error, reload } = useRunData(run.id);
  const [log, setLog] = useState('');
  const [exported, setExported] = useState<ExportResult | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  // The log and the full metrics are re-read when the run changes state (paused, completed, ...).
  useEffect(() => {
    api().runLog(run.id).then(setLog).catch(() => setLog(''));
  }, [run.id, run.status, run.updatedAt, epochs.length]);
  useEffect(() => {
    if (run.status !== 'running') reload();
  }, [run.status, reload]);
  const act = (f: () => Promise<unknown>) =>
    f()
      .then(() => {
        setActionError(null);
        onChanged();
      })
      .catch((e: Error) => setActionError(e.message));
  const running = run.status === 'running' || run.status === 'pausing';
  // Live events while it runs; the status file once it has stopped (it holds the final step).
  const step = running ? (last?.step ?? run.step) : run.step;
  const total = (running ? last?.totalSteps : undefined) ?? run.totalSteps ?? 0;
  const loss = useMemo(() => pick(series, [['trainLoss', 'train loss'], ['valLoss', 'val loss']]), [series]);
  const acc = useMemo(() => pick(series, [['trainAcc', 'train accuracy'], ['valAcc', 'val accuracy']]), [series]);
  const lrs = useMemo(() => pick(series, [['lrWeights', 'weights lr'], ['lrAlpha', 'α lr']]), [series]);
  const enas = useMemo(() => pick(series, ENAS_SERIES), [series]);
  return (
    <section aria-label="run dashboard" style={{ borderTop: '1px solid #334', marginTop: 16 }}>
      <h2>
        Run {run.id} <small style={{ opacity: 0.7 }}>{run.status}</small>
      </h2>
      <p>
        {run.dataset} · {run.strategy} · {run.space} · backend {run.backend ?? 'not started yet'}
      </p>
      {run.reason && (
        <p role="alert" style={{ color: '#fca5a5' }}>
          {run.reason}
        </p>
      )}
      <div aria-label="progress">
        <progress value={step} max={total || 1} style={{ width: 400 }} /> epoch {Math.min(Math.floor((step * run.epochs) / (total || 1)) + (step < total ? 1 : 0), run.epochs)}/{run.epochs} · step{' '}
        {step}/{total || '?'}
        {last && running && (
          <>
            {' '}
            · {(1 / last.stepSeconds).toFixed(2)} steps/s · ETA {formatDuration(last.etaSeconds)}
          </>
        )}
      </div>
      <div style={{ margin: '8px 0' }}>
        {running && <button onClick={() => act(() => api().pauseRun(run.id))}>Pause</button>}{' '}
        {(running || run.status === 'queued') && (
          <button title="end the search after the current step and export its genotype so far" onClick={() => act(() => api().stopRun(run.id))}>
            Stop
          </button>
        )}
        {isResumable(run.status) && <button onClick={() => act(() => api().resumeRun(run.id))}>Resume</button>}{' '}
        <button onClick={() => act(async () => setExported(await api().exportRun(run.id)))}>Export</button>
      </div>
      {(error || actionError) && <p role="alert">{actionError ?? error}</p>}
      {exported && (
        <div aria-label="exported files">
          Exported to {exported.folder}:
          <ul>
            {exported.files.map((f) => {
              const href = api().exportUrl(run.id, f.name);
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
      )}
      <div>
        <SeriesChart label="loss chart" series={loss} xName="step" yName="loss" width="50%" />
        <SeriesChart label="accuracy chart" series={acc} xName="step" yName="accuracy" width="50%" />
      </div>
      <div>
        <SeriesChart label="learning rate chart" series={lrs} xName="step" yName="learning rate" width="50%" log />
        {enas.length ? (
          <SeriesChart label="ENAS controller chart" series={enas} xName="step" yName="reward" width="50%" />
        ) : (
          <div aria-label="ENAS controller" style={{ display: 'inline-block', width: '45%', verticalAlign: 'top', opacity: 0.7 }}>
            ENAS controller reward, baseline and entropy appear here for ENAS runs.
          </div>
        )}
      </div>
      <ArchitecturePanel epochs={epochs} />
      <details>
        <summary>Log</summary>
        <pre aria-label="run log" style={{ maxHeight: 240, overflow: 'auto', fontSize: 12 }}>
          {log}
        </pre>
      </details>
    </section>
  );
}
