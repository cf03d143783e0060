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

const base: SearchConfigInput = {
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

const RUNS = [
  {
    title: 'GDAS on DARTS cells',
    space: { name: 'darts', cells: 2, nodes: 2, channels: 2 },
    strategy: { name: 'gdas' },
  },
  {
    title: 'GDAS on NB201',
    space: { name: 'nb201', channels: 2, cellsPerStage: 1 },
    strategy: { name: 'gdas' },
  },
  // Paused once in the warm-up (weights only) and once after it (α, β and weights).
  {
    title: 'PC-DARTS on DARTS cells',
    space: { name: 'darts', cells: 2, nodes: 2, channels: 4 },
    strategy: { name: 'pcdarts', warmupEpochs: 1 },
  },
] as unknown as Array<{ title: string } & Pick<SearchConfigInput, 'space' | 'strategy'>>;

// Through the run folder, as the app runs them: paused at a step boundary, checkpointed, resumed in a
// new session; the end state (every tensor, every metric) must equal the uninterrupted run's, bit for
// bit. GDAS draws its Gumbel samples from the loop's checkpointed generator, so the resumed run samples
// the same paths.
describe('GDAS and PC-DARTS pause and resume losslessly (cpu)', () => {
  for (const r of RUNS) {
    it(`${r.title}: paused mid-epoch twice, then resumed, ends bit for bit where the uninterrupted run ends`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'nas-gp-'));
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
  }
});
