import { describe, expect, it } from 'vitest';
import { summarizeCandidates } from './candidates';
import type { CandidateRecord } from './metrics-log';

const c = (step: number, score: number, text: string, round = 'sample'): CandidateRecord => ({
  step,
  score,
  text,
  round,
  genotype: { text },
  metrics: {},
});

describe('candidate aggregation', () => {
  const cands = [
    c(1, 0.3, 'a'),
    c(2, 0.5, 'b'),
    c(2, 0.45, 'c'),
    c(3, 0.4, 'd'),
    c(5, 0.55, 'b', 'rescore'),
    c(6, 0.2, 'e', 'rescore'),
  ];
  it('groups points by round, in the order rounds appear', () => {
    const s = summarizeCandidates(cands);
    expect(s.rounds).toEqual([
      {
        round: 'sample',
        points: [
          [1, 0.3],
          [2, 0.5],
          [2, 0.45],
          [3, 0.4],
        ],
      },
      {
        round: 'rescore',
        points: [
          [5, 0.55],
          [6, 0.2],
        ],
      },
    ]);
  });
  it('the best so far steps up where it improves and is held to the last candidate', () => {
    expect(summarizeCandidates(cands).bestSoFar).toEqual([
      [1, 0.3],
      [2, 0.5],
      [5, 0.55],
      [6, 0.55],
    ]);
    // Unsorted input, and two improvements at one step: one point, the higher.
    expect(summarizeCandidates([c(4, 0.9, 'x'), c(1, 0.1, 'y'), c(1, 0.2, 'z')]).bestSoFar).toEqual([
      [1, 0.2],
      [4, 0.9],
    ]);
    expect(summarizeCandidates([]).bestSoFar).toEqual([]);
  });
  it('lists the best distinct architectures once each, at their best score, with how often scored', () => {
    const { top } = summarizeCandidates(cands, 3);
    expect(top.map((t) => [t.text, t.score, t.round, t.times])).toEqual([
      ['b', 0.55, 'rescore', 2],
      ['c', 0.45, 'sample', 1],
      ['d', 0.4, 'sample', 1],
    ]);
    expect(summarizeCandidates(cands).top).toHaveLength(5);
  });
});
