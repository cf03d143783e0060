import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun, requestPause } from '../../src/runs/execute';
import { listCheckpoints, loadLatestCheckpoint } from '../../src/runs/checkpoint-file';
import { WorkerClient } from '../../src/worker/client';
import type { WorkerMessage } from '../../src/shared/protocol';
import { builtFile } from '../foundation/built';
import { expectSameState, finalState } from '../helpers/run-state';

beforeAll(async () => {
  // The same backend set-up as the worker (cpu plus the engine's fast kernels), so in-process and
  // worker runs compute bit for bit alike.
  await chooseBackend({ prefer: 'cpu' });
});

const config = parseSearchConfig({
  space: { cells: 2, nodes: 2, channels: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 9,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
});

function newRun(root: string, id: string) {
  return RunDir.create(root, id, config);
}

describe('pause and resume lose nothing (cpu backend, bit for bit)', () => {
  it('a run paused mid-epoch and resumed ends where the uninterrupted run ends', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-runs-'));
    const a = newRun(root, 'a');
    expect(await executeRun(a, { resume: false })).toBe('completed');
    const b = newRun(root, 'b');
    let steps = 0;
    expect(
      await executeRun(b, { resume: false, checkpointEvery: 100, shouldPause: () => steps++ === 2 }),
    ).toBe('paused');
    expect(b.readStatus().status).toBe('paused');
    expect(b.readStatus().step).toBe(2);
    expect(await executeRun(b, { resume: true })).toBe('completed');
    expect(b.readStatus().status).toBe('completed');
    expectSameState(finalState(a), finalState(b));
    expect(JSON.parse(readFileSync(join(b.exportsDir, 'genotype.json'), 'utf8')).normal).toHaveLength(4);
  });

  it('a pause requested through the run folder (any process: nas-studio pause) is honoured at a step boundary', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-runs-'));
    const r = newRun(root, 'p');
    const outcome = await executeRun(r, {
      resume: false,
      onProgress: (p) => p.step === 2 && requestPause(r),
    });
    expect(outcome).toBe('paused');
    expect(r.readStatus()).toMatchObject({ status: 'paused', step: 2 });
    expect(existsSync(join(r.path, 'pause.request'))).toBe(false);
  });

  it('a corrupt newest checkpoint is detected and the previous one is used, with a warning', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-runs-'));
    const r = newRun(root, 'c');
    let steps = 0;
    await executeRun(r, { resume: false, checkpointEvery: 1, shouldPause: () => steps++ === 4 });
    const [newest, previous] = listCheckpoints(r.checkpointsDir);
    const bytes = readFileSync(newest);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(newest, bytes);
    const warnings: string[] = [];
    const ck = loadLatestCheckpoint(r.checkpointsDir);
    expect(ck?.file).toBe(previous);
    expect(ck?.warnings[0]).toMatch(/checksum mismatch/);
    await executeRun(r, { resume: true, onWarning: (w) => warnings.push(w) });
    expect(warnings[0]).toMatch(/checksum mismatch/);
    expect(r.readStatus().status).toBe('completed');
    const a = newRun(root, 'ref');
    await executeRun(a, { resume: false });
    expectSameState(finalState(a), finalState(r));
  });

  it('a worker killed with SIGKILL after a checkpoint resumes in a new process to the same end', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-runs-'));
    const workerPath = builtFile('out/node/worker.js');
    const ref = newRun(root, 'ref');
    await executeRun(ref, { resume: false });

    const r = newRun(root, 'killed');
    const w1 = WorkerClient.fork(workerPath);
    const progress: number[] = [];
    w1.onMessage((m: WorkerMessage) => {
      if (m.type === 'run-progress') {
        progress.push(m.step);
        if (m.step === 4) w1.child.kill('SIGKILL');
      }
    });
    w1.send({ type: 'start-run', runDir: r.path, resume: false, checkpointEvery: 2 });
    const exit = await w1.exited;
    expect(exit.signal).toBe('SIGKILL');
    expect(existsSync(r.checkpointsDir)).toBe(true);
    expect(r.readStatus().status).toBe('running'); // nobody could update it: stale-run detection marks it later

    const w2 = WorkerClient.fork(workerPath);
    w2.send({ type: 'start-run', runDir: r.path, resume: true });
    const end = await w2.waitFor(
      (m): m is Extract<WorkerMessage, { type: 'run-ended' }> => m.type === 'run-ended',
      120_000,
    );
    expect(end.outcome).toBe('completed');
    w2.send({ type: 'stop' });
    await w2.exited;
    expectSameState(finalState(ref), finalState(r));
  });
});
