import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunManager, recoverStaleRuns, type WorkerHandle } from '../../src/runs/manager';
import { RunDir } from '../../src/runs/run-dir';
import { canTransition } from '../../src/runs/status';
import { WorkerClient } from '../../src/worker/client';
import type { HostMessage, WorkerMessage } from '../../src/shared/protocol';
import { builtFile } from '../foundation/built';

const config = parseSearchConfig({
  space: { cells: 2, nodes: 2, channels: 2 },
  epochs: 1,
  batchSize: 8,
  stepsPerEpoch: 2,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 32, imageSize: 8, channels: 3, classes: 4 } },
});

/** A worker stand-in that records what it was sent and ends when told. */
function fakeLauncher() {
  const launched: Array<{
    env: NodeJS.ProcessEnv;
    sent: HostMessage[];
    emit: (m: WorkerMessage) => void;
    exit: (code: number | null, signal: string | null) => void;
  }> = [];
  const launch = (env: NodeJS.ProcessEnv): WorkerHandle => {
    const listeners: Array<(m: WorkerMessage) => void> = [];
    let exit!: (v: { code: number | null; signal: string | null }) => void;
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => (exit = r));
    const rec = {
      env,
      sent: [] as HostMessage[],
      emit: (m: WorkerMessage) => listeners.forEach((l) => l(m)),
      exit: (code: number | null, signal: string | null) => exit({ code, signal }),
    };
    launched.push(rec);
    return {
      send: (m) => {
        rec.sent.push(m);
        if (m.type === 'stop') exit({ code: 0, signal: null });
      },
      onMessage: (l) => listeners.push(l),
      exited,
      kill: () => exit({ code: null, signal: 'SIGKILL' }),
    };
  };
  return { launch, launched };
}

const tick = () => new Promise((r) => setTimeout(r, 10));
/** Statuses a run rests in (the manager also reports running, pausing, … as they happen). */
const SETTLED = ['paused', 'completed', 'stopped', 'failed', 'interrupted'];

describe('run status', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('queued', 'running')).toBe(true);
    expect(canTransition('running', 'pausing')).toBe(true);
    expect(canTransition('pausing', 'paused')).toBe(true);
    expect(canTransition('paused', 'queued')).toBe(true);
    expect(canTransition('interrupted', 'running')).toBe(true);
    expect(canTransition('completed', 'running')).toBe(false);
    expect(canTransition('paused', 'completed')).toBe(false);
    const dir = RunDir.create(mkdtempSync(join(tmpdir(), 'nas-st-')), 'r', config);
    expect(() => dir.transition('completed')).toThrow(/cannot go from queued to completed/);
  });

  it('marks runs left running by a dead process as interrupted at start', () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-stale-'));
    const dead = RunDir.create(root, 'dead', config);
    dead.transition('running', { pid: 2 ** 22 + 12345 });
    const alive = RunDir.create(root, 'alive', config);
    alive.transition('running', { pid: process.pid });
    expect(recoverStaleRuns(root)).toEqual(['dead']);
    expect(dead.readStatus().status).toBe('interrupted');
    expect(dead.readStatus().reason).toMatch(/stopped without pausing/);
    expect(alive.readStatus().status).toBe('running');
  });
});

describe('RunManager', () => {
  it('queues beyond its concurrency and assigns GPUs through the environment', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-q-'));
    const { launch, launched } = fakeLauncher();
    const m = new RunManager({ root, launch, maxConcurrent: 2, gpus: ['0', '1'], env: {} });
    const ids = ['a', 'b', 'c'].map((id) => m.create(config, id).id);
    ids.forEach((id) => m.enqueue(id));
    expect(m.runningIds).toEqual(['a', 'b']);
    expect(m.queuedIds).toEqual(['c']);
    expect(launched.map((l) => l.env.CUDA_VISIBLE_DEVICES)).toEqual(['0', '1']);
    expect(launched[0].env.TF_FORCE_GPU_ALLOW_GROWTH).toBe('true');
    expect(launched[0].sent[0]).toMatchObject({ type: 'start-run', runDir: join(root, 'a'), resume: false });
    launched[0].emit({ type: 'run-ended', outcome: 'completed' });
    await tick();
    expect(m.runningIds).toEqual(['b', 'c']);
    expect(launched[2].env.CUDA_VISIBLE_DEVICES).toBe('0');
  });

  it('a worker that dies mid-run leaves the run interrupted with the reason', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-die-'));
    const { launch, launched } = fakeLauncher();
    const m = new RunManager({ root, launch, env: {} });
    const dir = m.create(config, 'x');
    m.enqueue('x');
    dir.transition('running', { pid: 1 });
    launched[0].exit(null, 'SIGKILL');
    await tick();
    expect(dir.readStatus().status).toBe('interrupted');
    expect(dir.readStatus().reason).toMatch(/SIGKILL/);
    expect(() => m.enqueue('x', true)).not.toThrow();
  });

  it('executes, pauses and resumes real runs in child-process workers', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-real-'));
    const worker = builtFile('out/node/worker.js');
    const m = new RunManager({
      root,
      env: process.env,
      launch: WorkerClient.launcher(worker),
    });
    const ended = (id: string) =>
      new Promise<string>((resolve) =>
        m.on('status', (rid: string, s: string) => rid === id && SETTLED.includes(s) && resolve(s)),
      );
    // Enough steps that the pause (sent on the first step's progress message) lands before the end.
    m.create(
      {
        ...config,
        stepsPerEpoch: 4,
        data: { ...config.data, synthetic: { ...config.data.synthetic, size: 80 } },
      },
      'p',
    );
    m.on('progress', (id: string, p: { step: number }) => {
      if (id === 'p' && p.step === 1) m.pause('p');
    });
    const seen: string[] = [];
    m.on('status', (id: string, s: string) => id === 'p' && seen.push(s));
    const first = ended('p');
    m.enqueue('p');
    expect(await first).toBe('paused');
    // Every transition the worker wrote reached the app, in order.
    expect(seen).toEqual(['queued', 'running', 'pausing', 'paused']);
    const paused = m.dir('p').readStatus();
    expect(paused.status).toBe('paused');
    expect(paused.step).toBeLessThan(4);
    const second = ended('p');
    m.enqueue('p', true);
    expect(await second).toBe('completed');
    expect(seen.slice(4)).toEqual(['queued', 'running', 'completed']);
    expect(m.dir('p').readStatus()).toMatchObject({ status: 'completed', step: 4 });
  });
});

describe('RunManager stop and delete', () => {
  it('stops a real run at a step boundary: status stopped, genotype exported, resumable to the end', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-stop-'));
    const m = new RunManager({
      root,
      env: process.env,
      launch: WorkerClient.launcher(builtFile('out/node/worker.js')),
    });
    const ended = (id: string) =>
      new Promise<string>((resolve) =>
        m.on('status', (rid: string, s: string) => rid === id && SETTLED.includes(s) && resolve(s)),
      );
    m.create(
      {
        ...config,
        stepsPerEpoch: 4,
        data: { ...config.data, synthetic: { ...config.data.synthetic, size: 80 } },
      },
      's',
    );
    m.on('progress', (id: string, p: { step: number }) => {
      if (id === 's' && p.step === 1) m.stop('s');
    });
    const first = ended('s');
    m.enqueue('s');
    expect(await first).toBe('stopped');
    const s = m.dir('s').readStatus();
    expect(s.status).toBe('stopped');
    expect(s.step).toBeLessThan(4);
    expect(existsSync(join(m.dir('s').exportsDir, 'genotype.json'))).toBe(true);
    // A stopped run can be deleted (nothing executes it) but first it resumes to completion.
    const second = ended('s');
    m.enqueue('s', true);
    expect(await second).toBe('completed');
    m.delete('s');
    expect(existsSync(join(root, 's'))).toBe(false);
  });

  it('refuses to delete a run that a worker executes or that waits in the queue', () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-del-'));
    const { launch } = fakeLauncher();
    const m = new RunManager({ root, launch, maxConcurrent: 1, env: {} });
    m.create(config, 'a');
    m.create(config, 'b');
    m.enqueue('a');
    m.enqueue('b');
    expect(() => m.delete('a')).toThrow(/run a is queued: pause it before deleting it/);
    expect(() => m.delete('b')).toThrow(/pause it before deleting it/);
    m.pause('b');
    expect(m.dir('b').readStatus().status).toBe('paused');
    m.delete('b');
    expect(existsSync(join(root, 'b'))).toBe(false);
    expect(() => m.stop('b')).toThrow(/no run named b/);
  });
});

describe('which runs offer Resume', () => {
  it('a failed run only once it has a checkpoint; paused and interrupted ones always', () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-resumable-'));
    const m = new RunManager({ root, launch: fakeLauncher().launch, env: {} });
    const failed = m.create(config, 'failed-at-start');
    failed.transition('running');
    failed.transition('failed', { reason: '/data/x: not found' });
    expect(m.canResume(failed.readStatus())).toBe(false);
    expect(() => m.enqueue('failed-at-start', true)).toThrow(
      'run failed-at-start failed before its first checkpoint (/data/x: not found): there is nothing to resume; fix the cause and start a new run',
    );
    writeFileSync(join(failed.checkpointsDir, 'step-000000004.ckpt'), 'x');
    expect(m.canResume(failed.readStatus())).toBe(true);
    const paused = m.create(config, 'paused');
    paused.transition('running');
    paused.transition('pausing');
    paused.transition('paused');
    expect(m.canResume(paused.readStatus())).toBe(true);
    expect(m.canResume(m.create(config, 'queued').readStatus())).toBe(false);
  });
});
