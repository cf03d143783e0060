import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HostMessageSchema, WorkerMessageSchema, type WorkerMessage } from '../../src/shared/protocol';
import { DataSchema } from '../../src/shared/search-config';
import { STANDARD_DATASETS } from '../../src/engine/data/download';
import { writeFinishedRun } from '../e2e/fixture-run';
import { Hostile, jsonable } from './generators';
import { INTERNAL_ERROR, brief, type FuzzFailure, type FuzzReport } from './api-fuzz';
import { treeDigest } from './tree-digest';

/** Valid host messages to mutate; every path names something that does not exist. */
function seeds(sandbox: string, runs: string): unknown[] {
  return [
    { type: 'hello' },
    { type: 'info', backend: 'cpu' },
    { type: 'compute', id: 'c', size: 2, iterations: 2 },
    { type: 'start-run', runDir: join(runs, 'no-such-run'), resume: true, checkpointEvery: 5 },
    { type: 'pause' },
    { type: 'stop-run' },
    {
      type: 'preview-dataset',
      data: { source: 'synthetic', synthetic: { size: 16, imageSize: 4, channels: 1, classes: 2 } },
      seed: 1,
    },
    { type: 'preview-dataset', data: { source: 'path', path: join(sandbox, 'no-such-data') }, seed: 0 },
    { type: 'export-run', runDir: join(runs, 'no-such-run') },
    { type: 'predict-image', runDir: join(runs, 'no-such-run'), imageBase64: 'iVBORw0KGgo=', top: 5 },
    { type: 'download-dataset', name: 'no-such-dataset', cache: join(sandbox, 'cache') },
  ];
}

/**
 * Whether a message that passes the protocol's schema may be sent: 'stop' ends the worker by design,
 * a known dataset name would download it, heavy computations would only measure patience, and a
 * doctor report every few messages would dominate the run.
 */
function sendable(m: unknown, h: Hostile): boolean {
  const p = HostMessageSchema.safeParse(m);
  if (!p.success) return true;
  const msg = p.data;
  switch (msg.type) {
    case 'stop':
      return false;
    case 'download-dataset':
      return !Object.prototype.hasOwnProperty.call(STANDARD_DATASETS, msg.name);
    case 'compute':
      return msg.size ** 3 * msg.iterations <= 5e6;
    case 'info':
      return h.chance(0.05);
    case 'preview-dataset': {
      const d = DataSchema.safeParse(msg.data ?? {});
      if (!d.success) return true;
      if (d.data.source === 'path') return true;
      const s = d.data.synthetic;
      return d.data.source === 'synthetic' && s.size * s.imageSize ** 2 * s.channels <= 1e6;
    }
    default:
      return true;
  }
}

/**
 * Fuzzes the worker protocol in both directions. Host → worker: `count` random and mutated messages
 * (wrong types, huge strings, deep nesting, missing fields) sent to the built engine worker, each
 * followed by a probe (a one-step compute with a unique id) so that its replies are known to be
 * all in. Properties: the worker never exits, every reply passes WorkerMessageSchema, a message
 * the schema refuses gets exactly one 'bad-message' error, no reply leaks an internal error, and
 * the run folders (a finished run) are unchanged. Worker → host: `count` random and mutated worker
 * messages through the host's check (WorkerMessageSchema.safeParse, as WorkerClient and Electron's
 * utility worker do): it never throws.
 */
export async function fuzzProtocol(opts: {
  count: number;
  seed: number;
  workerPath: string;
  timeoutMs?: number;
}): Promise<FuzzReport> {
  const t0 = performance.now();
  const sandbox = realpathSync(mkdtempSync(join(tmpdir(), 'nas-fuzz-protocol-')));
  const runs = join(sandbox, 'runs');
  writeFinishedRun(runs, 'fixture-completed', 20, 2);
  const cwd = join(sandbox, 'cwd');
  mkdirSync(cwd);
  const before = treeDigest(runs);
  const failures: FuzzFailure[] = [];
  const outcomes: Record<string, number> = {};
  const h = new Hostile(opts.seed);

  const child = fork(opts.workerPath, [], {
    cwd,
    env: { ...process.env, NAS_STUDIO_BACKEND: 'cpu', NAS_STUDIO_HOME: join(sandbox, 'home') },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  let exited: string | null = null;
  child.on('exit', (code, signal) => (exited = `exited (${signal ?? `code ${code}`})`));
  let inbox: unknown[] = [];
  let wake: (() => void) | null = null;
  child.on('message', (m) => {
    inbox.push(m);
    wake?.();
  });
  /** Waits until a message satisfying `pred` arrives; returns everything received up to it. */
  const until = async (pred: (m: unknown) => boolean, ms: number): Promise<unknown[] | null> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) {
        const got = inbox.slice(0, i + 1);
        inbox = inbox.slice(i + 1);
        return got;
      }
      if (exited || Date.now() > deadline) return null;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
      wake = null;
    }
  };
  try {
    if (!(await until((m) => (m as { type?: string })?.type === 'ready', 60_000)))
      throw new Error(`the worker did not start: ${stderr}`);
    const all = seeds(sandbox, runs);
    for (let i = 0; i < opts.count; i++) {
      let msg: unknown;
      do
        msg = h.chance(0.4)
          ? h.chance(0.5)
            ? h.value(3)
            : { type: h.pick(all.map((s) => (s as { type: string }).type)), ...(h.value(2) as object) }
          : h.mutate(h.pick(all));
      while (
        // (child_process refuses to send null or undefined at all: no host can.)
        msg === null ||
        msg === undefined ||
        !jsonable(msg) ||
        !sendable(msg, h)
      );
      const valid = HostMessageSchema.safeParse(msg).success;
      const fail = (problem: string) => failures.push({ case: i, what: brief(msg), problem });
      const probe = `probe-${i}`;
      child.send(msg as object);
      child.send({ type: 'compute', id: probe, size: 1, iterations: 1 });
      const got = await until(
        (m) =>
          (m as { type?: string; id?: string })?.type === 'result' && (m as { id?: string }).id === probe,
        opts.timeoutMs ?? 60_000,
      );
      if (!got) {
        fail(
          exited ? `the worker ${exited}: ${stderr.slice(-500)}` : 'no reply to the probe (the worker hangs)',
        );
        break;
      }
      // The probe's own progress and result are not the fuzzed message's replies.
      const replies = got.slice(0, -1).filter((m) => !((m as { id?: string }).id === probe));
      outcomes[valid ? 'valid' : 'refused'] = (outcomes[valid ? 'valid' : 'refused'] ?? 0) + 1;
      for (const r of replies) {
        const p = WorkerMessageSchema.safeParse(r);
        if (!p.success) {
          fail(`untyped reply ${brief(r)}`);
          continue;
        }
        const m: WorkerMessage = p.data;
        outcomes[`reply:${m.type}`] = (outcomes[`reply:${m.type}`] ?? 0) + 1;
        const text = m.type === 'error' || m.type === 'run-ended' ? (m.message ?? '') : '';
        if (INTERNAL_ERROR.test(text)) fail(`internal error leaked: ${text.slice(0, 300)}`);
      }
      if (!valid) {
        const errors = replies.filter((r) => (r as { type?: string; code?: string }).code === 'bad-message');
        if (errors.length !== 1 || replies.length !== 1)
          fail(`a refused message got ${replies.length} replies (${errors.length} bad-message errors)`);
      }
    }
    // Worker → host: the host's check of whatever a worker might send never throws.
    const workerSeeds: unknown[] = [
      { type: 'ready', pid: 1, node: '20' },
      {
        type: 'run-progress',
        step: 1,
        totalSteps: 2,
        epoch: 0,
        metrics: { loss: 1 },
        stepSeconds: 1,
        etaSeconds: 1,
      },
      { type: 'run-status', status: 'running' },
      { type: 'run-ended', outcome: 'failed', message: 'x' },
      { type: 'error', code: 'failed', message: 'x' },
      { type: 'download-progress', file: 'f', received: 1, total: null },
    ];
    let hostThrows = 0;
    for (let i = 0; i < opts.count; i++) {
      const m = h.chance(0.5) ? h.mutate(h.pick(workerSeeds)) : h.value(3);
      try {
        WorkerMessageSchema.safeParse(m);
      } catch (e) {
        hostThrows++;
        if (hostThrows <= 5)
          failures.push({ case: i, what: brief(m), problem: `host check threw: ${(e as Error).message}` });
      }
    }
    outcomes['worker-to-host checked'] = opts.count;
    // It still answers, then stops cleanly when asked.
    child.send({ type: 'stop' });
    if (!(await until((m) => (m as { type?: string })?.type === 'stopped', 30_000)))
      failures.push({ case: -1, what: 'stop', problem: `no 'stopped' reply${exited ? `: ${exited}` : ''}` });
    const runsUnchanged = treeDigest(runs) === before;
    return { cases: opts.count, outcomes, failures, runsUnchanged, seconds: (performance.now() - t0) / 1000 };
  } finally {
    if (!exited) child.kill();
    rmSync(sandbox, { recursive: true, force: true });
  }
}
