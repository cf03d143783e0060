/**
 * Which of the micro space's ops carry weights, tfjs-free: the space (and so the catalog the app's
 * main process and renderer load) and its cost model read this, the tensor modules too.
 */

/** The ops with weights: the two stacked separable convolutions (micro_child.py _enas_conv, stack_conv=2). */
export function isConvOp(op: string): op is 'sep_conv_3x3' | 'sep_conv_5x5' {
  return op === 'sep_conv_3x3' || op === 'sep_conv_5x5';
}

export function kernelOf(op: 'sep_conv_3x3' | 'sep_conv_5x5'): number {
  return op === 'sep_conv_3x3' ? 3 : 5;
}
