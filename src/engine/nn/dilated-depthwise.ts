import * as tf from '../tf';

/**
 * Depthwise convolution with dilation d and symmetric zero padding `pad`, built from ops whose
 * gradients tfjs has (tfjs throws on gradients of dilated depthwise convolution):
 * - stride 1: the atrous trick. spaceToBatchND splits the input into d×d phases; an undilated valid
 *   convolution on each phase, reassembled by batchToSpaceND, is the dilated convolution.
 * - stride d: every output reads only input positions that are multiples of d, i.e. phase (0, 0);
 *   an undilated valid convolution of that phase alone is the result.
 * Output size matches PyTorch: floor((P − d(k−1) − 1)/s) + 1 for padded size P = H + 2·pad.
 */
export function dilatedDepthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, dilation: number, pad = 0): tf.Tensor4D {
  const d = dilation;
  const [n, h0, w0] = x.shape;
  const [h, w] = [h0 + 2 * pad, w0 + 2 * pad];
  const k = filter.shape[0];
  const outH = Math.floor((h - d * (k - 1) - 1) / stride) + 1;
  const outW = Math.floor((w - d * (k - 1) - 1) / stride) + 1;
  if (outH < 1 || outW < 1) throw new Error(`input ${h}x${w} is too small for a ${k}x${k} convolution with dilation ${d}`);
  // spaceToBatchND pads too: the symmetric zero padding, plus extra at the end so that sizes divide by d.
  const extraH = (d - (h % d)) % d;
  const extraW = (d - (w % d)) % d;
  const phases = tf.spaceToBatchND(x, [d, d], [
    [pad, pad + extraH],
    [pad, pad + extraW],
  ]) as tf.Tensor4D;
  if (stride === d) {
    const phase00 = phases.slice([0, 0, 0, 0], [n, -1, -1, -1]);
    const y = tf.depthwiseConv2d(phase00, filter, 1, 'valid');
    // Slicing copies (and its gradient pads): only when the phase is larger than the output.
    return y.shape[1] === outH && y.shape[2] === outW ? y : y.slice([0, 0, 0, 0], [n, outH, outW, -1]);
  }
  if (stride !== 1) throw new Error(`dilated depthwise convolution supports stride 1 or ${d}, got ${stride}`);
  const y = tf.depthwiseConv2d(phases, filter, 1, 'valid');
  // Reassembled and cropped to the output size in one op (a separate slice would copy again).
  return tf.batchToSpaceND(y, [d, d], [
    [0, y.shape[1] * d - outH],
    [0, y.shape[2] * d - outW],
  ]) as tf.Tensor4D;
}
