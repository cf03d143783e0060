import { fork, type ChildProcess } from 'node:child_process';
import { WorkerMessageSchema, type HostMessage, type WorkerMessage } from '../shared/protocol';
import type { WorkerLauncher } from '../runs/manager';

/**
 * Host side of the protocol for a worker run as a Node child process (CLI, run manager, tests). The
 * Electron main process wraps utilityProcess.fork in the same interface.
 */
export class WorkerClient {
  private readonly listeners = new Set<(m: WorkerMessage) => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    child.on('message', (raw) => {
      const r = WorkerMessageSchema.safeParse(raw);
      const msg: WorkerMessage = r.success
        ? r.data
        : { type: 'error', code: 'bad-message', message: 'the worker sent a malformed message' };
      for (const l of this.listeners) l(msg);
    });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  }

  static fork(workerPath: string, env: NodeJS.ProcessEnv = process.env): WorkerClient {
    return new WorkerClient(fork(workerPath, [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Sends a message (raw: the protocol is validated by the worker, which tests rely on). */
  send(message: HostMessage | unknown): void {
    this.child.send(message as object);
  }

  onMessage(listener: (m: WorkerMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first message that satisfies `pred`. */
  waitFor<T extends WorkerMessage>(pred: (m: WorkerMessage) => m is T, timeoutMs = 60_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no matching worker message within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onMessage((m) => {
        if (pred(m)) {
          clearTimeout(timer);
          off();
          resolve(m);
        }
      });
    });
  }

  /** A run-manager launcher that forks the worker at `workerPath` as a Node child process. */
  static launcher(workerPath: string): WorkerLauncher {
    return (env) => {
      const c = WorkerClient.fork(workerPath, env);
      return {
        send: (m) => c.send(m),
        onMessage: (l) => void c.onMessage(l),
        exited: c.exited,
        kill: () => void c.child.kill(),
      };
    };
  }
}
