import { useEffect, useState } from 'react';
import type { DoctorReport } from '../../shared/doctor';
import { api } from './api';
import { Runs } from './Runs';

/** First screen: what this machine offers for search (the doctor report). */
export function App() {
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api()
      .doctor()
      .then(setReport)
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <main
      style={{
        fontFamily: 'system-ui, sans-serif',
        color: '#e6e9ef',
        background: '#10141b',
        minHeight: '100vh',
        padding: 24,
      }}
    >
      <h1>NAS Studio</h1>
      {error && <p role="alert">Could not inspect this machine: {error}</p>}
      {!report && !error && <p>Inspecting this machine…</p>}
      {report && (
        <section aria-label="doctor report">
          <h2>Compute backend: {report.backend.chosen}</h2>
          <p>
            Computes on: {report.backend.device} · tfjs {report.backend.tfjsVersion}
          </p>
          <ul>
            {report.backend.attempts.map((a) => (
              <li key={a.backend}>
                {a.ok ? '✓' : '✗'} {a.backend}: {a.detail}
              </li>
            ))}
          </ul>
          {report.backend.whyNotFaster && <p>Why not faster: {report.backend.whyNotFaster}</p>}
          <p>
            GPUs:{' '}
            {report.gpus.devices.length
              ? report.gpus.devices.map((d) => d.name).join(', ')
              : report.gpus.note}
          </p>
          {report.gpus.cudaLibraries && <p>CUDA libraries: {report.gpus.cudaLibraries.note}</p>}
          <p>
            Node {report.node} · {report.platform} · data in {report.paths.home}
          </p>
        </section>
      )}
      <Runs />
    </main>
  );
}
