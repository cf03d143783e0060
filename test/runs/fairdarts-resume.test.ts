import { describe, it } from 'vitest';
import { parseSearchConfig } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_IMAGES } from '../helpers/tiny-search';

onCpuBackend();

// Through the run folder, as the app runs them: paused at a step boundary (mid-epoch, twice),
// checkpointed, resumed in a new session; the end state (every tensor, every metric) must equal the
// uninterrupted run's, bit for bit. α starts off zero so that the σ mix, the zero-one term and Adam all
// carry state across the pauses.
describe('FairDARTS pauses and resumes losslessly (cpu)', () => {
  it('paused mid-epoch twice, then resumed, ends bit for bit where the uninterrupted run ends', async () => {
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
      data: TINY_IMAGES,
    });
    await expectLosslessResume(config, [2, 5], 'nas-fd-');
  });
});
