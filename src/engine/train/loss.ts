import * as tf from '../tf';

/** Mean softmax cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(oneHot, logits) as tf.Scalar;
  });
}

/** Fraction of rows whose arg-max equals the label, as a scalar tensor (read it when convenient). */
export function accuracy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.equal(tf.argMax(logits, 1), labels.toInt()).toFloat().mean() as tf.Scalar);
}
