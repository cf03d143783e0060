import type { WorkerHandle } from '../runs/manager';
import type { DoctorReport } from '../shared/doctor';
import type { DatasetPreviewDto } from '../shared/api';
import type { HostMessage, WorkerMessage } from '../shared/protocol';
import type { BackendName } from '../engine/backend/choose';

/**
 * Sends one request to a freshly started worker once it is ready, resolves with what `pick` finds in
 * its reply, then stops it. An 'error' reply rejects with the worker's own sentence (it is meant for
 * people); silence past the timeout or an early exit rejects saying so. Works on any WorkerHandle: an
 * Electron utility process (main) or a Node child process (web mode, tests): both speak the protocol.
 */
export function requestOnce<T>(
  worker: WorkerHandle,
  request: HostMessage,
  pick: (m: WorkerMessage) => T | undefined,
  opts: { what: string; timeoutMs?: number },
): Promise<T> {
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
          reject(new Error(`the engine worker did not ${opts.what} within ${timeoutMs / 1000} seconds`));
        }),
      timeoutMs,
    );
    worker.onMessage((m) => {
      if (m.type === 'ready') return worker.send(request);
      if (m.type === 'error')
        return settle(() => {
          worker.send({ type: 'stop' });
          reject(new Error(m.message));
        });
      const value = pick(m);
      if (value !== undefined)
        settle(() => {
          worker.send({ type: 'stop' });
          resolve(value);
        });
    });
    void worker.exited.then(({ code, signal }) =>
      settle(() => reject(new Error(`the engine worker exited (${signal ?? `code ${code}`}) before it could ${opts.what}`))),
    );
  });
}

/** The doctor report of a worker (the backend it can load, with an optional override). */
export function requestDoctorReport(worker: WorkerHandle, opts: { backend?: BackendName; timeoutMs?: number } = {}): Promise<DoctorReport> {
  return requestOnce(worker, { type: 'info', backend: opts.backend }, (m) => (m.type === 'info' ? m.report : undefined), {
    what: 'report',
    timeoutMs: opts.timeoutMs,
  });
}

/** The wizard's dataset preview, loaded in a worker. */
export function requestDatasetPreview(worker: WorkerHandle, data: unknown, seed: number, timeoutMs = 300_000): Promise<DatasetPreviewDto> {
  return requestOnce(worker, { type: 'preview-dataset', data, seed }, (m) => (m.type === 'dataset-preview' ? m.preview : undefined), {
    what: 'load the dataset preview',
    timeoutMs,
  });
}
