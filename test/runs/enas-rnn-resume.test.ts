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
    const root = mkdtempSync(join(tmpdir(), 'nas-lm-'));
    const config = parseSearchConfig(tinyText);
    const a = RunDir.create(root, 'a', config);
    expect(await executeRun(a, { resume: false })).toBe('completed');
    const b = RunDir.create(root, 'b', config);
    expect(
      await executeRun(b, {
        resume: false,
        checkpointEvery: 100,
        onProgress: (p) => p.step === 3 && requestPause(b),
      }),
    ).toBe('paused');
    expect(
      await executeRun(b, {
        resume: true,
        checkpointEvery: 100,
        onProgress: (p) => p.step === 9 && requestPause(b),
      }),
    ).toBe('paused');
    expect(await executeRun(b, { resume: true })).toBe('completed');
    expectSameState(finalState(a), finalState(b));
  });
});
