import { describe, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_RUN } from '../helpers/tiny-search';

onCpuBackend();

const base: SearchConfigInput = { ...TINY_RUN, epochs: 3 };

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
      const config = parseSearchConfig({ ...base, space: r.space, strategy: r.strategy });
      await expectLosslessResume(config, [2, 5], 'nas-gp-');
    });
  }
});
