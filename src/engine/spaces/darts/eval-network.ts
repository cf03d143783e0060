import { z } from 'zod';
import * as tf from '../../tf';
import {
  AvgPool,
  BatchNorm,
  Conv2d,
  Identity,
  Linear,
  Module,
  ModuleList,
  ReLU,
  Sequential,
  type ForwardContext,
  type GraphBuilder,
  type GraphValue,
} from '../../nn';
import type { Rng } from '../../util/rng';
import { geneTargets, validateGenotype } from './genotype';
import { cellInputAdapters } from './cell-inputs';
import type { Genotype } from './genotype-types';
import { PRIMITIVES } from './primitives';
import type { PrimitiveName } from './primitives-contract';
import { reductionCells } from './search-space';

/**
 * The evaluation network of DARTS (reference model.py NetworkCIFAR) built from a genotype, on NHWC
 * images. Child names follow the reference's module names (stem, cells.<i>.preprocess0, ...ops.<k>,
 * auxiliary_head.features.<j>, classifier), so weights are saved and compared by name; see
 * docs/naming.md.
 */

export const EvalNetworkConfigSchema = z
  .object({
    /** Channels of the first cell (the paper's CIFAR-10 network: 36). */
    channels: z.number().int().min(2).max(1024).default(36),
    /** Number of cells; reduction cells sit at layers//3 and 2*layers//3 (paper: 20). */
    layers: z.number().int().min(1).max(64).default(20),
    numClasses: z.number().int().min(1).default(10),
    inChannels: z.number().int().min(1).default(3),
    stemMultiplier: z.number().int().min(1).max(8).default(3),
    /** Auxiliary classifier after the second reduction cell; built for 8x8 feature maps (32x32 images). */
    auxiliary: z.boolean().default(false),
  })
  .strict()
  .refine((c) => c.channels % 2 === 0, {
    message: 'channels must be even (FactorizedReduce splits them in two halves)',
    path: ['channels'],
  });
export type EvalNetworkConfig = z.infer<typeof EvalNetworkConfigSchema>;
export type EvalNetworkConfigInput = z.input<typeof EvalNetworkConfigSchema>;

/** A forward pass of the evaluation network: ForwardContext plus drop-path regularisation. */
export interface EvalForwardContext extends ForwardContext {
  /** Probability of dropping each non-identity op's output per sample during training; default 0. */
  dropPathProb?: number;
  /** Draws the drop-path masks; required when training with dropPathProb > 0. */
  rng?: Rng;
}

export interface EvalOutput {
  logits: tf.Tensor2D;
  /** Auxiliary head logits: present when the network has the head and the pass is training. */
  auxLogits: tf.Tensor2D | null;
}

/**
 * Drop-path (reference utils.drop_path): zeroes whole samples of `x` with probability `prob` and scales
 * the kept ones by 1/(1 − prob), so the expectation is unchanged. Draws x.shape[0] uniforms from `rng`
 * in sample order.
 */
export function dropPath(x: tf.Tensor4D, prob: number, rng: Rng): tf.Tensor4D {
  if (!(prob >= 0 && prob < 1)) throw new Error(`drop-path probability must be in [0, 1), got ${prob}`);
  const keep = 1 - prob;
  const n = x.shape[0];
  const mask = new Float32Array(n);
  for (let i = 0; i < n; i++) mask[i] = rng.uniform() < keep ? 1 / keep : 0;
  return tf.tidy(() => x.mul(tf.tensor4d(mask, [n, 1, 1, 1])));
}

/** One cell of the evaluation network: two preprocessed inputs and the genotype's nodes. */
export class EvalCell extends Module {
  readonly reduction: boolean;
  /** Output channels: |concat| × C. */
  readonly outChannels: number;
  private readonly pre0: Module;
  private readonly pre1: Module;
  private readonly ops: ModuleList;
  private readonly inputs: number[];
  /** The node (state index) each op feeds; dense cells: two per node, in order. */
  private readonly targets: number[];
  private readonly concat: number[];

  constructor(
    genotype: Genotype,
    Cpp: number,
    Cp: number,
    C: number,
    reduction: boolean,
    reductionPrev: boolean,
    rng: Rng,
  ) {
    super();
    this.reduction = reduction;
    const [pre0, pre1] = cellInputAdapters(Cpp, Cp, C, reductionPrev, true, rng);
    this.pre0 = this.addChild('preprocess0', pre0);
    this.pre1 = this.addChild('preprocess1', pre1);
    const genes = reduction ? genotype.reduce : genotype.normal;
    this.concat = [...(reduction ? genotype.reduceConcat : genotype.normalConcat)];
    this.inputs = genes.map(([, input]) => input);
    this.targets = geneTargets(genotype, reduction ? 'reduce' : 'normal');
    // Only edges from the cell inputs reduce; edges from intermediate nodes are already small.
    const ops = genes.map(([name, input]) =>
      PRIMITIVES[name as PrimitiveName](C, reduction && input < 2 ? 2 : 1, true, rng),
    );
    this.ops = this.addChild('ops', new ModuleList(ops));
    this.outChannels = this.concat.length * C;
  }

  /** The cell output for inputs s0 (two cells back) and s1 (previous cell). */
  run(s0: tf.Tensor4D, s1: tf.Tensor4D, ctx: EvalForwardContext): tf.Tensor4D {
    const dropProb = ctx.training ? (ctx.dropPathProb ?? 0) : 0;
    if (dropProb > 0 && !ctx.rng)
      throw new Error('drop-path during training needs an rng in the forward context');
    const states: Array<tf.Tensor4D | undefined> = [
      this.pre0.forward(s0, ctx) as tf.Tensor4D,
      this.pre1.forward(s1, ctx) as tf.Tensor4D,
    ];
    const edge = (k: number) => {
      const op = this.ops.items[k];
      const h = op.forward(states[this.inputs[k]]!, ctx) as tf.Tensor4D;
      // Identity edges are never dropped, as in the reference.
      return dropProb > 0 && !(op instanceof Identity) ? dropPath(h, dropProb, ctx.rng!) : h;
    };
    const last = Math.max(...this.targets);
    for (let node = 2; node <= last; node++) {
      // A sparse cell's node without inputs stays empty (validation keeps other nodes and the output off it).
      const ks = this.targets.flatMap((t, k) => (t === node ? [k] : []));
      states.push(ks.length ? ks.map(edge).reduce((a, b) => a.add(b)) : undefined);
    }
    return tf.concat(
      this.concat.map((j) => states[j]!),
      3,
    );
  }

  /** The inference graph of run() (drop path is training-only and emits nothing). */
  emitCell(g: GraphBuilder, s0: GraphValue, s1: GraphValue): GraphValue {
    const states: Array<GraphValue | undefined> = [
      this.emitChild(g, this.pre0, s0),
      this.emitChild(g, this.pre1, s1),
    ];
    const ops = this.ops;
    const edge = (k: number) =>
      g.within(this.childName(ops), () => g.child(String(k), ops.items[k], states[this.inputs[k]]!));
    const last = Math.max(...this.targets);
    for (let node = 2; node <= last; node++) {
      const ks = this.targets.flatMap((t, k) => (t === node ? [k] : []));
      states.push(ks.length ? g.sum(ks.map(edge)) : undefined);
    }
    return g.concat(this.concat.map((j) => states[j]!));
  }

  forward(): tf.Tensor {
    throw new Error('EvalCell takes two inputs: call run(s0, s1, ctx)');
  }
}

/** The reference's AuxiliaryHeadCIFAR: a small classifier on the 8x8 maps after the 2/3 reduction. */
export class AuxiliaryHead extends Module {
  private readonly features: Sequential;
  private readonly classifier: Linear;

  constructor(C: number, numClasses: number, rng: Rng) {
    super();
    this.features = this.addChild(
      'features',
      new Sequential([
        new ReLU(),
        new AvgPool(5, 3, 0), // 8x8 -> 2x2; without padding count_include_pad makes no difference
        new Conv2d(C, 128, 1, { stride: 1, padding: 0, bias: false }, rng),
        new BatchNorm(128, true),
        new ReLU(),
        new Conv2d(128, 768, 2, { stride: 1, padding: 0, bias: false }, rng), // 2x2 -> 1x1
        new BatchNorm(768, true),
        new ReLU(),
      ]),
    );
    this.classifier = this.addChild('classifier', new Linear(768, numClasses, rng));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const [, h, w] = x.shape;
    const pooled = (s: number) => Math.floor((s - 5) / 3) + 1;
    if (pooled(h) !== 2 || pooled(w) !== 2) {
      throw new Error(
        `the auxiliary head is built for 8x8 feature maps (32x32 images); it got ${h}x${w}. ` +
          'Turn the auxiliary head off for this image size.',
      );
    }
    const f = this.features.forward(x, ctx);
    return this.classifier.forward(f.reshape([f.shape[0], 768]), ctx);
  }
}

/** The DARTS evaluation network (reference NetworkCIFAR). */
export class EvalNetwork extends Module {
  readonly config: EvalNetworkConfig;
  readonly genotype: Genotype;
  readonly cells: ModuleList<EvalCell>;
  /** Index of the cell whose output feeds the auxiliary head (2*layers//3). */
  readonly auxiliaryAfter: number;
  private readonly stem: Sequential;
  private readonly auxiliaryHead: AuxiliaryHead | null;
  private readonly classifier: Linear;

  constructor(genotype: Genotype, config: EvalNetworkConfigInput, rng: Rng) {
    super();
    const parsed = EvalNetworkConfigSchema.safeParse(config);
    if (!parsed.success) {
      throw new Error(
        `bad evaluation network config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    const cfg = parsed.data;
    validateGenotype(genotype, { ops: Object.keys(PRIMITIVES) });
    this.config = cfg;
    this.genotype = genotype;

    const Cstem = cfg.stemMultiplier * cfg.channels;
    this.stem = this.addChild(
      'stem',
      new Sequential([
        new Conv2d(cfg.inChannels, Cstem, 3, { stride: 1, padding: 1, bias: false }, rng),
        new BatchNorm(Cstem, true),
      ]),
    );
    const reductions = new Set(reductionCells(cfg.layers));
    this.auxiliaryAfter = Math.floor((2 * cfg.layers) / 3);
    let [Cpp, Cp, C] = [Cstem, Cstem, cfg.channels];
    let reductionPrev = false;
    let Caux = Cp;
    const cells: EvalCell[] = [];
    for (let i = 0; i < cfg.layers; i++) {
      const reduction = reductions.has(i);
      if (reduction) C *= 2;
      const cell = new EvalCell(genotype, Cpp, Cp, C, reduction, reductionPrev, rng);
      cells.push(cell);
      reductionPrev = reduction;
      [Cpp, Cp] = [Cp, cell.outChannels];
      if (i === this.auxiliaryAfter) Caux = Cp;
    }
    this.cells = this.addChild('cells', new ModuleList(cells));
    this.auxiliaryHead = cfg.auxiliary
      ? this.addChild('auxiliary_head', new AuxiliaryHead(Caux, cfg.numClasses, rng))
      : null;
    this.classifier = this.addChild('classifier', new Linear(Cp, cfg.numClasses, rng));
  }

  /** Logits and, when training with the auxiliary head, auxiliary logits for images x [N, H, W, C]. */
  run(x: tf.Tensor4D, ctx: EvalForwardContext): EvalOutput {
    const s = this.stem.forward(x, ctx) as tf.Tensor4D;
    let [s0, s1] = [s, s];
    let auxLogits: tf.Tensor2D | null = null;
    for (let i = 0; i < this.cells.length; i++) {
      [s0, s1] = [s1, this.cells.items[i].run(s0, s1, ctx)];
      if (i === this.auxiliaryAfter && this.auxiliaryHead && ctx.training) {
        auxLogits = this.auxiliaryHead.forward(s1, ctx) as tf.Tensor2D;
      }
    }
    const logits = this.classifier.forward(tf.mean(s1, [1, 2]), ctx) as tf.Tensor2D;
    return { logits, auxLogits };
  }

  /** The inference graph of run(): the auxiliary head (training only) is not part of it. */
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const s = this.emitChild(g, this.stem, x);
    let [s0, s1] = [s, s];
    const cells = this.cells;
    for (let i = 0; i < cells.length; i++) {
      const cell = cells.items[i];
      const out = g.within(this.childName(cells), () => g.within(String(i), () => cell.emitCell(g, s0, s1)));
      [s0, s1] = [s1, out];
    }
    return this.emitChild(g, this.classifier, g.globalAvgPool(s1));
  }

  /** Logits only (the Module interface); use run() for the auxiliary logits. */
  forward(x: tf.Tensor, ctx: EvalForwardContext): tf.Tensor {
    return this.run(x as tf.Tensor4D, ctx).logits;
  }

  /**
   * Number of trainable values. Like the reference's count_parameters_in_MB, the auxiliary head is
   * left out unless asked for: it is dropped after training.
   */
  countParameters(includeAuxiliary = false): number {
    return this.namedParameters()
      .filter(([name]) => includeAuxiliary || !name.startsWith('auxiliary_head.'))
      .reduce((n, [, v]) => n + v.size, 0);
  }
}
