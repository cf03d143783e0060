import * as tf from '../../tf';
import { Module, ModuleList, Sequential, type ForwardContext } from '../../nn/module';
import { BatchNorm, Conv2d, GlobalAvgPool, Linear, checkpoint } from '../../nn';
import { cellInputAdapters } from './cell-inputs';
import { weightedSum } from '../../ops/weighted-sum';
import type { Rng } from '../../util/rng';
import { PRIMITIVES } from './primitives';
import type { PrimitiveName } from './primitives-contract';
import { edgeCount, reductionCells, type DartsSpace } from './search-space';
import { DEFAULT_RECOMPUTE, type Recompute } from './recompute-mode';
import { Supernet, type ArchAssignment, type Assignment } from '../../search/supernet';

export { DEFAULT_RECOMPUTE, type Recompute };

/**
 * How a strategy drives one cell type (all normal cells share one assignment, all reduction cells
 * another): the engine's Assignment (search/supernet.ts) for the labels 'normal' and 'reduce'. In a
 * sampled assignment an edge whose op index is -1 is off (a node's unchosen inputs).
 */
export type CellChoice = Assignment;

export interface ArchChoice extends ArchAssignment {
  normal: CellChoice;
  reduce: CellChoice;
}

/** The forward context of a segment's recomputation: the same context, marked as a replay. */
function replayed(ctx: ForwardContext, replay: boolean): ForwardContext {
  return replay ? { ...ctx, replay: true } : ctx;
}

/** One edge: every candidate op (pools followed by a non-affine BN, as in the reference's MixedOp). */
export class MixedOp extends Module {
  private readonly candidates: Array<{ name: PrimitiveName; op: Module }>;

  constructor(opNames: readonly PrimitiveName[], C: number, stride: 1 | 2, rng: Rng) {
    super();
    this.candidates = opNames.map((name) => {
      let op = PRIMITIVES[name](C, stride, false, rng);
      if (name.includes('pool')) op = new Sequential([op, new BatchNorm(C, false)]);
      return { name, op: this.addChild(name, op) };
    });
  }

  get opNames(): PrimitiveName[] {
    return this.candidates.map((c) => c.name);
  }

  private cachedVars?: tf.Variable[];
  /** The trainable variables of this edge (fixed after construction), for checkpoint(). */
  get variables(): tf.Variable[] {
    return (this.cachedVars ??= this.parameters());
  }

  /** mix() recomputed in the backward pass (see Recompute). */
  mixRecomputed(x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) => this.mix(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor1D, replayed(ctx, replay));
    return checkpoint(seg, [x, w], this.variables) as tf.Tensor4D;
  }

  /** single() recomputed in the backward pass. */
  singleRecomputed(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) => this.single(xs[0] as tf.Tensor4D, k, replayed(ctx, replay));
    return checkpoint(seg, [x], this.candidates[k].op.parameters()) as tf.Tensor4D;
  }

  /** Σ_k w_k·op_k(x). 'none' outputs zeros, so it is skipped: its term and its gradient are exactly 0. */
  mix(x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext): tf.Tensor4D {
    const index = this.candidates.flatMap(({ name }, k) => (name === 'none' ? [] : [k]));
    if (index.length === 0) return this.candidates[0].op.forward(x, ctx) as tf.Tensor4D;
    const outputs = index.map((k) => this.candidates[k].op.forward(x, ctx));
    return weightedSum(outputs, w, index) as tf.Tensor4D;
  }

  /** The trainable parameters of candidate k. */
  optionParameters(k: number): tf.Variable[] {
    return this.candidates[k].op.parameters();
  }

  /** Runs one candidate alone. */
  single(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    return this.candidates[k].op.forward(x, ctx) as tf.Tensor4D;
  }

  forward(): tf.Tensor {
    throw new Error('MixedOp is driven by its cell through mix() or single()');
  }
}

/** A search cell: two preprocessed inputs, `nodes` intermediate nodes over all earlier states. */
export class SearchCell extends Module {
  readonly reduction: boolean;
  readonly pre0: Module;
  readonly pre1: Module;
  readonly edges: ModuleList<MixedOp>;

  constructor(
    readonly space: DartsSpace,
    Cpp: number,
    Cp: number,
    C: number,
    reduction: boolean,
    reductionPrev: boolean,
    rng: Rng,
  ) {
    super();
    this.reduction = reduction;
    const [pre0, pre1] = cellInputAdapters(Cpp, Cp, C, reductionPrev, false, rng);
    this.pre0 = this.addChild('preprocess0', pre0);
    this.pre1 = this.addChild('preprocess1', pre1);
    const edges: MixedOp[] = [];
    for (let i = 0; i < space.nodes; i++) {
      for (let j = 0; j < i + 2; j++) {
        edges.push(new MixedOp(space.ops, C, reduction && j < 2 ? 2 : 1, rng));
      }
    }
    this.edges = this.addChild('edges', new ModuleList(edges));
  }

  private cachedVars?: tf.Variable[];
  /** The trainable variables of this cell (fixed after construction), for checkpoint(). */
  get variables(): tf.Variable[] {
    return (this.cachedVars ??= this.parameters());
  }

  /** The cell's output (concatenated intermediate nodes) for inputs s0, s1 (see Recompute for `recompute`). */
  run(s0: tf.Tensor4D, s1: tf.Tensor4D, choice: CellChoice, ctx: ForwardContext, recompute: Recompute = 'off'): tf.Tensor4D {
    if (recompute !== 'cell') return this.runPlain(s0, s1, choice, ctx, recompute === 'edge');
    // The architecture tensor (softmax weights or the straight-through gate) is an input of the segment,
    // so that its gradient flows; a sampled choice's op indices are constants.
    const arch = choice.kind === 'mix' ? [choice.weights] : choice.gate ? [choice.gate] : [];
    const seg = (xs: tf.Tensor[], replay: boolean) => {
      const c: CellChoice =
        choice.kind === 'mix'
          ? { kind: 'mix', weights: xs[2] as tf.Tensor2D }
          : { kind: 'sample', ops: choice.ops, gate: choice.gate ? (xs[2] as tf.Tensor1D) : undefined };
      return this.runPlain(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D, c, replayed(ctx, replay), false);
    };
    return checkpoint(seg, [s0, s1, ...arch], this.variables) as tf.Tensor4D;
  }

  private runPlain(s0: tf.Tensor4D, s1: tf.Tensor4D, choice: CellChoice, ctx: ForwardContext, perEdge: boolean): tf.Tensor4D {
    const states: tf.Tensor4D[] = [
      this.pre0.forward(s0, ctx) as tf.Tensor4D,
      this.pre1.forward(s1, ctx) as tf.Tensor4D,
    ];
    const rows = choice.kind === 'mix' ? (tf.unstack(choice.weights) as tf.Tensor1D[]) : null;
    const gates = choice.kind === 'sample' && choice.gate ? (tf.unstack(choice.gate) as tf.Scalar[]) : null;
    let e = 0;
    for (let i = 0; i < this.space.nodes; i++) {
      const terms: tf.Tensor4D[] = [];
      for (let j = 0; j < i + 2; j++, e++) {
        const edge = this.edges.items[e];
        if (rows) {
          terms.push(perEdge ? edge.mixRecomputed(states[j], rows[e], ctx) : edge.mix(states[j], rows[e], ctx));
        } else if (choice.kind === 'sample') {
          if (choice.ops[e] === -1) continue;
          const out = perEdge ? edge.singleRecomputed(states[j], choice.ops[e], ctx) : edge.single(states[j], choice.ops[e], ctx);
          terms.push(gates ? (out.mul(gates[e]) as tf.Tensor4D) : out);
        }
      }
      if (terms.length === 0) throw new Error(`node ${i + 2} of a ${this.reduction ? 'reduction' : 'normal'} cell has no active input edge`);
      states.push(tf.addN(terms) as tf.Tensor4D);
    }
    return tf.concat(states.slice(-this.space.nodes), 3) as tf.Tensor4D;
  }

  forward(): tf.Tensor {
    throw new Error('SearchCell is driven by the network through run()');
  }
}

/** The DARTS search network (reference model_search.Network) on NHWC images. */
export class SearchNetwork extends Supernet {
  readonly cells: ModuleList<SearchCell>;
  private readonly stem: Sequential;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  readonly numEdges: number;
  /** Gradient checkpointing while gradients are taken (see Recompute and DEFAULT_RECOMPUTE). */
  recompute: Recompute = DEFAULT_RECOMPUTE;

  constructor(
    readonly space: DartsSpace,
    readonly inChannels: number,
    readonly numClasses: number,
    rng: Rng,
  ) {
    super();
    const { channels: C, cells: layers, nodes, stemMultiplier } = space;
    const Cstem = stemMultiplier * C;
    this.stem = this.addChild(
      'stem',
      new Sequential([new Conv2d(inChannels, Cstem, 3, { stride: 1, padding: 1, bias: false }, rng), new BatchNorm(Cstem, true)]),
    );
    const reductions = new Set(reductionCells(layers));
    let [Cpp, Cp, Ccur] = [Cstem, Cstem, C];
    let reductionPrev = false;
    const cells: SearchCell[] = [];
    for (let i = 0; i < layers; i++) {
      const reduction = reductions.has(i);
      if (reduction) Ccur *= 2;
      cells.push(new SearchCell(space, Cpp, Cp, Ccur, reduction, reductionPrev, rng));
      reductionPrev = reduction;
      [Cpp, Cp] = [Cp, nodes * Ccur];
    }
    this.cells = this.addChild('cells', new ModuleList(cells));
    this.classifier = this.addChild('classifier', new Linear(Cp, numClasses, rng));
    this.numEdges = edgeCount(nodes);
  }

  /** Logits [N, classes] for images x [N, H, W, C] under the strategy's architecture choice. */
  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    if (!arch.normal || !arch.reduce) throw new Error(`a DARTS supernet needs assignments for 'normal' and 'reduce', got ${Object.keys(arch).join(', ') || 'none'}`);
    const s = this.stem.forward(x, ctx) as tf.Tensor4D;
    let s0 = s;
    let s1 = s;
    for (const cell of this.cells.items) {
      const out = cell.run(s0, s1, cell.reduction ? arch.reduce : arch.normal, ctx, this.recompute);
      [s0, s1] = [s1, out];
    }
    return this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D;
  }

  /** Option k of edge `row` in every cell of the label's type: the parameters its choice owns. */
  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    const reduction = label === 'reduce';
    if (!reduction && label !== 'normal') throw new Error(`the DARTS space has no label '${label}'`);
    return this.cells.items.filter((c) => c.reduction === reduction).flatMap((c) => c.edges.items[row].optionParameters(option));
  }

  sharedParameters(): tf.Variable[] {
    return [
      ...this.stem.parameters(),
      ...this.cells.items.flatMap((c) => [...c.pre0.parameters(), ...c.pre1.parameters()]),
      ...this.classifier.parameters(),
    ];
  }
}
