import type { CandidateRecord } from './metrics-log';

/** What the candidates panel draws: scores per round, the best so far, and the best architectures. */
export interface CandidateSummary {
  /** Per round, in the order rounds first appear: [step, score] points. */
  rounds: Array<{ round: string; points: Array<[number, number]> }>;
  /** The best score seen up to each step at which it improved, then held to the last candidate's step. */
  bestSoFar: Array<[number, number]>;
  /** The best distinct architectures (by text), best first, each at its best score. */
  top: Array<CandidateRecord & { times: number }>;
}

/**
 * Aggregates a log's candidate records. An architecture scored more than once (rescored, re-sampled)
 * appears in the top list once, at its best score, with how often it was scored.
 */
export function summarizeCandidates(cands: CandidateRecord[], topN = 10): CandidateSummary {
  const byRound = new Map<string, Array<[number, number]>>();
  for (const c of cands) {
    const key = c.round || '(none)';
    if (!byRound.has(key)) byRound.set(key, []);
    byRound.get(key)!.push([c.step, c.score]);
  }
  const ordered = [...cands].sort((a, b) => a.step - b.step);
  const bestSoFar: Array<[number, number]> = [];
  let best = -Infinity;
  for (const c of ordered) {
    if (c.score > best) {
      best = c.score;
      // Two improvements at one step: keep the later, higher one only.
      if (bestSoFar.at(-1)?.[0] === c.step) bestSoFar.pop();
      bestSoFar.push([c.step, best]);
    }
  }
  const lastStep = ordered.at(-1)?.step;
  if (lastStep !== undefined && bestSoFar.at(-1)![0] !== lastStep) bestSoFar.push([lastStep, best]);
  const byText = new Map<string, CandidateRecord & { times: number }>();
  for (const c of cands) {
    const key = c.text || JSON.stringify(c.genotype);
    const seen = byText.get(key);
    if (!seen) byText.set(key, { ...c, times: 1 });
    else
      byText.set(
        key,
        c.score > seen.score ? { ...c, times: seen.times + 1 } : { ...seen, times: seen.times + 1 },
      );
  }
  const top = [...byText.values()].sort((a, b) => b.score - a.score || a.step - b.step).slice(0, topN);
  return { rounds: [...byRound].map(([round, points]) => ({ round, points })), bestSoFar, top };
}
