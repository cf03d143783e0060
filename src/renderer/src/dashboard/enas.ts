import type { CandidateRecord } from './metrics-log';

/** ENAS's per-epoch report of its most sampled architectures (candidates of round 'sampled'). */
export const ENAS_SAMPLED_ROUND = 'sampled';

export interface SampledEpoch {
  epoch: number;
  archs: Array<{ text: string; share: number; count: number; meanReward: number }>;
}

/** Splits ENAS's 'sampled' records from the scored candidates, grouped per epoch, latest first. */
export function splitSampled(cands: CandidateRecord[]): {
  sampled: SampledEpoch[];
  scored: CandidateRecord[];
} {
  const byEpoch = new Map<number, SampledEpoch>();
  const scored: CandidateRecord[] = [];
  for (const c of cands) {
    if (c.round !== ENAS_SAMPLED_ROUND) {
      scored.push(c);
      continue;
    }
    const epoch = c.metrics.epoch ?? 0;
    const e = byEpoch.get(epoch) ?? { epoch, archs: [] };
    byEpoch.set(epoch, e);
    e.archs.push({
      text: c.text,
      share: c.metrics.share ?? c.score,
      count: c.metrics.count ?? 0,
      meanReward: c.metrics.meanReward ?? NaN,
    });
  }
  return { sampled: [...byEpoch.values()].sort((a, b) => b.epoch - a.epoch), scored };
}
