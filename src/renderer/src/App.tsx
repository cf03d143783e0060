import { useCallback, useEffect, useState } from 'react';
import type { RunProgressEvent, RunSummary } from '../../shared/api';
import type { DoctorReport } from '../../shared/doctor';
import { api } from './api';
import { RunDashboard } from './dashboard/RunDashboard';
import { MachinePanel } from './MachinePanel';
import { CompareRuns } from './runs/CompareRuns';
import { RunsList } from './runs/RunsList';
import { ThemeToggle } from './theme/ThemeToggle';
import { QUICK_DRAFT } from './wizard/draft';
import { Wizard } from './wizard/Wizard';

type View = 'runs' | 'new' | 'machine';

/** How often the runs list takes live progress: events batch up in between. */
const PROGRESS_FLUSH_MS = 500;

/** The app: runs (list, comparison, the selected run's dashboard), the wizard, and this machine. */
export function App() {
  const [view, setView] = useState<View>('runs');
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [progress, setProgress] = useState<Record<string, RunProgressEvent>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const [compare, setCompare] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(() => {
    api()
      .listRuns()
      .then(setRuns)
      .catch((e: Error) => setError(e.message));
  }, []);
  useEffect(() => {
    api()
      .doctor()
      .then(setReport)
      .catch((e: Error) => setError(`Could not inspect this machine: ${e.message}`));
    refresh();
    const offStatus = api().on('status', () => refresh());
    let pending: Record<string, RunProgressEvent> = {};
    const seen = new Set<string>();
    const offProgress = api().on('progress', (p) => {
      pending[p.id] = p;
      // A run's first step means it went from queued to running: fetch the list once.
      if (!seen.has(p.id)) {
        seen.add(p.id);
        refresh();
      }
    });
    const timer = setInterval(() => {
      if (!Object.keys(pending).length) return;
      const batch = pending;
      pending = {};
      setProgress((old) => ({ ...old, ...batch }));
    }, PROGRESS_FLUSH_MS);
    return () => {
      offStatus();
      offProgress();
      clearInterval(timer);
    };
  }, [refresh]);
  const open = (id: string) => {
    setSelected(id);
    setView('runs');
    refresh();
  };
  const run = runs.find((r) => r.id === selected);
  const tab = (v: View, label: string) => (
    <button onClick={() => setView(v)} aria-pressed={view === v}>
      {label}
    </button>
  );
  return (
    <main className="app">
      <header className="app-header">
        <h1>NAS Studio</h1>
        <span aria-label="backend summary" className="backend">
          {report
            ? `Compute backend: ${report.backend.chosen} — ${report.backend.device}`
            : 'Inspecting this machine…'}
        </span>
        <ThemeToggle />
      </header>
      <nav className="app-nav">
        {tab('runs', 'Runs')}
        {tab('new', 'New search')}
        {tab('machine', 'This machine')}
      </nav>
      {error && (
        <p role="alert">
          {error} <button onClick={() => setError(null)}>dismiss</button>
        </p>
      )}
      {view === 'machine' && report && <MachinePanel report={report} />}
      {view === 'new' && <Wizard doctor={report} onStarted={open} />}
      {view === 'runs' && (
        <section aria-label="runs">
          <h2>Runs</h2>
          <button
            className="primary"
            onClick={() =>
              api()
                .startRun(QUICK_DRAFT)
                .then(open)
                .catch((e: Error) => setError(e.message))
            }
          >
            Start a quick DARTS search
          </button>
          <RunsList
            runs={runs}
            progress={progress}
            selected={selected}
            compare={compare}
            onSelect={setSelected}
            onCompareChange={setCompare}
            onChanged={refresh}
            onError={setError}
          />
          {compare.length >= 2 && <CompareRuns ids={compare} />}
          {run && <RunDashboard key={run.id} run={run} onChanged={refresh} onOpenRun={open} />}
        </section>
      )}
    </main>
  );
}
