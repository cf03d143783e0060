import * as tf from '../../tf';
import { Module, ModuleList, type ForwardContext, type GraphBuilder, type GraphValue } from '../../nn';
import type { FinalNetwork } from '../../search/supernet';
import type { Rng } from '../../util/rng';
import type { MobileNetArch } from './arch';
import { MBConv, MobileNetHead, MobileNetStem } from './ops';
import type { MobileNetLayerSpec } from './search-space';
import { MOBILENET_LABEL, type MobileNetSearchSpace } from './space';

/**
 * One block of the found network (MobileInvertedResidualBlock with the chosen op): the MBConv plus the
 * identity shortcut where the layer has one, or nothing at all for 'skip' (the layer is the identity).
 */
export class MobileNetBlock extends Module {
  private readonly conv: MBConv | null;
  constructor(
    readonly spec: MobileNetLayerSpec,
    option: { kind: 'mbconv'; kernel: number; expansion: number } | { kind: 'skip' },
    rng: Rng,
  ) {
    super();
    this.conv =
      option.kind === 'skip'
        ? null
        : this.addChild(
            'mobile_inverted_conv',
            new MBConv(spec.cin, spec.cout, option.kernel, option.expansion, spec.stride, rng),
          );
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    if (!this.conv) return x.clone(); // a new handle, as nn Identity
    const y = this.conv.forward(x, ctx);
    return this.spec.residual ? y.add(x) : y;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    if (!this.conv) return x;
    const y = this.emitChild(g, this.conv, x);
    return this.spec.residual ? g.sum([y, x]) : y;
  }
}

/**
 * The stand-alone network of one architecture (ProxylessNASNets, the reference's convert_to_normal_net):
 * `stem.first_conv`, `stem.first_block`, `blocks.<i>.mobile_inverted_conv.…`, `head.feature_mix_layer`,
 * `head.classifier`. No dropout (the reference's default dropout_rate 0) and no auxiliary head:
 * run() ignores `dropPathProb`.
 */
export class MobileNetNetwork extends Module implements FinalNetwork {
  private readonly stem: MobileNetStem;
  readonly blocks: ModuleList<MobileNetBlock>;
  private readonly head: MobileNetHead;

  constructor(
    space: MobileNetSearchSpace,
    readonly arch: MobileNetArch,
    inChannels: number,
    classes: number,
    rng: Rng,
  ) {
    super();
    const c = space.choices(arch)[MOBILENET_LABEL];
    this.stem = this.addChild('stem', new MobileNetStem(space.layout, inChannels, rng));
    this.blocks = this.addChild(
      'blocks',
      new ModuleList(space.layers.map((l, i) => new MobileNetBlock(l, space.options[c[i]], rng))),
    );
    this.head = this.addChild('head', new MobileNetHead(space.layout, classes, rng));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    let h = this.stem.forward(x, ctx);
    for (const b of this.blocks.items) h = b.forward(h, ctx);
    return this.head.forward(h, ctx);
  }

  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    let h = this.emitChild(g, this.stem, x);
    const blocks = this.blocks;
    blocks.items.forEach((b, i) => {
      h = g.within(this.childName(blocks), () => g.child(String(i), b, h));
    });
    return this.emitChild(g, this.head, h);
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): { logits: tf.Tensor2D; auxLogits: tf.Tensor2D | null } {
    return { logits: this.forward(x, ctx), auxLogits: null };
  }

  countParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }
}
