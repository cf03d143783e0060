import type { DoctorReport } from '../../shared/doctor';

/** What this machine offers for search (the doctor report). */
export function MachinePanel({ report }: { report: DoctorReport }) {
  return (
    <section aria-label="doctor report" className="card">
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
          ? report.gpus.devices.map((d) => `${d.name} (${d.memory})`).join(', ')
          : report.gpus.note}
      </p>
      {report.gpus.cudaLibraries && <p>CUDA libraries: {report.gpus.cudaLibraries.note}</p>}
      <p>
        Node {report.node} · {report.platform} · data in {report.paths.home}
      </p>
    </section>
  );
}
