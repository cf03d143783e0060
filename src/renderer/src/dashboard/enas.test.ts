import { describe, expect, it } from 'vitest';
import { splitSampled } from './enas';
import type { CandidateRecord } from './metrics-log';

const rec = (round: string, epoch: number, text: string, share: number): CandidateRecord => ({
  step: epoch * 10,
  round,
  score: share,
  genotype: {},
  text,
  metrics: round === 'sampled' ? { epoch, share, count: share * 10, meanReward: 0.5 } : {},
});

describe('splitSampled', () => {
  it("groups ENAS's 'sampled' records per epoch, latest first, and keeps the scored candidates apart", () => {
    const { sampled, scored } = splitSampled([
      rec('sampled', 0, 'a', 0.3),
      rec('sampled', 0, 'b', 0.2),
      rec('sampled', 1, 'a', 0.6),
      rec('derive', 2, 'c', 0.9),
    ]);
    expect(sampled.map((e) => [e.epoch, e.archs.map((a) => a.text)])).toEqual([
      [1, ['a']],
      [0, ['a', 'b']],
    ]);
    expect(scored.map((c) => c.text)).toEqual(['c']);
  });
});
