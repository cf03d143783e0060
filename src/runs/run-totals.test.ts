import { describe, expect, it } from 'vitest';
import { RunTotals } from './run-totals';

describe('RunTotals', () => {
  it('best validation accuracy is the best epoch mean, elapsed time the sum of step times', () => {
    const t = new RunTotals();
    t.addStep(0, 1.5, 0.2);
    t.addStep(0, 0.5, 0.4);
    expect(t.endEpoch()).toBeCloseTo(0.3, 12);
    t.addStep(1, 1, 0.9);
    t.addStep(1, 1, 0.1);
    expect(t.endEpoch()).toBeCloseTo(0.5, 12);
    t.addStep(2, 2, 0.1);
    expect(t.endEpoch()).toBeCloseTo(0.1, 12);
    expect(t.bestValAcc).toBeCloseTo(0.5, 12);
    expect(t.elapsedSeconds).toBe(6);
  });

  it('rebuilds the same totals from the metrics log, mid-epoch included (resume)', () => {
    const records = [
      { kind: 'step', epoch: 0, seconds: 1, valAcc: 0.25 },
      { kind: 'step', epoch: 0, seconds: 1, valAcc: 0.75 },
      { kind: 'epoch', epoch: 0, valAcc: 0.5 },
      { kind: 'step', epoch: 1, seconds: 2, valAcc: 1 },
    ];
    const t = RunTotals.fromRecords(records);
    expect(t.bestValAcc).toBe(0.5);
    expect(t.elapsedSeconds).toBe(4);
    t.addStep(1, 1, 0.8);
    // The resumed epoch's mean includes the step logged before the pause.
    expect(t.endEpoch()).toBeCloseTo(0.9, 12);
    expect(t.bestValAcc).toBeCloseTo(0.9, 12);
  });

  it('an epoch without validation accuracy has no mean', () => {
    const t = new RunTotals();
    t.addStep(0, 1, undefined);
    expect(t.endEpoch()).toBeUndefined();
    expect(t.bestValAcc).toBeUndefined();
  });
});
