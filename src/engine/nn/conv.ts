import * as tf from '../tf';
import type { Rng } from '../util/rng';
import { uniformFanIn } from './init';
import { Module, type ForwardContext } from './module';
import type { GraphBuilder, GraphValue } from './export-graph';
import { dilatedDepthwiseConv2d } from '../ops/dilated-depthwise';

export interface ConvOptions {
  stride: number;
  /** Symmetric zero padding on H and W, as PyTorch (not tf's asymmetric 'same'). */
  padding: number;
  dilation?: number;
  bias?: boolean;
}

export function symmetricPad(x: tf.Tensor4D, p: number): tf.Tensor4D {
  return p > 0
    ? tf.pad(x, [
        [0, 0],
        [p, p],
        [p, p],
        [0, 0],
      ])
    : x;
}

/** Dense 2-D convolution, filter [k, k, inC, outC] ('weight'), optional 'bias' [outC]. */
export class Conv2d extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  constructor(
    inC: number,
    outC: number,
    readonly k: number,
    readonly opts: ConvOptions,
    rng: Rng,
  ) {
    super();
    if ((opts.dilation ?? 1) !== 1)
      throw new Error('Conv2d supports dilation 1 only; DARTS dilates depthwise convs');
    const fanIn = inC * k * k;
    this.weight = this.addParam('weight', uniformFanIn([k, k, inC, outC], fanIn, rng));
    if (opts.bias) this.bias = this.addParam('bias', uniformFanIn([outC], fanIn, rng));
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const { stride, padding } = this.opts;
    // A numeric pad is symmetric in tfjs (PyTorch semantics) and saves a pad op and its gradient.
    const y = tf.conv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, stride, padding);
    return this.bias ? y.add(this.bias) : y;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const { stride, padding } = this.opts;
    return g.conv(x, { weight: this.weight, bias: this.bias, depthwise: false, stride, padding });
  }
}

/** Depthwise convolution (groups = channels), filter [k, k, C, 1] ('weight'), no bias as in DARTS. */
export class DepthwiseConv2d extends Module {
  readonly weight: tf.Variable;
  constructor(
    C: number,
    readonly k: number,
    readonly opts: ConvOptions,
    rng: Rng,
  ) {
    super();
    this.weight = this.addParam('weight', uniformFanIn([k, k, C, 1], k * k, rng));
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const { stride, padding, dilation = 1 } = this.opts;
    if (dilation === 1)
      return tf.depthwiseConv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, stride, padding);
    return dilatedDepthwiseConv2d(x as tf.Tensor4D, this.weight as tf.Tensor4D, stride, dilation, padding);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const { stride, padding, dilation = 1 } = this.opts;
    return g.conv(x, { weight: this.weight, depthwise: true, stride, padding, dilation });
  }
}

/** Fully connected layer: 'weight' [inF, outF], 'bias' [outF]. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(inF: number, outF: number, rng: Rng) {
    super();
    this.weight = this.addParam('weight', uniformFanIn([inF, outF], inF, rng));
    this.bias = this.addParam('bias', uniformFanIn([outF], inF, rng));
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.matMul(x as tf.Tensor2D, this.weight as tf.Tensor2D).add(this.bias);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.linear(x, { weight: this.weight, bias: this.bias });
  }
}
