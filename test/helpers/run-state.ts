import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { SearchConfig } from '../../src/engine/search/config';
import { executeRun, requestPause } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { decodeCheckpoint, listCheckpoints } from '../../src/runs/checkpoint-file';

/** The final state of a run: its last checkpoint's tensors and its metrics without timings. */
export function finalState(dir: RunDir) {
  const ck = decodeCheckpoint(readFileSync(listCheckpoints(dir.checkpointsDir)[0]), 'final');
  const metrics = dir.readMetrics().map((m) => ({ ...m, seconds: undefined }));
  return { step: ck.step, tensors: ck.snap.tensors, metrics };
}

/** Two runs ended in the same state, bit for bit: step, every tensor's bytes, every metric. */
export function expectSameState(a: ReturnType<typeof finalState>, b: ReturnType<typeof finalState>) {
  expect(b.step).toBe(a.step);
  expect(Object.keys(b.tensors).sort()).toEqual(Object.keys(a.tensors).sort());
  for (const name of Object.keys(a.tensors)) {
    expect(
      Buffer.from(b.tensors[name].data.buffer).equals(Buffer.from(a.tensors[name].data.buffer)),
      name,
    ).toBe(true);
  }
  expect(b.metrics).toEqual(a.metrics);
}

/**
 * Runs `config` once uninterrupted and once paused at each of `pauseAt` (a step boundary, each pause
 * a new session resumed from its checkpoint, as the app runs them), and expects both to end in the
 * same state, bit for bit. Returns the interrupted run's folder and end state for further checks.
 */
export async function expectLosslessResume(
  config: SearchConfig,
  pauseAt: readonly number[],
  prefix = 'nas-resume-',
): Promise<{ run: RunDir; end: ReturnType<typeof finalState> }> {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const a = RunDir.create(root, 'a', config);
  expect(await executeRun(a, { resume: false })).toBe('completed');
  const b = RunDir.create(root, 'b', config);
  for (const [i, at] of pauseAt.entries()) {
    const outcome = await executeRun(b, {
      resume: i > 0,
      checkpointEvery: 100,
      onProgress: (p) => p.step === at && requestPause(b),
    });
    expect(outcome, `pause at step ${at}`).toBe('paused');
    expect(b.readStatus().step).toBe(at);
  }
  expect(await executeRun(b, { resume: pauseAt.length > 0 })).toBe('completed');
  const end = finalState(b);
  expectSameState(finalState(a), end);
  return { run: b, end };
}
