import { describe, expect, it } from 'vitest';
import type { WorkerHandle } from '../runs/manager';
import type { HostMessage, WorkerMessage } from '../shared/protocol';
import { requestDatasetDownload, requestOnce } from './requests';

/** A worker without a process: replies to what it is sent with `script`, records what it got. */
function fakeWorker(script: (m: HostMessage, reply: (m: WorkerMessage) => void) => void) {
  const listeners: Array<(m: WorkerMessage) => void> = [];
  const sent: HostMessage[] = [];
  let exit: (e: { code: number | null; signal: string | null }) => void = () => {};
  const reply = (m: WorkerMessage) => setTimeout(() => listeners.forEach((l) => l(m)), 5);
  const handle: WorkerHandle = {
    send: (m) => {
      sent.push(m);
      if (m.type === 'stop') return exit({ code: 0, signal: null });
      script(m, reply);
    },
    onMessage: (l) => void listeners.push(l),
    exited: new Promise((resolve) => (exit = resolve)),
    kill: () => exit({ code: null, signal: 'SIGTERM' }),
  };
  reply({ type: 'ready', pid: 1, node: process.versions.node });
  return { handle, sent };
}

describe('worker requests', () => {
  it('a download passes every progress message on, resolves with the folder and stops the worker', async () => {
    const { handle, sent } = fakeWorker((m, reply) => {
      if (m.type !== 'download-dataset') return;
      reply({ type: 'download-progress', file: `${m.cache}/a.gz`, received: 10, total: 20 });
      reply({ type: 'download-progress', file: `${m.cache}/a.gz`, received: 20, total: 20 });
      reply({ type: 'download-result', folder: `${m.cache}/${m.name}` });
    });
    const seen: number[] = [];
    expect(await requestDatasetDownload(handle, 'mnist', '/cache', (p) => seen.push(p.received))).toBe(
      '/cache/mnist',
    );
    expect(seen).toEqual([10, 20]);
    expect(sent.map((m) => m.type)).toEqual(['download-dataset', 'stop']);
  });

  it('the timeout is for silence: progress keeps a long request alive, a silent worker is stopped', async () => {
    const { handle } = fakeWorker((m, reply) => {
      // Eight progress messages 40 ms apart: 320 ms in all, longer than the 200 ms timeout.
      for (let i = 1; i <= 8; i++)
        setTimeout(() => reply({ type: 'download-progress', file: 'f', received: i, total: 8 }), 40 * i);
      setTimeout(() => reply({ type: 'download-result', folder: 'done' }), 340);
    });
    expect(await requestDatasetDownload(handle, 'mnist', '/cache', () => {}, 200)).toBe('done');
    const silent = fakeWorker(() => {});
    const pick = (m: WorkerMessage) => (m.type === 'export-result' ? m.result : undefined);
    await expect(
      requestOnce(silent.handle, { type: 'export-run', runDir: '/r' }, pick, {
        what: 'export the run',
        timeoutMs: 100,
      }),
    ).rejects.toThrow('the engine worker did not export the run: it sent nothing for 0.1 seconds');
    expect(await silent.handle.exited).toEqual({ code: null, signal: 'SIGTERM' });
  });
});
