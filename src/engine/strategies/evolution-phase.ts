import type { NamedTensorState } from '../optim/state';
import type { SearchSpace } from '../search/space';
import type { StepMetrics, StepResult } from '../search/strategy';

/**
 * What the strategies that train a supernet and then evolve on it (SPOS, RLNAS, regularized
 * evolution) share about their evolution phase: how a step that scored one candidate reports it, and
 * where the evolution's state sits in the checkpoint (one place, so that the three keep one layout).
 */

/** A candidate as an evolution records it once scored. */
export interface ScoredCandidate {
  genotype: unknown;
  text: string;
  score: number;
  /** How it was made ('initial', 'mutation', 'crossover', …): the candidate list's `round`. */
  origin: string;
}

/** A step that scored one candidate: the step's metrics, and the candidate with its own metrics. */
export function scoredCandidateStep(
  metrics: StepMetrics,
  c: ScoredCandidate,
  candidateMetrics: StepMetrics,
): StepResult {
  return {
    metrics,
    candidates: [
      { genotype: c.genotype, text: c.text, score: c.score, metrics: candidateMetrics, round: c.origin },
    ],
  };
}

/**
 * The answer: the best candidate ever scored. Before phase 2 has scored one there is no answer yet;
 * the space's discretisation of phase 1's sampling frequencies stands in (a valid architecture, not
 * a result).
 */
export function bestOrSampled(
  best: ScoredCandidate | null,
  space: SearchSpace,
  supernet: { frequencies(): Record<string, number[][]> },
): unknown {
  return best?.genotype ?? space.derive(supernet.frequencies());
}

/** An evolution whose whole state is JSON (AgingEvolution, SposEvolution). */
export interface JsonStateful {
  toJSON(): string;
  restore(json: string): void;
}

/**
 * The supernet training's checkpoint entry with the evolution's JSON as scalar `evolution`; `tensors`
 * replaces the entry's tensors (RLNAS adds its initial weights).
 */
export function withEvolutionState(
  supernet: NamedTensorState,
  evolution: JsonStateful,
  tensors: NamedTensorState['tensors'] = supernet.tensors,
): NamedTensorState {
  return { scalars: { ...supernet.scalars, evolution: evolution.toJSON() }, tensors };
}

/** Restores the evolution from withEvolutionState's entry (an entry without one leaves it as it is). */
export function restoreEvolutionState(state: NamedTensorState, evolution: JsonStateful): void {
  if (typeof state.scalars.evolution === 'string') evolution.restore(state.scalars.evolution);
}
