import * as tf from '../tf';

/**
 * Scales gradients so that their global L2 norm is at most maxNorm (torch.nn.utils.clip_grad_norm_).
 * Stays on the backend (no dataSync in the hot loop). Returns new tensors the caller disposes, and the
 * norm before clipping as a scalar tensor.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(grads.map((g) => g.square().sum()))) as tf.Scalar;
    const coef = tf.minimum(1, tf.div(maxNorm, norm.add(1e-6)));
    return { grads: grads.map((g) => g.mul(coef)), norm };
  });
}
