import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import type { RunDir } from '../../src/runs/run-dir';
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
