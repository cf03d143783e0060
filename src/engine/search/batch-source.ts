import type { AnyBatch } from '../data/batch';

/**
 * What the search loop needs from a data pipeline: an endless stream of batches with a known epoch
 * length and an exact, serialisable position (for pause/resume). src/engine/data implements it:
 * BatchLoader yields image batches, TextBatchSource text windows.
 */
export interface BatchSource<B extends AnyBatch = AnyBatch> {
  readonly batchesPerEpoch: number;
  /** The next batch; the caller disposes its tensors. */
  next(): B;
  getPosition(): unknown;
  restorePosition(position: unknown): void;
}
