import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { RunDir } from '../../src/runs/run-dir';
import { executeRun } from '../../src/runs/execute';
import { expectLosslessResume, expectSameState, finalState } from '../helpers/run-state';
import { onCpuBackend, TINY_RUN, TINY_SPACES } from '../helpers/tiny-search';

onCpuBackend();

// Through the run folder, as the app runs them: paused (a pause request at a step boundary),
// checkpointed, resumed in a new session; the end state must equal the uninterrupted run's, bit for bit.
describe('strategies on every space pause and resume losslessly, across phases (cpu)', () => {
  for (const space of TINY_SPACES) {
    const tiny = {
      ...TINY_RUN,
      strategy: { name: 'random-search', candidates: 4, scoreBatches: 1, rescoreTop: 2 },
    } as SearchConfigInput;
    it(`${space.name}: paused in phase 1 and again in phase 2, then resumed, ends bit for bit where the uninterrupted run ends`, async () => {
      const config = parseSearchConfig({ ...tiny, space });
      const { run: b } = await expectLosslessResume(config, [2, 8], 'nas-rs-');
      const kinds = b.readMetrics().map((m) => m.kind);
      expect(kinds.filter((k) => k === 'candidate')).toHaveLength(6);
      expect(kinds.filter((k) => k === 'phase')).toHaveLength(2);
    });
  }

  it('DARTS on NB201 paused mid-epoch', async () => {
    const config = parseSearchConfig({
      ...TINY_RUN,
      space: TINY_SPACES[1],
      strategy: { name: 'darts', order: 'first' },
      seed: 6,
    });
    const root = mkdtempSync(join(tmpdir(), 'nas-dn-'));
    const a = RunDir.create(root, 'a', config);
    expect(await executeRun(a, { resume: false })).toBe('completed');
    const b = RunDir.create(root, 'b', config);
    let n = 0;
    expect(await executeRun(b, { resume: false, checkpointEvery: 100, shouldPause: () => n++ === 4 })).toBe(
      'paused',
    );
    expect(await executeRun(b, { resume: true })).toBe('completed');
    expectSameState(finalState(a), finalState(b));
  });
});
