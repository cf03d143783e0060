import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { RunConfig } from '../shared/run-config';
import type { HostMessage, WorkerMessage } from '../shared/protocol';
import { RunDir, listRunDirs } from './run-dir';
import { isActive, isResumable, type RunStatusFile } from './status';
import { listCheckpoints } from './checkpoint-file';
import { requestPause } from './pause-request';

/** A started worker, whatever kind of process it is (utility process in Electron, child process elsewhere). */
export interface WorkerHandle {
  send(message: HostMessage): void;
  onMessage(listener: (m: WorkerMessage) => void): void;
  exited: Promise<{ code: number | null; signal: string | null }>;
  kill(): void;
}

export type WorkerLauncher = (env: NodeJS.ProcessEnv) => WorkerHandle;

export interface RunManagerOptions {
  root: string;
  launch: WorkerLauncher;
  /** Runs executing at once; the rest wait in the queue. */
  maxConcurrent?: number;
  /** GPU ids to spread runs over (CUDA_VISIBLE_DEVICES); empty: leave the environment alone. */
  gpus?: string[];
  checkpointEvery?: number;
  env?: NodeJS.ProcessEnv;
}

export function isProcessAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Marks runs left running by a process that is gone as interrupted, so that they can be resumed.
 * Called when the app or the CLI starts. Returns the ids it marked.
 */
export function recoverStaleRuns(root: string): string[] {
  const marked: string[] = [];
  for (const dir of listRunDirs(root)) {
    let s: RunStatusFile;
    try {
      s = dir.readStatus();
    } catch {
      continue;
    }
    if (isActive(s.status) && !isProcessAlive(s.pid)) {
      dir.transition('interrupted', {
        reason: `the process executing it (pid ${s.pid ?? 'unknown'}) stopped without pausing it; resume continues from the last checkpoint`,
        pid: undefined,
      });
      marked.push(s.id);
    }
  }
  return marked;
}

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

interface Active {
  id: string;
  worker: WorkerHandle;
  gpu?: string;
}

/**
 * Creates runs, queues them, executes each in its own worker, and keeps their status right when a
 * worker pauses, completes, fails or dies. Emits 'progress' (id, message) and 'status' (id, status).
 */
export class RunManager extends EventEmitter {
  private readonly queue: Array<{ id: string; resume: boolean }> = [];
  private readonly active = new Map<string, Active>();
  private gpuCursor = 0;

  constructor(private readonly opts: RunManagerOptions) {
    super();
    recoverStaleRuns(opts.root);
  }

  create(config: RunConfig, id = newRunId()): RunDir {
    return RunDir.create(this.opts.root, id, config);
  }

  dir(id: string): RunDir {
    const d = listRunDirs(this.opts.root).find((r) => r.id === id);
    if (!d) throw new Error(`no run named ${id} in ${this.opts.root}`);
    return d;
  }

  list(): RunStatusFile[] {
    return listRunDirs(this.opts.root).flatMap((d) => {
      try {
        return [d.readLiveStatus()];
      } catch {
        return [];
      }
    });
  }

  /**
   * Whether a run can continue: paused, stopped and interrupted runs can (from their last checkpoint,
   * or from the start); a failed one only once it has a checkpoint, since a run that failed before
   * it would fail again the same way (a dataset that cannot be read, a config the engine refuses).
   */
  canResume(s: RunStatusFile): boolean {
    if (!isResumable(s.status)) return false;
    return s.status !== 'failed' || listCheckpoints(this.dir(s.id).checkpointsDir).length > 0;
  }

  /** Queues a new run (status queued) or a resumable one; starts it when a slot is free. */
  enqueue(id: string, resume = false): void {
    const dir = this.dir(id);
    const s = dir.readStatus();
    if (resume && !isResumable(s.status))
      throw new Error(`run ${id} is ${s.status}; only paused, stopped, failed or interrupted runs resume`);
    if (resume && !this.canResume(s))
      throw new Error(
        `run ${id} failed before its first checkpoint${s.reason ? ` (${s.reason})` : ''}: there is nothing to resume; fix the cause and start a new run`,
      );
    if (!resume && s.status !== 'queued') throw new Error(`run ${id} is ${s.status}, not queued`);
    if (resume) dir.transition('queued');
    this.queue.push({ id, resume });
    this.emit('status', id, 'queued');
    this.pump();
  }

  get runningIds(): string[] {
    return [...this.active.keys()];
  }

  get queuedIds(): string[] {
    return this.queue.map((q) => q.id);
  }

  private pump(): void {
    const max = this.opts.maxConcurrent ?? 1;
    while (this.active.size < max && this.queue.length) {
      const next = this.queue.shift() as { id: string; resume: boolean };
      this.start(next.id, next.resume);
    }
  }

  private start(id: string, resume: boolean): void {
    const dir = this.dir(id);
    const env: NodeJS.ProcessEnv = { ...(this.opts.env ?? process.env) };
    let gpu: string | undefined;
    if (this.opts.gpus?.length) {
      gpu = this.opts.gpus[this.gpuCursor++ % this.opts.gpus.length];
      env.CUDA_VISIBLE_DEVICES = gpu;
      // Let two runs share one card: TensorFlow grabs all GPU memory otherwise.
      env.TF_FORCE_GPU_ALLOW_GROWTH = 'true';
    }
    const worker = this.opts.launch(env);
    this.active.set(id, { id, worker, gpu });
    let ended = false;
    let last: string | undefined;
    worker.onMessage((m) => {
      if (m.type === 'run-progress') this.emit('progress', id, m);
      // Every transition the worker writes (queued → running, running → pausing, ...), so that the app
      // shows what the run folder says, not what it last heard.
      if (m.type === 'run-status') {
        last = m.status;
        this.emit('status', id, m.status);
      }
      if (m.type === 'run-ended') {
        ended = true;
        // Already reported by its run-status, unless the run ended before writing one.
        if (m.outcome !== last) this.emit('status', id, m.outcome);
        worker.send({ type: 'stop' });
      }
    });
    void worker.exited.then(({ code, signal }) => {
      this.active.delete(id);
      if (!ended) {
        const s = dir.readStatus();
        if (isActive(s.status) || s.status === 'queued') {
          const reason = signal
            ? `the worker was killed (${signal}); it may have run out of memory`
            : `the worker exited unexpectedly (code ${code})`;
          dir.transition(s.status === 'queued' ? 'failed' : 'interrupted', { reason, pid: undefined });
          this.emit('status', id, 'interrupted');
        }
      }
      this.pump();
    });
    if (gpu !== undefined) dir.writeStatus({ ...dir.readStatus(), gpu });
    worker.send({ type: 'start-run', runDir: dir.path, resume, checkpointEvery: this.opts.checkpointEvery });
  }

  /** Deletes a run's folder; refuses while a worker executes it or it waits in the queue. */
  delete(id: string): void {
    const dir = this.dir(id);
    const s = dir.readStatus();
    // A worker that has reported the end of its run writes nothing more, so only the status counts.
    if (
      s.status === 'queued' ||
      this.queue.some((q) => q.id === id) ||
      (isActive(s.status) && (this.active.has(id) || isProcessAlive(s.pid)))
    )
      throw new Error(`run ${id} is ${s.status}: pause it before deleting it`);
    rmSync(dir.path, { recursive: true, force: true });
    this.emit('status', id, 'deleted');
  }

  /** Pauses a run at its next step boundary, whichever process executes it. */
  pause(id: string): void {
    this.halt(id, 'pause');
  }

  /** Stops a run at its next step boundary: its genotype so far is exported; it can still be resumed. */
  stop(id: string): void {
    this.halt(id, 'stop');
  }

  private halt(id: string, intent: 'pause' | 'stop'): void {
    const status = intent === 'stop' ? 'stopped' : 'paused';
    const a = this.active.get(id);
    if (a) a.worker.send({ type: intent === 'stop' ? 'stop-run' : 'pause' });
    else {
      const q = this.queue.findIndex((x) => x.id === id);
      if (q >= 0) {
        this.queue.splice(q, 1);
        this.dir(id).transition(status);
        this.emit('status', id, status);
      } else {
        const s = this.dir(id).readStatus();
        if (s.status === 'paused' && intent === 'stop') {
          this.dir(id).transition('stopped');
          this.emit('status', id, 'stopped');
        } else if (isActive(s.status)) requestPause(this.dir(id), intent);
        else throw new Error(`run ${id} is ${s.status}: only a running or queued run can be ${status}`);
      }
    }
  }
}
