import { describe, expect, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_IMAGES } from '../helpers/tiny-search';

onCpuBackend();

// P-DARTS with the collapse alarm in warn mode, a reading at every epoch after the warm-up: two
// stages of 2 epochs × 2 steps (1 → 2 cells, 8 → 3 → 1 ops per edge). Paused mid-epoch before a
// reading (step 3), at stage 1's end (step 4: its last reading was taken before the rebuild, the
// resumed session starts on stage 2's supernet with a fresh alarm) and mid stage 2 (step 6, after
// its first reading: the alarm's state comes from the checkpoint). Every tensor and every metric,
// the eigenvalue readings among them, must equal the uninterrupted run's, bit for bit.
describe('the collapse alarm pauses and resumes losslessly (cpu)', () => {
  it('P-DARTS: paused before, across and after readings and a stage change, ends bit for bit as the uninterrupted run', async () => {
    const config = parseSearchConfig({
      space: { name: 'darts', cells: 1, nodes: 2, channels: 2 },
      strategy: {
        name: 'pdarts',
        keepOps: [3, 1],
        addLayers: [0, 1],
        addChannels: [0, 0],
        skipDropout: [0.2, 0.4],
        warmupEpochs: 0,
        collapseAlarm: 'warn',
        hessianEvery: 1,
        hessianIterations: 2,
        hessianWindow: 2,
        hessianDelta: 1,
        hessianStartEpoch: 0,
        dartsPlusStableEpochs: 1,
      },
      epochs: 2,
      batchSize: 8,
      stepsPerEpoch: 2,
      seed: 4,
      backend: 'cpu',
      data: TINY_IMAGES,
    } as SearchConfigInput);
    const { run } = await expectLosslessResume(config, [3, 4, 6], 'nas-alarm-');
    const readings = run.readMetrics().filter((m) => m.hessianEigenvalue !== undefined);
    expect(readings).toHaveLength(4);
  });
});
