import type { WorkerHandle } from '../runs/manager';
import type { DoctorReport } from '../shared/doctor';
import type { BackendName } from '../engine/backend/choose';

/**
 * Asks a freshly started worker for the doctor report, then stops it. Works on any WorkerHandle: an
 * Electron utility process (main) or a Node child process (tests), since both speak the same protocol.
 */
export function requestDoctorReport(
  worker: WorkerHandle,
  opts: { backend?: BackendName; timeoutMs?: number } = {},
): Promise<DoctorReport> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(
      () =>
        settle(() => {
          worker.kill();
          reject(new Error(`the engine worker did not report within ${timeoutMs / 1000} seconds`));
        }),
      timeoutMs,
    );
    worker.onMessage((m) => {
      if (m.type === 'ready') worker.send({ type: 'info', backend: opts.backend });
      else if (m.type === 'info')
        settle(() => {
          worker.send({ type: 'stop' });
          resolve(m.report);
        });
      else if (m.type === 'error')
        settle(() => {
          worker.send({ type: 'stop' });
          reject(new Error(`the engine worker could not report: ${m.message}`));
        });
    });
    void worker.exited.then(({ code, signal }) =>
      settle(() =>
        reject(new Error(`the engine worker exited (${signal ?? `code ${code}`}) before reporting`)),
      ),
    );
  });
}
