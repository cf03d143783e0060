import { describe, expect, it } from 'vitest';
import { SearchConfigSchema } from '../../../shared/search-config';
import type { RunProbe } from '../../../shared/protocol';
import { describeSplits, describeTraining, estimateSentence, phaseLine } from './review';

const probe: RunProbe = {
  backend: 'wasm',
  setupSeconds: 4,
  phases: [
    {
      name: 'supernet',
      title: 'train the supernet',
      epochs: 2,
      stepsPerEpoch: 30,
      probedSteps: 3,
      secondsPerStep: 1.5,
    },
    {
      name: 'evaluate',
      title: 'score candidates',
      epochs: 1,
      stepsPerEpoch: 10,
      probedSteps: 3,
      secondsPerStep: 0.6,
    },
  ],
  totalSteps: 70,
  // 4 + 60 × 1.5 + 10 × 0.6 = 100 s.
  estimatedSeconds: 100,
};

describe('the review summary', () => {
  it('states the estimate as one, with how it was measured; each phase with its budget and share', () => {
    expect(estimateSentence(probe)).toBe(
      'Estimated time of the whole run on this machine: ≈ 1 min 40 s for 70 steps (an estimate, measured here: up to 3 steps of each phase timed on the wasm backend (the first as a warm-up), plus 4.0 s to load the data and build the supernet; checkpoints, epoch-end work and early stops are not counted).',
    );
    expect(phaseLine(probe.phases[0])).toBe(
      'train the supernet: 2 epochs × 30 steps = 60 steps; 1.50 s per step → 1 min 30 s',
    );
    const failed = { ...probe.phases[1], secondsPerStep: null, note: 'not measured: boom' };
    expect(phaseLine(failed)).toBe('score candidates: 1 epoch × 10 steps = 10 steps; not measured: boom');
    expect(estimateSentence({ ...probe, phases: [probe.phases[0], failed], estimatedSeconds: null })).toMatch(
      /^No estimate for the whole run: a phase could not be timed \(measured here: /,
    );
  });

  it('says how the data is split and what the training budget is', () => {
    const c = SearchConfigSchema.parse({
      data: { subset: 1000, trainFraction: 0.8, augment: true },
      epochs: 5,
    });
    expect(describeSplits(c.data)).toBe(
      '1,000 images (stratified subset): 80 % search-train, 20 % search-val; true labels; augmented (crop and flip); the test split is not used',
    );
    expect(describeTraining({ ...c, stepsPerEpoch: 20 })).toBe(
      '5 epochs × at most 20 steps per epoch, batch 64; seed 2; backend auto',
    );
  });
});
