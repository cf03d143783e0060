import type * as tf from '../tf';

/** One batch of images [N, H, W, C] (float32, normalised) and integer labels [N]. */
export interface Batch {
  x: tf.Tensor4D;
  y: tf.Tensor1D;
}
