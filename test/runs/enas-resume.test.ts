import { describe, expect, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_IMAGES } from '../helpers/tiny-search';

onCpuBackend();

const base: SearchConfigInput = {
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 9,
  backend: 'cpu',
  space: { name: 'enas-micro', nodes: 2, layers: 1, channels: 2 } as unknown as SearchConfigInput['space'],
  strategy: {
    name: 'enas',
    controllerHidden: 8,
    controllerSteps: 3,
    controllerAggregate: 2,
    deriveSamples: 3,
  } as SearchConfigInput['strategy'],
  data: TINY_IMAGES,
};

// Epochs of 3 shared steps then 3 controller steps: paused in a shared step (1), in a controller step
// (4), at the next epoch's first shared step (7) and in the derive phase (13), each time checkpointed
// and resumed in a new session: the end state (shared weights, momentum, controller, Adam, baseline,
// every metric) equals the uninterrupted run's, bit for bit.
describe('ENAS pauses and resumes losslessly in the shared, controller and derive steps (cpu)', () => {
  it('ends bit for bit where the uninterrupted run ends', async () => {
    const config = parseSearchConfig(base);
    const { run: b, end } = await expectLosslessResume(config, [1, 4, 7, 13], 'nas-enas-');
    expect(Object.keys(end.tensors).some((k) => k.startsWith('strategy.controller.adam.'))).toBe(true);
    // The metrics log carries the controller's reward, baseline and entropy on its step records.
    const keys = new Set(
      b
        .readMetrics()
        .filter((m) => m.kind === 'step')
        .flatMap((m) => Object.keys(m)),
    );
    for (const k of ['reward', 'baseline', 'entropy', 'advantage']) expect(keys.has(k)).toBe(true);
  });
});

// The RNN cell on the bundled text: the shared steps carry a hidden state along the search-train
// streams and draw dropout masks from the loop's generator, the rewards carry one along the
// search-val streams, the baseline restarts at each epoch's first reward. Paused in a shared step
// (1), a controller step (4), the next epoch's first shared step (6), its controller phase (10)
// and the derive phase (13): the resumed run ends bit for bit where the uninterrupted one ends.
describe('ENAS on the RNN cell (text) pauses and resumes losslessly in the shared, controller and derive steps (cpu)', () => {
  it('ends bit for bit where the uninterrupted run ends', async () => {
    const config = parseSearchConfig({
      epochs: 2,
      batchSize: 8,
      stepsPerEpoch: 3,
      seed: 9,
      backend: 'cpu',
      space: { name: 'enas-rnn', nodes: 4, hidden: 8 } as unknown as SearchConfigInput['space'],
      strategy: {
        name: 'enas',
        controllerHidden: 8,
        controllerSteps: 3,
        controllerAggregate: 2,
        deriveSamples: 3,
        deriveBatches: 2,
        lmLr: 5,
      } as SearchConfigInput['strategy'],
      data: { source: 'text', text: { bptt: 6, evalBatchSize: 4 } },
    });
    expect(config.strategy).toMatchObject({ reward: 'perplexity', baselineInit: 'first-reward' });
    const { run: b, end } = await expectLosslessResume(config, [1, 4, 6, 10, 13], 'nas-enas-rnn-');
    // Both carried hidden states are in the checkpoint.
    expect(Object.keys(end.tensors)).toEqual(
      expect.arrayContaining(['strategy.lm.hidden', 'strategy.lm.valHidden']),
    );
    const keys = new Set(
      b
        .readMetrics()
        .filter((m) => m.kind === 'step')
        .flatMap((m) => Object.keys(m)),
    );
    for (const k of ['reward', 'baseline', 'entropy', 'advantage', 'childValPpl', 'trainPpl'])
      expect(keys.has(k)).toBe(true);
  });
});
