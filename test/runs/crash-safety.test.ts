import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun } from '../../src/runs/execute';
import { decodeCheckpoint, listCheckpoints, loadLatestCheckpoint } from '../../src/runs/checkpoint-file';
import { recoverStaleRuns } from '../../src/runs/manager';
import { WorkerClient } from '../../src/worker/client';
import type { WorkerMessage } from '../../src/shared/protocol';
import { Rng } from '../../src/engine/util/rng';
import { builtFile } from '../foundation/built';

const config = parseSearchConfig({
  space: { cells: 2, nodes: 2, channels: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 6,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 96, imageSize: 8, channels: 3, classes: 4 } },
});

beforeAll(async () => {
  // Same kernels as the worker processes, so the in-process reference run matches them bit for bit.
  await chooseBackend({ prefer: 'cpu' });
});

describe('crash safety', () => {
  it('killing the worker at random moments (checkpointing every step) never leaves an unreadable run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-crash-'));
    const workerPath = builtFile('out/node/worker.js');
    const run = RunDir.create(root, 'crashy', config);
    const rng = new Rng(123);
    const trials = 6;
    for (let t = 0; t < trials; t++) {
      const w = WorkerClient.fork(workerPath);
      let steps = 0;
      w.onMessage((m: WorkerMessage) => {
        if (m.type === 'run-progress') steps++;
      });
      w.send({ type: 'start-run', runDir: run.path, resume: t > 0, checkpointEvery: 1 });
      // Kill once the run is under way, at a random moment within a step (steps take tens of ms here).
      await new Promise<void>((resolve) => {
        const wait = () => (steps >= 1 ? setTimeout(resolve, rng.int(60)) : setTimeout(wait, 5));
        wait();
      });
      w.child.kill('SIGKILL');
      await w.exited;
      recoverStaleRuns(root);
      const s = run.readStatus();
      expect(['interrupted', 'completed']).toContain(s.status);
      expect(() => run.readConfig()).not.toThrow();
      expect(() => run.readMetrics()).not.toThrow();
      // Either a valid checkpoint or none yet (killed before the first one): never a damaged one.
      expect(() => loadLatestCheckpoint(run.checkpointsDir)).not.toThrow();
      if (s.status === 'completed') break;
    }
    if (run.readStatus().status !== 'completed')
      expect(await executeRun(run, { resume: true })).toBe('completed');

    const ref = RunDir.create(root, 'ref', config);
    await executeRun(ref, { resume: false });
    const last = (d: RunDir) => decodeCheckpoint(readFileSync(listCheckpoints(d.checkpointsDir)[0]), 'last');
    const a = last(ref);
    const b = last(run);
    expect(b.step).toBe(a.step);
    for (const name of Object.keys(a.snap.tensors))
      expect(
        Buffer.from(b.snap.tensors[name].data.buffer).equals(Buffer.from(a.snap.tensors[name].data.buffer)),
        name,
      ).toBe(true);
    const strip = (d: RunDir) => d.readMetrics().map((m) => ({ ...m, seconds: undefined }));
    expect(strip(run)).toEqual(strip(ref));
  });
});
