import * as tf from '../tf';
import type { Rng } from '../util/rng';
import { ReLU } from './activations';
import { BatchNorm } from './batchnorm';
import { Conv2d, DepthwiseConv2d } from './conv';
import { Module, Sequential, type ForwardContext } from './module';
import type { GraphBuilder, GraphValue } from './export-graph';

/**
 * A block that is one Sequential registered as child 'op' (so its weights are named `op.<i>.*`, as the
 * reference's `self.op = nn.Sequential(...)`): the forward pass and the export are the Sequential's.
 */
export abstract class SequentialBlock extends Module {
  private readonly op: Sequential;
  protected constructor(layers: Module[]) {
    super();
    this.op = this.addChild('op', new Sequential(layers));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.op.forward(x, ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return this.emitChild(g, this.op, x);
  }
}

/** ReLU → Conv → BN (child 'op' = Sequential[ReLU, Conv2d, BatchNorm]), as the reference. */
export class ReLUConvBN extends SequentialBlock {
  constructor(
    Cin: number,
    Cout: number,
    k: number,
    stride: number,
    padding: number,
    affine: boolean,
    rng: Rng,
  ) {
    super([new ReLU(), new Conv2d(Cin, Cout, k, { stride, padding }, rng), new BatchNorm(Cout, affine)]);
  }
}

/** ReLU → depthwise k×k (dilated) → pointwise 1×1 → BN. */
export class DilConv extends SequentialBlock {
  constructor(
    Cin: number,
    Cout: number,
    k: number,
    stride: number,
    padding: number,
    dilation: number,
    affine: boolean,
    rng: Rng,
  ) {
    super([
      new ReLU(),
      new DepthwiseConv2d(Cin, k, { stride, padding, dilation }, rng),
      new Conv2d(Cin, Cout, 1, { stride: 1, padding: 0 }, rng),
      new BatchNorm(Cout, affine),
    ]);
  }
}

/** Two stacked (ReLU, depthwise k×k, pointwise 1×1, BN) blocks; the first carries the stride. */
export class SepConv extends SequentialBlock {
  constructor(
    Cin: number,
    Cout: number,
    k: number,
    stride: number,
    padding: number,
    affine: boolean,
    rng: Rng,
  ) {
    super([
      new ReLU(),
      new DepthwiseConv2d(Cin, k, { stride, padding }, rng),
      new Conv2d(Cin, Cin, 1, { stride: 1, padding: 0 }, rng),
      new BatchNorm(Cin, affine),
      new ReLU(),
      new DepthwiseConv2d(Cin, k, { stride: 1, padding }, rng),
      new Conv2d(Cin, Cout, 1, { stride: 1, padding: 0 }, rng),
      new BatchNorm(Cout, affine),
    ]);
  }
}

/**
 * Halves H and W with two 1×1 stride-2 convs, the second on the input shifted by one pixel, so that
 * every input position is seen; outputs concatenated on channels, then BN. Odd sizes: the shifted
 * input is zero-padded at the end so that both halves have the same size.
 */
export class FactorizedReduce extends Module {
  private readonly conv1: Conv2d;
  private readonly conv2: Conv2d;
  private readonly bn: BatchNorm;
  constructor(Cin: number, Cout: number, affine: boolean, rng: Rng) {
    super();
    if (Cout % 2 !== 0)
      throw new Error(`FactorizedReduce needs an even number of output channels, got ${Cout}`);
    this.conv1 = this.addChild('conv_1', new Conv2d(Cin, Cout / 2, 1, { stride: 2, padding: 0 }, rng));
    this.conv2 = this.addChild('conv_2', new Conv2d(Cin, Cout / 2, 1, { stride: 2, padding: 0 }, rng));
    this.bn = this.addChild('bn', new BatchNorm(Cout, affine));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const r = tf.relu(x) as tf.Tensor4D;
    const [, h, w] = r.shape;
    let shifted = r.slice([0, 1, 1, 0], [-1, -1, -1, -1]);
    if (h % 2 === 1 || w % 2 === 1)
      shifted = tf.pad(shifted, [
        [0, 0],
        [0, h % 2],
        [0, w % 2],
        [0, 0],
      ]);
    const out = tf.concat([this.conv1.forward(r, ctx), this.conv2.forward(shifted, ctx)], 3);
    return this.bn.forward(out, ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const r = g.relu(x);
    const [h, w] = r.shape;
    const shifted = g.pad(g.crop(r, [1, 1, 0, 0]), [0, 0, h % 2, w % 2]);
    const out = g.concat([this.emitChild(g, this.conv1, r), this.emitChild(g, this.conv2, shifted)]);
    return this.emitChild(g, this.bn, out);
  }
}
