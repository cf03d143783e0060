import type { Batch } from '../data/batch';

/**
 * What the search loop needs from a data pipeline: an endless stream of batches with a known epoch
 * length and an exact, serialisable position (for pause/resume). src/engine/data implements it.
 */
export interface BatchSource {
  readonly batchesPerEpoch: number;
  /** The next batch; the caller disposes its tensors. */
  next(): Batch;
  getPosition(): unknown;
  restorePosition(position: unknown): void;
}
