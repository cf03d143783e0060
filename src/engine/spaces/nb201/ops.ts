import * as tf from '../../tf';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  Identity,
  Linear,
  Module,
  ReLU,
  Sequential,
  Zero,
  type ForwardContext,
  type GraphBuilder,
  type GraphValue,
} from '../../nn';
import type { Rng } from '../../util/rng';
import type { Nb201Op } from './search-space';

/**
 * The NAS-Bench-201 operations (AutoDL-Projects xautodl/models/cell_operations.py, OPS), inside a
 * cell (stride 1, C channels in and out):
 * - nor_conv_1x1 / nor_conv_3x3: ReLU → Conv k×k (padding k//2) → BN. The reference builds the conv
 *   with bias=not affine: the benchmark's network (affine BN) has none, the search cells (affine=False,
 *   BN without γ/β) have one.
 * - avg_pool_3x3: 3×3, stride 1, padding 1, count_include_pad=False (nn/pool.ts AvgPool); the
 *   reference's POOLING adds a 1×1 ReLUConvBN only when C_in ≠ C_out, never the case in a cell, and
 *   no BN after the pool (unlike DARTS's MixedOp).
 * - skip_connect: identity (the reference's FactorizedReduce only for a stride or channel change).
 * - none: zeros shaped like the input.
 */
export class NorConv extends Module {
  private readonly op: Sequential;
  /** Cin→Cout k×k at `stride` (padding k//2): cells use stride 1, the residual block's first conv 2. */
  constructor(Cin: number, Cout: number, k: number, stride: number, affine: boolean, rng: Rng) {
    super();
    // Children named as the reference's ReLUConvBN: op.0 ReLU, op.1 conv, op.2 BN.
    this.op = this.addChild(
      'op',
      new Sequential([
        new ReLU(),
        new Conv2d(Cin, Cout, k, { stride, padding: (k - 1) / 2, bias: !affine }, rng),
        new BatchNorm(Cout, affine),
      ]),
    );
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.op.forward(x, ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return this.emitChild(g, this.op, x);
  }
}

/** One NB201 op inside a cell; `affine` false for the search supernet, true for the final network. */
export function nb201Op(name: Nb201Op, C: number, affine: boolean, rng: Rng): Module {
  switch (name) {
    case 'none':
      return new Zero(1);
    case 'skip_connect':
      return new Identity();
    case 'nor_conv_1x1':
      return new NorConv(C, C, 1, 1, affine, rng);
    case 'nor_conv_3x3':
      return new NorConv(C, C, 3, 1, affine, rng);
    case 'avg_pool_3x3':
      return new AvgPool(3, 1, 1);
  }
}

/**
 * 2×2 stride-2 average pooling of the residual shortcut (the reference's AvgPool2d(2, 2)). Odd sides,
 * which the reference cannot run (its ⌊h/2⌋ shortcut would not match the ⌈h/2⌉ conv path), average
 * the last row/column over the pixels that exist: the input is zero-padded at the end and those
 * outputs rescaled by 4/count, so the shortcut has the conv path's ⌈h/2⌉ size.
 */
export class ShortcutPool extends Module {
  /** 4 / (pixels inside the image) per output, [1, ⌈h/2⌉, ⌈w/2⌉, 1]. Made per call, as nn/pool.ts AvgPool's scale. */
  private scale(h: number, w: number): tf.Tensor {
    const oh = Math.ceil(h / 2);
    const ow = Math.ceil(w / 2);
    const data = new Float32Array(oh * ow);
    const count = (o: number, size: number) => Math.min(2 * o + 2, size) - 2 * o;
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++) data[i * ow + j] = 4 / (count(i, h) * count(j, w));
    return tf.tensor4d(data, [1, oh, ow, 1]);
  }

  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const [, h, w] = x.shape;
    if (h % 2 === 0 && w % 2 === 0) return tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid');
    const padded = tf.pad(x as tf.Tensor4D, [
      [0, 0],
      [0, h % 2],
      [0, w % 2],
      [0, 0],
    ]);
    return tf.avgPool(padded, 2, 2, 'valid').mul(this.scale(h, w));
  }

  /** A 2×2 stride-2 average over the pixels that exist: zero pads at the end, not counted. */
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const [h, w] = x.shape;
    return g.pool(x, {
      kind: 'avg',
      kernel: 2,
      stride: 2,
      pads: [0, 0, h % 2, w % 2],
      countIncludePad: false,
    });
  }
}

/**
 * The reference's ResNetBasicblock with stride 2, between the stages (affine in the supernet too, as
 * the reference builds it with its default affine=True): conv_a = ReLU-conv3×3 s2-BN, conv_b =
 * ReLU-conv3×3-BN, plus the shortcut downsample = AvgPool2d(2) → conv1×1 (no bias, no BN).
 */
export class ResNetBasicBlock extends Module {
  private readonly convA: NorConv;
  private readonly convB: NorConv;
  private readonly downsample: Sequential;

  constructor(Cin: number, Cout: number, rng: Rng) {
    super();
    this.convA = this.addChild('conv_a', new NorConv(Cin, Cout, 3, 2, true, rng));
    this.convB = this.addChild('conv_b', new NorConv(Cout, Cout, 3, 1, true, rng));
    this.downsample = this.addChild(
      'downsample',
      new Sequential([
        new ShortcutPool(),
        new Conv2d(Cin, Cout, 1, { stride: 1, padding: 0, bias: false }, rng),
      ]),
    );
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const block = this.convB.forward(this.convA.forward(x, ctx), ctx);
    return this.downsample.forward(x, ctx).add(block);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const block = this.emitChild(g, this.convB, this.emitChild(g, this.convA, x));
    return g.sum([this.emitChild(g, this.downsample, x), block]);
  }
}

/** The network around the cells, shared by the supernet and the final network (TinyNetwork's macro structure). */
export interface Nb201Skeleton {
  /** Conv3×3 (no bias) + affine BN: image channels → C. */
  stem: Sequential;
  /** N cells at C, a residual block, N cells at 2C, a block, N cells at 4C, as one list (the reference's `cells`). */
  cells: Module[];
  /** BN + ReLU before the pooling. */
  lastact: Sequential;
  classifier: Linear;
}

export function nb201Skeleton(
  inChannels: number,
  C: number,
  N: number,
  classes: number,
  cell: (channels: number) => Module,
  rng: Rng,
): Nb201Skeleton {
  const stem = new Sequential([
    new Conv2d(inChannels, C, 3, { stride: 1, padding: 1, bias: false }, rng),
    new BatchNorm(C, true),
  ]);
  const cells: Module[] = [];
  let Cprev = C;
  for (const Cs of [C, 2 * C, 4 * C]) {
    if (Cs !== C) cells.push(new ResNetBasicBlock(Cprev, Cs, rng));
    for (let n = 0; n < N; n++) cells.push(cell(Cs));
    Cprev = Cs;
  }
  return {
    stem,
    cells,
    lastact: new Sequential([new BatchNorm(Cprev, true), new ReLU()]),
    classifier: new Linear(Cprev, classes, rng),
  };
}
