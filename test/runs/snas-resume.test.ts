import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../../src/engine/backend';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun, requestPause } from '../../src/runs/execute';
import { expectSameState, finalState } from '../helpers/run-state';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const NB201 = { name: 'nb201', channels: 2, cellsPerStage: 1 };

// Through the run folder, as the app runs them: paused at a step boundary, checkpointed, resumed in a
// new session; the end state (every tensor, every metric) must equal the uninterrupted run's, bit for
// bit. SNAS draws its Gumbel noise from the loop's checkpointed generator, so a resumed run draws the
// same masks.
const base: SearchConfigInput = {
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

describe('SNAS pauses and resumes losslessly (cpu)', () => {
  const RUNS = [
    {
      title: 'DARTS cells with the resource penalty',
      space: { name: 'darts', cells: 2, nodes: 2, channels: 2 },
      strategy: { name: 'snas', resource: 'reparametrization' },
    },
    { title: 'NB201', space: NB201, strategy: { name: 'snas' } },
  ] as unknown as Array<{ title: string } & Pick<SearchConfigInput, 'space' | 'strategy'>>;
  for (const r of RUNS) {
    it(`${r.title}: paused mid-epoch twice, then resumed, ends bit for bit where the uninterrupted run ends`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'nas-snas-'));
      const config = parseSearchConfig({ ...base, space: r.space, strategy: r.strategy });
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
  }
});
