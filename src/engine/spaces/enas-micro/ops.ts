import * as tf from '../../tf';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  FactorizedReduce,
  MaxPool,
  Module,
  ReLUConvBN,
  SepConv,
  type ForwardContext,
} from '../../nn';
import { ExportError, type GraphBuilder, type GraphValue } from '../../nn/export-graph';
import type { Rng } from '../../util/rng';
import type { EnasMicroOp } from './search-space';

import { isConvOp, kernelOf } from './op-kinds';

export { isConvOp, kernelOf };

/** ReLU → depthwise k×k → pointwise → BN, twice (the first with the stride), BN affine. */
export function sepConv(op: 'sep_conv_3x3' | 'sep_conv_5x5', C: number, stride: number, rng: Rng): SepConv {
  const k = kernelOf(op);
  return new SepConv(C, C, k, stride, (k - 1) / 2, true, rng);
}

const avg3 = [new AvgPool(3, 1, 1), new AvgPool(3, 2, 1)];
const max3 = [new MaxPool(3, 1, 1), new MaxPool(3, 2, 1)];

/**
 * A parameter-free op (3×3 pools with 'SAME'-style padding — average without the padded cells, as
 * TF's average_pooling2d — or identity) at stride 1 or 2; identity at stride 2 is not parameter-free
 * (the caller's factorized reduction).
 */
export function freeOp(op: EnasMicroOp, x: tf.Tensor4D, stride: 1 | 2): tf.Tensor4D {
  if (op === 'avg_pool_3x3') return avg3[stride - 1].forward(x) as tf.Tensor4D;
  if (op === 'max_pool_3x3') return max3[stride - 1].forward(x) as tf.Tensor4D;
  if (op === 'identity' && stride === 1) return x;
  throw new Error(`${op} at stride ${stride} is not a parameter-free op`);
}

/** freeOp's inference graph: the same pools (so the same pads and count_include_pad=False), identity as its input. */
export function emitFreeOp(g: GraphBuilder, op: EnasMicroOp, x: GraphValue, stride: 1 | 2): GraphValue {
  if (op === 'avg_pool_3x3') return avg3[stride - 1].emit(g, x);
  if (op === 'max_pool_3x3') return max3[stride - 1].emit(g, x);
  if (op === 'identity' && stride === 1) return x;
  throw new ExportError(`${g.scope}: ${op} at stride ${stride} is not a parameter-free op`);
}

/**
 * Makes a cell's two inputs the same shape (micro_child.py _maybe_calibrate_size): the older input is
 * reduced by ReLU + factorized reduction when it is twice the size, else projected by ReLU-conv1×1-BN
 * when its channels differ from F; the newer one is projected when its channels differ.
 */
export class Calibrate extends Module {
  private readonly x: Module | null;
  private readonly y: Module | null;
  constructor(c0: number, c1: number, halve: boolean, C: number, rng: Rng) {
    super();
    this.x = halve
      ? this.addChild('pool_x', new FactorizedReduce(c0, C, true, rng))
      : c0 !== C
        ? this.addChild('pool_x', new ReLUConvBN(c0, C, 1, 1, 0, true, rng))
        : null;
    this.y = c1 !== C ? this.addChild('pool_y', new ReLUConvBN(c1, C, 1, 1, 0, true, rng)) : null;
  }
  run(s0: tf.Tensor4D, s1: tf.Tensor4D, ctx: ForwardContext): [tf.Tensor4D, tf.Tensor4D] {
    return [
      (this.x ? this.x.forward(s0, ctx) : s0) as tf.Tensor4D,
      (this.y ? this.y.forward(s1, ctx) : s1) as tf.Tensor4D,
    ];
  }
  /** run()'s inference graph: the calibrated pair (an input that needs no projection passes as it is). */
  emitPair(g: GraphBuilder, s0: GraphValue, s1: GraphValue): [GraphValue, GraphValue] {
    return [this.x ? this.emitChild(g, this.x, s0) : s0, this.y ? this.emitChild(g, this.y, s1) : s1];
  }
  forward(): tf.Tensor {
    throw new Error('Calibrate is driven through run()');
  }
}

/** Stem: conv 3×3 to 3F channels + BN (micro_child.py stem_conv). */
export class Stem extends Module {
  private readonly conv: Conv2d;
  private readonly bn: BatchNorm;
  constructor(inC: number, outC: number, rng: Rng) {
    super();
    this.conv = this.addChild('conv', new Conv2d(inC, outC, 3, { stride: 1, padding: 1 }, rng));
    this.bn = this.addChild('bn', new BatchNorm(outC, true));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.bn.forward(this.conv.forward(x, ctx), ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return this.emitChild(g, this.bn, this.emitChild(g, this.conv, x));
  }
}
