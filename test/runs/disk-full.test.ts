import fs, { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig } from '../../src/shared/search-config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun } from '../../src/runs/execute';
import { decodeCheckpoint, listCheckpoints } from '../../src/runs/checkpoint-file';
import { expectSameState, finalState } from '../helpers/run-state';

/**
 * A disk that fills up mid-run (ENOSPC), simulated at the file-system call the checkpoint writer
 * uses: the run fails with a sentence that says what to do, the previous checkpoint stays whole and
 * no temporary file is left behind, and once space is back the resumed run ends bit for bit where an
 * uninterrupted one ends.
 */
beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const config = parseSearchConfig({
  space: { cells: 2, nodes: 2, channels: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 11,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
});

const real = { openSync: fs.openSync, writeSync: fs.writeSync };
/** Paths of the files opened for writing, by descriptor, while the fault is installed. */
const opened = new Map<number, string>();
let fullFor: ((path: string) => boolean) | null = null;

function installDiskFull(): void {
  fs.openSync = ((path: fs.PathLike, ...rest: unknown[]) => {
    const fd = (real.openSync as (...a: unknown[]) => number)(path, ...rest);
    opened.set(fd, String(path));
    return fd;
  }) as typeof fs.openSync;
  fs.writeSync = ((fd: number, ...rest: unknown[]) => {
    const path = opened.get(fd);
    if (path && fullFor?.(path))
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), {
        code: 'ENOSPC',
        errno: -28,
        syscall: 'write',
      });
    return (real.writeSync as (...a: unknown[]) => number)(fd, ...rest);
  }) as typeof fs.writeSync;
  syncBuiltinESMExports();
}

afterEach(() => {
  Object.assign(fs, real);
  syncBuiltinESMExports();
  fullFor = null;
});

describe('a full disk during a run', () => {
  it('fails the run with what to do, keeps the last checkpoint, and the resumed run ends as an uninterrupted one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-enospc-'));
    const a = RunDir.create(root, 'a', config);
    expect(await executeRun(a, { resume: false })).toBe('completed');

    const b = RunDir.create(root, 'b', config);
    installDiskFull();
    const run = executeRun(b, {
      resume: false,
      checkpointEvery: 1,
      // After step 3 the disk is full for checkpoints: the checkpoint of step 3 cannot be written.
      onProgress: (p) => {
        if (p.step === 3) fullFor = (path) => path.startsWith(b.checkpointsDir);
      },
    });
    await expect(run).rejects.toThrow(
      /Could not write .*step-000000003\.ckpt: the disk is full; free some space and resume the run/,
    );
    expect(b.readStatus()).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/the disk is full/),
    });
    const left = readdirSync(b.checkpointsDir);
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(decodeCheckpoint(readFileSync(listCheckpoints(b.checkpointsDir)[0]), 'kept').step).toBe(2);

    fullFor = null; // space freed
    expect(await executeRun(b, { resume: true })).toBe('completed');
    expectSameState(finalState(a), finalState(b));
  });
});
