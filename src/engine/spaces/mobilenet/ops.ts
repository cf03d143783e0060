import * as tf from '../../tf';
import {
  BatchNorm,
  Conv2d,
  DepthwiseConv2d,
  GlobalAvgPool,
  Linear,
  Module,
  type ForwardContext,
  type GraphBuilder,
  type GraphValue,
} from '../../nn';
import type { Rng } from '../../util/rng';
import type { MobileNetLayout } from './search-space';

export class ReLU6 extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.relu6(x);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.relu6(x);
  }
}

/**
 * conv (no bias) → affine BN → optional ReLU6, children named as the reference's nn.Sequential
 * (conv, bn, act): ProxylessNAS's ConvLayer 'weight_bn_act' and MBInvertedConvLayer's three parts.
 */
export class ConvBnAct extends Module {
  private readonly conv: Module;
  private readonly bn: BatchNorm;
  private readonly act: boolean;

  constructor(
    cin: number,
    cout: number,
    k: number,
    stride: number,
    opts: { depthwise?: boolean; act: boolean },
    rng: Rng,
  ) {
    super();
    const conv = { stride, padding: (k - 1) / 2, bias: false };
    this.conv = this.addChild(
      'conv',
      opts.depthwise ? new DepthwiseConv2d(cout, k, conv, rng) : new Conv2d(cin, cout, k, conv, rng),
    );
    this.bn = this.addChild('bn', new BatchNorm(cout, true));
    this.act = opts.act;
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const y = this.bn.forward(this.conv.forward(x, ctx), ctx);
    return this.act ? tf.relu6(y) : y;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const y = this.emitChild(g, this.bn, this.emitChild(g, this.conv, x));
    return this.act ? g.relu6(y) : y;
  }
}

/**
 * The reference's MBInvertedConvLayer: inverted_bottleneck (1×1 Cin → e·Cin, BN, ReLU6; absent for
 * e = 1), depth_conv (k×k depthwise at the layer's stride, padding k//2, BN, ReLU6), point_linear
 * (1×1 → Cout, BN, no activation). The residual is the layer's business, not the block's.
 */
export class MBConv extends Module {
  private readonly expand: ConvBnAct | null;
  private readonly depth: ConvBnAct;
  private readonly point: ConvBnAct;

  constructor(cin: number, cout: number, kernel: number, expansion: number, stride: number, rng: Rng) {
    super();
    const mid = Math.round(cin * expansion);
    this.expand =
      expansion === 1
        ? null
        : this.addChild('inverted_bottleneck', new ConvBnAct(cin, mid, 1, 1, { act: true }, rng));
    this.depth = this.addChild(
      'depth_conv',
      new ConvBnAct(mid, mid, kernel, stride, { depthwise: true, act: true }, rng),
    );
    this.point = this.addChild('point_linear', new ConvBnAct(mid, cout, 1, 1, { act: false }, rng));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const h = this.expand ? this.expand.forward(x, ctx) : x;
    return this.point.forward(this.depth.forward(h, ctx), ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const h = this.expand ? this.emitChild(g, this.expand, x) : x;
    return this.emitChild(g, this.point, this.emitChild(g, this.depth, h));
  }
}

/** The network around the searchable layers, shared by the supernet and the final network. */
export class MobileNetHead extends Module {
  private readonly featureMix: ConvBnAct;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  constructor(l: MobileNetLayout, classes: number, rng: Rng) {
    super();
    const cLast = l.widths[l.widths.length - 1];
    this.featureMix = this.addChild(
      'feature_mix_layer',
      new ConvBnAct(cLast, l.lastChannels, 1, 1, { act: true }, rng),
    );
    this.classifier = this.addChild('classifier', new Linear(l.lastChannels, classes, rng));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    return this.classifier.forward(
      this.pool.forward(this.featureMix.forward(x, ctx), ctx),
      ctx,
    ) as tf.Tensor2D;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return this.emitChild(g, this.classifier, this.pool.emit(g, this.emitChild(g, this.featureMix, x)));
  }
}

/** first_conv (3×3 at the stem stride, BN, ReLU6) and the fixed first block (3×3 MBConv1, no shortcut). */
export class MobileNetStem extends Module {
  private readonly firstConv: ConvBnAct;
  private readonly firstBlock: MBConv;
  constructor(l: MobileNetLayout, inChannels: number, rng: Rng) {
    super();
    this.firstConv = this.addChild(
      'first_conv',
      new ConvBnAct(inChannels, l.stemChannels, 3, l.stemStride, { act: true }, rng),
    );
    this.firstBlock = this.addChild('first_block', new MBConv(l.stemChannels, l.firstChannels, 3, 1, 1, rng));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.firstBlock.forward(this.firstConv.forward(x, ctx), ctx);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return this.emitChild(g, this.firstBlock, this.emitChild(g, this.firstConv, x));
  }
}
