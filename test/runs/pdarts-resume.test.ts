import { describe, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_IMAGES } from '../helpers/tiny-search';

onCpuBackend();

// Three stages of 4 steps (1 → 2 → 3 cells, 8 → 5 → 3 ops per edge), α from the second epoch of
// each, skip dropout on. Through the run folder, as the app runs it: paused in stage 1 and again in
// stage 2, so that one resumed session crosses a stage change and the other starts on a rebuilt
// supernet; the end state must equal the uninterrupted run's, bit for bit.
describe('P-DARTS pauses and resumes losslessly across its stages (cpu)', () => {
  it('paused in stage 1 and in stage 2, resumed, ends bit for bit where the uninterrupted run ends', async () => {
    const config = parseSearchConfig({
      space: { name: 'darts', cells: 1, nodes: 2, channels: 2 },
      strategy: { name: 'pdarts', addLayers: [0, 1, 2], warmupEpochs: 1 },
      epochs: 2,
      batchSize: 8,
      stepsPerEpoch: 2,
      seed: 4,
      backend: 'cpu',
      data: TINY_IMAGES,
    } as SearchConfigInput);
    await expectLosslessResume(config, [3, 6], 'nas-pdarts-');
  });
});
