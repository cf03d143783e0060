import type * as tf from '../tf';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { NamedTensorState } from '../optim/state';

/** One batch of images [N, H, W, C] (float32, normalised) and integer labels [N]. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

/** Where a step sits in the search. */
export interface StepInfo {
  epoch: number;
  stepInEpoch: number;
  globalStep: number;
  stepsPerEpoch: number;
  totalEpochs: number;
}

/** Scalars a strategy reports after each step (names are stable keys of the metrics log). */
export type StepMetrics = Record<string, number>;

/** The strategy's current belief over the choice points, for charts: one row per edge, one column per op. */
export interface ArchSnapshot {
  ops: string[];
  normal: number[][];
  reduce: number[][];
  /** What the rows are: 'softmax' (DARTS), 'sigmoid' (FairDARTS), 'probability' (sampling strategies). */
  kind: string;
}

/**
 * The contract every search strategy implements (see docs/strategies.md): a strategy sees the supernet
 * only through its choice points (ArchChoice), owns its optimizers and any controller, and can be
 * checkpointed and restored exactly.
 */
export interface SearchStrategy {
  readonly name: string;
  /** One search step on a training batch and a validation batch. The caller owns and disposes the batches. */
  step(train: Batch, val: Batch, info: StepInfo): StepMetrics;
  /** Called after the last step of each epoch (progressive schedules, early stopping). Returns extra metrics. */
  epochEnd(epoch: number): StepMetrics;
  /** The discrete architecture the strategy would return now. */
  derive(): Genotype;
  architecture(): ArchSnapshot;
  /** Everything needed to continue exactly (parameters of the strategy, optimizer states, counters). */
  getState(): NamedTensorState;
  setState(state: NamedTensorState): void;
  dispose(): void;
}
