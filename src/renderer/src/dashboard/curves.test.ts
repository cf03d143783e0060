import { describe, expect, it } from 'vitest';
import {
  addStepToSpans,
  canLogScale,
  curveLines,
  emaSmooth,
  epochMeans,
  formatValue,
  hoverRows,
  spanAt,
  valueAt,
  type EpochSpan,
  type Points,
} from './curves';
import { parseMetricsLog } from './metrics-log';

const pts = (...ys: number[]): Points => ys.map((y, i) => [i + 1, y]);

describe('smoothing (TensorBoard’s debiased EMA)', () => {
  it('matches the formula by hand on a short series, the first point debiased to itself', () => {
    // w = 0.5 on 1, 2, 3: the biased average is 0.5, 1.25, 2.125; divided by 1 − 0.5ⁿ: 1, 5/3, 17/7.
    const s = emaSmooth(pts(1, 2, 3), 0.5);
    expect(s.map(([x]) => x)).toEqual([1, 2, 3]);
    expect(s[0][1]).toBeCloseTo(1, 12);
    expect(s[1][1]).toBeCloseTo(5 / 3, 12);
    expect(s[2][1]).toBeCloseTo(17 / 7, 12);
  });

  it('equals the normalised weighted average Σ wⁿ⁻ᵏ·yₖ / Σ wⁿ⁻ᵏ at every point (an independent form)', () => {
    const ys = [2.3, 1.9, 2.1, 1.4, 1.6, 0.9, 1.2, 0.7, 0.8, 0.5];
    for (const w of [0.1, 0.6, 0.9, 0.99]) {
      const s = emaSmooth(pts(...ys), w);
      ys.forEach((_, n) => {
        let num = 0;
        let den = 0;
        for (let k = 0; k <= n; k++) {
          num += w ** (n - k) * ys[k];
          den += w ** (n - k);
        }
        expect(s[n][1]).toBeCloseTo(num / den, 10);
      });
    }
  });

  it('weight 0 and constant series are left as they are; non-finite values pass through outside the average', () => {
    const raw = pts(3, 1, 2);
    expect(emaSmooth(raw, 0)).toEqual(raw);
    expect(emaSmooth(pts(0.025, 0.025, 0.025), 0.9)).toEqual(pts(0.025, 0.025, 0.025));
    const s = emaSmooth(pts(1, NaN, 3), 0.5);
    expect(s[1][1]).toBeNaN();
    // The NaN did not count: the third point is the second finite one (n = 2): (0.5·1 + 3)/(1.5) = 7/3.
    expect(s[2][1]).toBeCloseTo(7 / 3, 12);
    expect(() => emaSmooth(raw, 1)).toThrow('smoothing weight must be in [0, 1), not 1');
  });
});

describe('epoch spans and means', () => {
  // Two phases as a log holds them: 3 + 3 steps of 'supernet' (epochs 0, 1), 2 of 'evaluate' (epoch 0).
  const records = [
    ...[0, 1, 2, 3, 4, 5].map((s) => ({
      kind: 'step',
      step: s,
      epoch: Math.floor(s / 3),
      phase: 'supernet',
      valLoss: [4, 2, 3, 1, 1, 4][s],
      trainLoss: 1,
    })),
    { kind: 'epoch', step: 2, epoch: 0, phase: 'supernet', arch: {} },
    { kind: 'epoch', step: 5, epoch: 1, phase: 'supernet', arch: {} },
    { kind: 'step', step: 6, epoch: 0, phase: 'evaluate', score: 0.5 },
    { kind: 'step', step: 7, epoch: 0, phase: 'evaluate', score: 0.7, valLoss: 9 },
  ];
  const log = parseMetricsLog(records);

  it('groups the steps of each epoch of each phase (x = steps done)', () => {
    expect(log.spans).toEqual([
      { phase: 'supernet', epoch: 0, first: 1, last: 3 },
      { phase: 'supernet', epoch: 1, first: 4, last: 6 },
      { phase: 'evaluate', epoch: 0, first: 7, last: 8 },
    ]);
    expect(spanAt(log.spans, 5)?.epoch).toBe(1);
    expect(spanAt(log.spans, 8)?.phase).toBe('evaluate');
    expect(spanAt(log.spans, 9)).toBeNull();
    expect(spanAt(log.spans, 0)).toBeNull();
  });

  it('averages each closed epoch at its last step; the open epoch and epochs without the metric get none', () => {
    const means = epochMeans(log.series.valLoss, log.spans, log.epochs);
    // (4+2+3)/3 = 3 and (1+1+4)/3 = 2; the evaluate epoch has valLoss but no epoch record yet.
    expect(means.map((m) => [m.x, m.mean, m.count])).toEqual([
      [3, 3, 3],
      [6, 2, 3],
    ]);
    const closedAll = [...log.epochs, { phase: 'evaluate', epoch: 0 }];
    expect(epochMeans(log.series.valLoss, log.spans, closedAll).at(-1)).toMatchObject({ x: 8, mean: 9 });
    expect(epochMeans(log.series.trainLoss, log.spans, closedAll).map((m) => m.x)).toEqual([3, 6]);
  });

  it('live steps extend the last span or open a new one; legacy steps without a phase group by epoch', () => {
    const spans: EpochSpan[] = [];
    for (const [x, e] of [
      [1, 0],
      [2, 0],
      [3, 1],
    ])
      addStepToSpans(spans, x, e);
    expect(spans).toEqual([
      { phase: undefined, epoch: 0, first: 1, last: 2 },
      { phase: undefined, epoch: 1, first: 3, last: 3 },
    ]);
    const legacy = parseMetricsLog([
      { kind: 'step', step: 0, epoch: 0, valAcc: 0.2 },
      { kind: 'step', step: 1, epoch: 0, valAcc: 0.4 },
      { kind: 'epoch', step: 1, epoch: 0, arch: {} },
    ]);
    expect(epochMeans(legacy.series.valAcc, legacy.spans, legacy.epochs)[0].mean).toBeCloseTo(0.3, 12);
  });

  it('a hover names the step and its epoch, with the value, the smoothed value and the epoch mean', () => {
    const lines = curveLines(
      [{ key: 'valLoss', title: 'validation loss' }],
      log.series,
      log.spans,
      log.epochs,
      { weight: 0.5, withMeans: true },
    );
    // Step 2: raw 2, smoothed (0.5·4 + 2)/1.5 = 8/3, epoch 1's mean 3; phases named (the run has two).
    expect(hoverRows(2, lines, log.spans)).toEqual({
      header: 'step 2 · epoch 1 (supernet)',
      rows: [{ title: 'validation loss', text: '2 · smoothed 2.667 · epoch mean 3' }],
    });
    const plain = curveLines([{ key: 'score', title: 'score' }], log.series, log.spans, log.epochs, {
      weight: 0,
      withMeans: false,
    });
    expect(hoverRows(8, plain, log.spans).rows).toEqual([{ title: 'score', text: '0.7' }]);
    // Before a metric's first point it is left out of the hover.
    expect(hoverRows(2, plain, log.spans).rows).toEqual([]);
  });
});

describe('chart helpers', () => {
  it('a log scale only for positive series; values at a step; four significant digits', () => {
    expect(canLogScale([{ points: pts(0.1, 3e-4) }])).toBe(true);
    expect(canLogScale([{ points: pts(0.1) }, { points: pts(0) }])).toBe(false);
    expect(canLogScale([{ points: [] }])).toBe(false);
    expect(valueAt(pts(5, 6, 7), 2.5)).toBe(6);
    expect(valueAt(pts(5, 6, 7), 0.5)).toBeUndefined();
    expect(formatValue(2.0794415)).toBe('2.079');
    expect(formatValue(0.0003)).toBe('3.000e-4');
    expect(formatValue(undefined)).toBe('–');
  });
});
