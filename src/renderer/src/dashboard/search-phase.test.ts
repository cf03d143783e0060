import { describe, expect, it } from 'vitest';
import { strategySpec } from '../../../engine/catalog';
import type { CandidateRecord } from './metrics-log';
import {
  costKeys,
  costLimits,
  costScatter,
  generationStats,
  latestPerArchitecture,
  niceCeil,
  paretoFront,
  quantile,
} from './search-phase';

const c = (
  step: number,
  score: number,
  text: string,
  metrics: Record<string, number> = {},
): CandidateRecord => ({
  step,
  score,
  text,
  round: 'random',
  genotype: { text },
  metrics,
});

describe('the Pareto front (lower cost, higher score)', () => {
  it('keeps the undominated points, sorted by cost, on hand-made points', () => {
    // (1, .5) (2, .7) (4, .9) are the front; (3, .6) is dominated by (2, .7), (5, .9) by (4, .9),
    // (2, .4) by (2, .7) at the same cost, (1.5, .5) by (1, .5) at the same score.
    const pts: Array<[number, number]> = [
      [3, 0.6],
      [4, 0.9],
      [1, 0.5],
      [5, 0.9],
      [2, 0.4],
      [2, 0.7],
      [1.5, 0.5],
    ];
    expect(paretoFront(pts)).toEqual([
      [1, 0.5],
      [2, 0.7],
      [4, 0.9],
    ]);
  });
  it('equal points do not dominate each other: both stay', () => {
    expect(
      paretoFront([
        [2, 0.7],
        [1, 0.5],
        [2, 0.7],
        [3, 0.7],
      ]),
    ).toEqual([
      [1, 0.5],
      [2, 0.7],
      [2, 0.7],
    ]);
  });
  it('matches the definition checked pair by pair on random points', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    // Coarse values, so that ties in cost and in score occur.
    const pts = Array.from(
      { length: 200 },
      () => [Math.round(rand() * 20), Math.round(rand() * 20) / 20] as [number, number],
    );
    const dominated = (p: [number, number]) =>
      pts.some((q) => q[0] <= p[0] && q[1] >= p[1] && (q[0] < p[0] || q[1] > p[1]));
    const want = pts.filter((p) => !dominated(p)).sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    expect(paretoFront(pts)).toEqual(want);
    expect(paretoFront([])).toEqual([]);
  });
});

describe('score against cost', () => {
  const cands = [
    c(1, 0.3, 'a', { mflops: 10, mparams: 1 }),
    c(2, 0.5, 'b', { mflops: 20, mparams: 2 }),
    c(3, 0.45, 'c', { mflops: 30 }),
    c(5, 0.55, 'b', { mflops: 20, mparams: 2 }),
  ];
  it('takes each architecture once, at its latest score (a re-score replaces the first)', () => {
    expect(latestPerArchitecture(cands).map((x) => [x.text, x.score])).toEqual([
      ['a', 0.3],
      ['b', 0.55],
      ['c', 0.45],
    ]);
  });
  it('charts the costs the records carry, with their front', () => {
    expect(costKeys(cands)).toEqual(['mflops', 'mparams']);
    expect(costKeys([c(1, 0.1, 'x', { valAcc: 0.1 })])).toEqual([]);
    expect(costScatter(cands, 'mflops')).toEqual({
      points: [
        [10, 0.3],
        [20, 0.55],
        [30, 0.45],
      ],
      front: [
        [10, 0.3],
        [20, 0.55],
      ],
    });
    // A record without the cost is left out of that chart.
    expect(costScatter(cands, 'mparams').points).toEqual([
      [1, 0.3],
      [2, 0.55],
    ]);
  });
  it('reads the limits from the config fields the spec names, when set', () => {
    const sposSpec = strategySpec('spos');
    expect(costLimits(sposSpec, { name: 'spos', maxMFlops: 330 })).toEqual({ mflops: 330 });
    expect(costLimits(sposSpec, { name: 'spos', maxMFlops: 330, maxMParams: 3.5 })).toEqual({
      mflops: 330,
      mparams: 3.5,
    });
    expect(costLimits(sposSpec, { name: 'spos' })).toEqual({});
    // A strategy that declares no limits has none, whatever its config holds.
    expect(costLimits(strategySpec('random-search'), { maxMFlops: 330 })).toEqual({});
    expect(costLimits(null, null)).toEqual({});
  });
});

describe('per-generation statistics', () => {
  it('quantiles interpolate linearly between order statistics (numpy: 1,2,3,4 → Q1 1.75, median 2.5)', () => {
    expect(quantile([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 12);
    expect(quantile([1, 2, 3, 4], 0.5)).toBeCloseTo(2.5, 12);
    expect(quantile([1, 2, 3, 4], 0.75)).toBeCloseTo(3.25, 12);
    expect(quantile([5], 0.25)).toBe(5);
  });
  it('summarises each generation and holds the best so far', () => {
    const g = (gen: number, score: number, i: number) => c(i, score, `g${gen}-${i}`, { generation: gen });
    const stats = generationStats([
      g(0, 0.2, 0),
      g(0, 0.6, 1),
      g(0, 0.4, 2),
      g(1, 0.5, 3),
      g(1, 0.3, 4),
      g(2, 0.7, 5),
      c(6, 0.99, 'no generation'),
    ]);
    expect(stats.map((s) => s.generation)).toEqual([0, 1, 2]);
    // Sorted 0.2, 0.4, 0.6: Q1 halfway between the first two, Q3 between the last two.
    [0.2, 0.3, 0.4, 0.5, 0.6].forEach((v, i) => expect(stats[0].box[i]).toBeCloseTo(v, 12));
    expect(stats[0].scores).toEqual([0.2, 0.6, 0.4]);
    expect(stats.map((s) => s.best)).toEqual([0.6, 0.5, 0.7]);
    // Generation 1 is worse than 0: the best so far holds.
    expect(stats.map((s) => s.bestSoFar)).toEqual([0.6, 0.6, 0.7]);
    expect(generationStats([c(1, 0.5, 'a')])).toEqual([]);
  });
});

describe('axis ends', () => {
  it('round up to two significant digits', () => {
    expect(niceCeil(0.7752)).toBe(0.78);
    expect(niceCeil(336.6)).toBe(340);
    expect(niceCeil(330)).toBe(330);
    expect(niceCeil(3.001)).toBe(3.1);
  });
});
