import * as tf from '../../tf';
import { Module, ModuleList, type ForwardContext } from '../../nn';
import { Supernet, type ArchAssignment, type Assignment } from '../../search/supernet';
import type { InputShape } from '../../search/space';
import type { Rng } from '../../util/rng';
import { weightedSum } from '../../ops/weighted-sum';
import { MBConv, MobileNetHead, MobileNetStem } from './ops';
import type { MobileNetLayerSpec, MobileNetOption } from './search-space';
import { MOBILENET_LABEL, type MobileNetSearchSpace } from './space';

/**
 * The candidates of one searchable layer (the reference's MixedEdge inside a
 * MobileInvertedResidualBlock), children named by option index: `candidate_ops.<k>.depth_conv.conv.weight`.
 * 'skip' holds nothing. The block's output is its residual x (where the layer has one) plus what the
 * chosen candidates contribute, as MobileInvertedResidualBlock.forward: 'skip' contributes zero, so
 * the layer is the identity.
 */
export class MobileNetChoiceLayer extends Module {
  private readonly candidates: Array<MBConv | null>;
  /** Options that are MBConvs this layer allows (the terms of a mix). */
  private readonly live: number[];

  constructor(
    readonly spec: MobileNetLayerSpec,
    options: readonly MobileNetOption[],
    allowed: readonly number[],
    rng: Rng,
  ) {
    super();
    const ops = new Array<MBConv | null>(options.length).fill(null);
    const holder = new CandidateDict();
    for (const k of allowed) {
      const o = options[k];
      if (o.kind === 'mbconv')
        ops[k] = holder.add(
          String(k),
          new MBConv(spec.cin, spec.cout, o.kernel, o.expansion, spec.stride, rng),
        );
    }
    this.addChild('candidate_ops', holder);
    this.candidates = ops;
    this.live = allowed.filter((k) => ops[k] !== null);
  }

  optionParameters(k: number): tf.Variable[] {
    return this.candidates[k]?.parameters() ?? [];
  }

  /** The option k alone (scaled by `gate`, shifted by `offset` when given), plus the residual. */
  single(x: tf.Tensor4D, k: number, ctx: ForwardContext, gate?: tf.Scalar, offset?: tf.Scalar): tf.Tensor4D {
    const op = this.candidates[k];
    let out: tf.Tensor | null = op ? op.forward(x, ctx) : null;
    if (out && gate) out = out.mul(gate);
    if (this.spec.residual) out = out ? out.add(x) : x.clone();
    if (!out) throw new Error(`layer ${this.spec.row}: option ${k} (skip) is not allowed here`);
    // GDAS-style offset: value 0, its gradient reaches every weight of the row.
    return (offset ? out.add(offset) : out) as tf.Tensor4D;
  }

  /** x (where residual) + Σ_k w_k·MBConv_k(x) over this layer's MBConvs; 'skip' and disallowed columns multiply nothing. */
  mix(x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext): tf.Tensor4D {
    const outs = this.live.map((k) => (this.candidates[k] as MBConv).forward(x, ctx));
    const sum = weightedSum(outs, w, this.live) as tf.Tensor4D;
    return this.spec.residual ? (sum.add(x) as tf.Tensor4D) : sum;
  }

  forward(): tf.Tensor {
    throw new Error('MobileNetChoiceLayer is driven by the supernet through single() or mix()');
  }
}

/** A module that only names its children (option index → candidate). */
class CandidateDict extends Module {
  add<M extends Module>(name: string, m: M): M {
    return this.addChild(name, m);
  }
  forward(): tf.Tensor {
    throw new Error('CandidateDict has no forward pass');
  }
}

/**
 * The ProxylessNAS supernet (SuperProxylessNASNets), NHWC: `first_conv`, `first_block` (stem.*), the
 * searchable `blocks.<i>` with every allowed candidate, `feature_mix_layer` and `classifier` (head.*).
 * The one label 'layers' drives it: `sample` runs one candidate per layer, `mix` every candidate
 * weighted (memory grows with the number of options; no strategy registered here uses it).
 * No gradient checkpointing: the single-path steps it is meant for keep one MBConv per layer.
 */
export class MobileNetSupernet extends Supernet {
  private readonly stem: MobileNetStem;
  readonly blocks: ModuleList<MobileNetChoiceLayer>;
  private readonly head: MobileNetHead;

  constructor(
    readonly space: MobileNetSearchSpace,
    readonly shape: InputShape,
    rng: Rng,
  ) {
    super();
    this.stem = this.addChild('stem', new MobileNetStem(space.layout, shape.channels, rng));
    this.blocks = this.addChild(
      'blocks',
      new ModuleList(
        space.layers.map((l, i) => new MobileNetChoiceLayer(l, space.options, space.allowedAt(i), rng)),
      ),
    );
    this.head = this.addChild('head', new MobileNetHead(space.layout, shape.classes, rng));
  }

  private check(arch: ArchAssignment): Assignment {
    const a = arch[MOBILENET_LABEL];
    if (!a)
      throw new Error(
        `a MobileNet supernet needs an assignment for '${MOBILENET_LABEL}', got ${Object.keys(arch).join(', ') || 'none'}`,
      );
    const L = this.space.layers.length;
    const K = this.space.options.length;
    if (a.kind === 'mix') {
      const [rows, cols] = a.weights.shape;
      if (rows !== L || cols !== K)
        throw new Error(
          `'${MOBILENET_LABEL}' mix weights must be [${L}, ${K}] (layers × options), got [${a.weights.shape.join(', ')}]`,
        );
      if (a.channelFraction !== undefined && a.channelFraction !== 1)
        throw new Error('partial channels (channelFraction) are not supported on the mobilenet space');
      if (a.edgeWeights)
        throw new Error('edge weights (edgeWeights) are not supported on the mobilenet space');
      return a;
    }
    if (a.ops.length !== L)
      throw new Error(`'${MOBILENET_LABEL}' sample needs ${L} options (one per layer), got ${a.ops.length}`);
    a.ops.forEach((k, i) => {
      if (!this.space.allowedAt(i).includes(k))
        throw new Error(
          `'${MOBILENET_LABEL}' sample, layer ${this.space.layers[i].row}: option ${k} is not one this layer allows (${this.space.allowedAt(i).join(', ')}); every layer runs exactly one`,
        );
    });
    for (const key of ['gate', 'offset'] as const) {
      const t = a[key];
      if (t && t.shape[0] !== L)
        throw new Error(`'${MOBILENET_LABEL}' ${key} must have ${L} entries, got ${t.shape[0]}`);
    }
    return a;
  }

  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    const a = this.check(arch);
    let h = this.stem.forward(x, ctx) as tf.Tensor4D;
    const rows = a.kind === 'mix' ? (tf.unstack(a.weights) as tf.Tensor1D[]) : null;
    const gates = a.kind === 'sample' && a.gate ? (tf.unstack(a.gate) as tf.Scalar[]) : null;
    const offsets = a.kind === 'sample' && a.offset ? (tf.unstack(a.offset) as tf.Scalar[]) : null;
    this.blocks.items.forEach((layer, i) => {
      h = rows
        ? layer.mix(h, rows[i], ctx)
        : layer.single(h, (a as { ops: readonly number[] }).ops[i], ctx, gates?.[i], offsets?.[i]);
    });
    return this.head.forward(h, ctx);
  }

  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    if (label !== MOBILENET_LABEL)
      throw new Error(`the MobileNet space has no label '${label}' (only '${MOBILENET_LABEL}')`);
    const L = this.space.layers.length;
    if (!(row >= 0 && row < L)) throw new Error(`the MobileNet space has no layer ${row} (0..${L - 1})`);
    const K = this.space.options.length;
    if (!(option >= 0 && option < K))
      throw new Error(`the MobileNet space has no option ${option} (0..${K - 1})`);
    return this.blocks.items[row].optionParameters(option);
  }

  sharedParameters(): tf.Variable[] {
    return [...this.stem.parameters(), ...this.head.parameters()];
  }
}
