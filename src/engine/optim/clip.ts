import * as tf from '../tf';
import { linearCombination, sumOfSquares } from '../ops/multi-tensor';

/**
 * Scales gradients so that their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_).
 * Stays on the backend (no dataSync in the hot loop). Returns new tensors the caller disposes, and the
 * norm before clipping as a scalar tensor.
 */
export function clipByGlobalNorm(
  grads: tf.Tensor[],
  maxNorm: number,
): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(sumOfSquares(grads)) as tf.Scalar;
    const coef = tf.minimum(1, tf.div(maxNorm, norm.add(1e-6)));
    return { grads: linearCombination([grads], coef.reshape([1]) as tf.Tensor1D), norm };
  });
}
