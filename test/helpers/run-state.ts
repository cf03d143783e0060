import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import type { SearchConfig, SearchConfigInput } from '../../src/engine/search/config';
import { executeRun, requestPause } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { decodeCheckpoint, listCheckpoints } from '../../src/runs/checkpoint-file';

/** Runs this test file on the cpu backend, the one on which a run repeats bit for bit. */
export function onCpuBackend(): void {
  beforeAll(async () => {
    await chooseBackend({ prefer: 'cpu' });
  });
}

/** 64 synthetic 8×8 RGB images of 4 classes: data for a run of a few steps. */
export const TINY_IMAGES = {
  source: 'synthetic',
  synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
} satisfies SearchConfigInput['data'];

/** The smallest DARTS and NB201 supernets, for strategies that run on both. */
export const TINY_SPACES = [
  { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

/** A run of 2 epochs × 3 steps of 8 images of TINY_IMAGES on the cpu, seed 4; a test adds the space and strategy. */
export const TINY_RUN: SearchConfigInput = {
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: TINY_IMAGES,
};

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
