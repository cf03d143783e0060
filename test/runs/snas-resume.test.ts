import { describe, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_RUN } from '../helpers/tiny-search';

onCpuBackend();

const NB201 = { name: 'nb201', channels: 2, cellsPerStage: 1 };

// Through the run folder, as the app runs them: paused at a step boundary, checkpointed, resumed in a
// new session; the end state (every tensor, every metric) must equal the uninterrupted run's, bit for
// bit. SNAS draws its Gumbel noise from the loop's checkpointed generator, so a resumed run draws the
// same masks.
const base: SearchConfigInput = { ...TINY_RUN, epochs: 3 };

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
      const config = parseSearchConfig({ ...base, space: r.space, strategy: r.strategy });
      await expectLosslessResume(config, [2, 5], 'nas-snas-');
    });
  }
});
