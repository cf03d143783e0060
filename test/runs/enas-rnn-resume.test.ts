import { describe, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend } from '../helpers/tiny-search';

onCpuBackend();

const tinyText: SearchConfigInput = {
  space: { name: 'enas-rnn', nodes: 4, hidden: 8 },
  strategy: { name: 'random-search', candidates: 3, scoreBatches: 1, rescoreTop: 2, lmLr: 5 },
  data: { source: 'text', text: { bptt: 6, evalBatchSize: 8 } },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 4,
  seed: 3,
  backend: 'cpu',
};

// Text data carries a hidden state across windows and draws dropout masks from the loop's generator:
// both must come back from a checkpoint for the resumed run to end where the uninterrupted one ends.
describe('random search on the enas-rnn space (text data) pauses and resumes losslessly (cpu)', () => {
  it('paused and resumed through the run folder, ends bit for bit where the uninterrupted run ends', async () => {
    const config = parseSearchConfig(tinyText);
    await expectLosslessResume(config, [3, 9], 'nas-lm-');
  });
});
