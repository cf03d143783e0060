import { useCallback, useEffect, useState } from 'react';
import type { RunProgressEvent } from '../../shared/api';
import type { RunStatusFile } from '../../runs/status';
import { api } from './api';
import { LossChart } from './LossChart';
import { AlphaHeatmap } from './AlphaHeatmap';
import { Wizard } from './Wizard';

interface EpochRecord {
  epoch: number;
  arch: { ops: string[]; normal: number[][]; reduce: number[][] };
  genotype: { normal: Array<[string, number]>; reduce: Array<[string, number]> };
}

/** A search sized for a CPU, as examples/quick-search.json: the first thing a new user can run. */
const QUICK_SEARCH = {
  space: { cells: 5, channels: 8 },
  strategy: { name: 'darts' as const, order: 'first' as const },
  epochs: 5,
  batchSize: 16,
  data: { source: 'default' as const, subset: 1000 },
};

function formatEta(s: number): string {
  if (!Number.isFinite(s)) return '–';
  const m = Math.floor(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min ${Math.round(s % 60)} s`;
}

/** Runs list with live progress, pause/resume, and the loss curves of the selected run. */
export function Runs() {
  const [runs, setRuns] = useState<RunStatusFile[]>([]);
  const [progress, setProgress] = useState<Record<string, RunProgressEvent>>({});
  const [curves, setCurves] = useState<Record<string, { train: Array<[number, number]>; val: Array<[number, number]> }>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [lastEpoch, setLastEpoch] = useState<EpochRecord | null>(null);
  const refresh = useCallback(() => {
    api().listRuns().then(setRuns).catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    refresh();
    const offStatus = api().onRunStatus(() => refresh());
    const seen = new Set<string>();
    const offProgress = api().onRunProgress((p) => {
      // The first step of a run means it went from queued to running: fetch the list once.
      if (!seen.has(p.id)) {
        seen.add(p.id);
        refresh();
      }
      setProgress((old) => ({ ...old, [p.id]: p }));
      setCurves((old) => {
        const c = old[p.id] ?? { train: [], val: [] };
        return { ...old, [p.id]: { train: [...c.train, [p.step, p.metrics.trainLoss]], val: [...c.val, [p.step, p.metrics.valLoss]] } };
      });
    });
    return () => {
      offStatus();
      offProgress();
    };
  }, [refresh]);
  const act = (f: () => Promise<unknown>) => f().then(refresh).catch((e: Error) => setError(e.message));
  // The selected run's log: curves for finished runs too, and α / genotype of its latest epoch.
  const epochsSeen = selected ? (progress[selected]?.epoch ?? 0) : 0;
  useEffect(() => {
    if (!selected) return;
    api()
      .runMetrics(selected)
      .then((records) => {
        const steps = records.filter((r) => r.kind === 'step') as Array<{ step: number; trainLoss: number; valLoss: number }>;
        setCurves((old) => ({
          ...old,
          [selected]: { train: steps.map((r) => [r.step + 1, r.trainLoss]), val: steps.map((r) => [r.step + 1, r.valLoss]) },
        }));
        const epochs = records.filter((r) => r.kind === 'epoch') as unknown as EpochRecord[];
        setLastEpoch(epochs.at(-1) ?? null);
      })
      .catch((e: Error) => setError(e.message));
  }, [selected, epochsSeen, runs]);
  const current = selected ? curves[selected] : undefined;
  return (
    <section aria-label="runs">
      <Wizard
        onStarted={(id) => {
          setSelected(id);
          refresh();
        }}
      />
      <h2>Runs</h2>
      <button onClick={() => act(async () => setSelected(await api().startRun(QUICK_SEARCH)))}>Start a quick DARTS search</button>
      {error && <p role="alert">{error}</p>}
      <table>
        <thead>
          <tr>
            <th>run</th>
            <th>status</th>
            <th>step</th>
            <th>ETA</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => {
            const p = progress[r.id];
            return (
              <tr key={r.id} onClick={() => setSelected(r.id)} style={{ cursor: 'pointer', fontWeight: r.id === selected ? 'bold' : undefined }}>
                <td>{r.id}</td>
                <td>
                  {r.status}
                  {r.reason ? ` — ${r.reason}` : ''}
                </td>
                <td>
                  {p?.step ?? r.step}/{p?.totalSteps ?? r.totalSteps ?? '?'}
                </td>
                <td>{p && r.status === 'running' ? formatEta(p.etaSeconds) : ''}</td>
                <td>
                  {r.status === 'running' && <button onClick={() => act(() => api().pauseRun(r.id))}>Pause</button>}
                  {['paused', 'interrupted', 'failed'].includes(r.status) && <button onClick={() => act(() => api().resumeRun(r.id))}>Resume</button>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {current && <LossChart train={current.train} val={current.val} />}
      {lastEpoch && (
        <div aria-label="architecture">
          <h3>Architecture after epoch {lastEpoch.epoch + 1}</h3>
          <AlphaHeatmap title="normal cell softmax(α)" ops={lastEpoch.arch.ops} rows={lastEpoch.arch.normal} />
          <AlphaHeatmap title="reduction cell softmax(α)" ops={lastEpoch.arch.ops} rows={lastEpoch.arch.reduce} />
          <p aria-label="genotype">
            normal: {lastEpoch.genotype.normal.map(([op, i]) => `${op}←${i}`).join(', ')}
            <br />
            reduce: {lastEpoch.genotype.reduce.map(([op, i]) => `${op}←${i}`).join(', ')}
          </p>
        </div>
      )}
    </section>
  );
}
