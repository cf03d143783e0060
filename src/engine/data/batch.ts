import type * as tf from '../tf';

/** One batch of images [N, H, W, C] (float32, normalised) and integer labels [N]. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}

/**
 * One BPTT window of a language-modelling batch (data/text-batches.ts): the corpus split is cut into
 * `batch` contiguous streams, and a window is the next `len` (≤ bptt) tokens of each stream.
 * x[b, t] is token t of stream b's window, y[b, t] the token after it (int32, [batch, len]).
 * Consecutive windows continue each other, so the model carries its hidden state from one to the
 * next (detached: truncated BPTT); `first` marks the window that starts a pass over the split, where
 * the hidden state starts from zeros again.
 */
export interface TextBatch {
  kind: 'text';
  x: tf.Tensor2D;
  y: tf.Tensor2D;
  first: boolean;
}

/** What a data source yields: image batches, or text windows. */
export type AnyBatch = Batch | TextBatch;

export function isTextBatch(b: AnyBatch): b is TextBatch {
  return (b as TextBatch).kind === 'text';
}
