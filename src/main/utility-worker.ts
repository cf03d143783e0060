import { utilityProcess } from 'electron';
import { join } from 'node:path';
import { WorkerMessageSchema, type WorkerMessage } from '../shared/protocol';
import type { WorkerHandle } from '../runs/manager';

/**
 * Starts the engine worker (out/node/worker.js, built apart from this bundle, see
 * electron.vite.node.config.ts) as an Electron utility process behind the same WorkerHandle interface
 * the Node child-process client offers (src/worker/client.ts), so that the run manager and the doctor
 * request do not care which kind of process they talk to. Messages from the worker are validated; a
 * malformed one is reported as a typed error rather than passed on.
 */
export function launchUtilityWorker(serviceName: string, env: NodeJS.ProcessEnv = process.env): WorkerHandle {
  const child = utilityProcess.fork(join(__dirname, '..', 'node', 'worker.js'), [], {
    serviceName,
    env,
    stdio: 'inherit',
  });
  const listeners: Array<(m: WorkerMessage) => void> = [];
  child.on('message', (raw: unknown) => {
    const r = WorkerMessageSchema.safeParse(raw);
    const m: WorkerMessage = r.success
      ? r.data
      : { type: 'error', code: 'bad-message', message: 'the worker sent a malformed message' };
    listeners.forEach((l) => l(m));
  });
  return {
    send: (m) => child.postMessage(m),
    onMessage: (l) => void listeners.push(l),
    exited: new Promise((resolve) => child.on('exit', (code) => resolve({ code, signal: null }))),
    kill: () => void child.kill(),
  };
}
