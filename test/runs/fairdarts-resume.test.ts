import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig } from '../../src/engine/search/config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun, requestPause } from '../../src/runs/execute';
import { expectSameState, finalState } from '../helpers/run-state';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

// Through the run folder, as the app runs them: paused at a step boundary (mid-epoch, twice),
// checkpointed, resumed in a new session; the end state (every tensor, every metric) must equal the
// uninterrupted run's, bit for bit. α starts off zero so that the σ mix, the zero-one term and Adam all
// carry state across the pauses.
describe('FairDARTS pauses and resumes losslessly (cpu)', () => {
  it('paused mid-epoch twice, then resumed, ends bit for bit where the uninterrupted run ends', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nas-fd-'));
    const config = parseSearchConfig({
      space: {
        name: 'darts',
        cells: 2,
        nodes: 2,
        channels: 2,
        ops: ['max_pool_3x3', 'skip_connect', 'sep_conv_3x3'],
      },
      strategy: { name: 'fairdarts', alphaInitScale: 0.3 },
      epochs: 3,
      batchSize: 8,
      stepsPerEpoch: 3,
      seed: 4,
      backend: 'cpu',
      data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
    });
    const a = RunDir.create(root, 'a', config);
    expect(await executeRun(a, { resume: false })).toBe('completed');
    const b = RunDir.create(root, 'b', config);
    expect(
      await executeRun(b, {
        resume: false,
        checkpointEvery: 100,
        onProgress: (p) => p.step === 2 && requestPause(b),
      }),
    ).toBe('paused');
    expect(b.readStatus().step).toBe(2);
    expect(
      await executeRun(b, {
        resume: true,
        checkpointEvery: 100,
        onProgress: (p) => p.step === 5 && requestPause(b),
      }),
    ).toBe('paused');
    expect(b.readStatus().step).toBe(5);
    expect(await executeRun(b, { resume: true })).toBe('completed');
    expectSameState(finalState(a), finalState(b));
  });
});
