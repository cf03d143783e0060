import * as tf from '../../tf';
import { Module, ModuleList, Sequential, type ForwardContext } from '../../nn/module';
import { BatchNorm, Conv2d, GlobalAvgPool, Linear, checkpoint, checkpointGated, replayed } from '../../nn';
import { cellInputAdapters } from './cell-inputs';
import { weightedSum } from '../../ops/weighted-sum';
import type { Rng } from '../../util/rng';
import { PRIMITIVES } from './primitives';
import type { PrimitiveName } from './primitives-contract';
import { edgeCount, edgeOpsOf, reductionCells, type DartsSpace } from './search-space';
import { DEFAULT_RECOMPUTE, type Recompute } from './recompute-mode';
import { Supernet, type ArchAssignment, type Assignment, type SkipDropout } from '../../search/supernet';

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

/**
 * The channel shuffle of PC-DARTS (model_search.py channel_shuffle) on NHWC: the C channels as `groups`
 * groups of C/groups, transposed, so that output channel j·groups + g is input channel g·(C/groups) + j.
 */
export function channelShuffle(x: tf.Tensor4D, groups: number): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  if (groups === 1) return x;
  if (c % groups !== 0) throw new Error(`channel shuffle: ${c} channels do not split into ${groups} groups`);
  return x
    .reshape([n, h, w, groups, c / groups])
    .transpose([0, 1, 2, 4, 3])
    .reshape([n, h, w, c]) as tf.Tensor4D;
}

/** Dropout after an edge's identity skip op: the rate and the mask's seed, unique to the edge and cell. */
export interface EdgeDropout {
  rate: number;
  seed: string;
}

/**
 * One edge: every candidate op (pools followed by a non-affine BN, as in the reference's MixedOp).
 * `options` are the label's options, the columns of its weights and the indices of sampled ops;
 * `names`, the ops this edge builds, are a subset of them (all of them unless the space gives the
 * edge its own list, P-DARTS); the weights of options the edge lacks are ignored.
 * With partial channels (PC-DARTS, `usePartialChannels(k)`) the ops are built for C/k channels: they
 * run on the first C/k channels of the input, the other channels bypass them (through a 2×2 max-pool,
 * stride 2, on a stride-2 edge), and the concatenation is channel-shuffled with k groups.
 */
export class MixedOp extends Module {
  private candidates: Array<{ name: PrimitiveName; op: Module }>;
  /** The ops run on the first C/k channels; 1: on all of them (DARTS). */
  private k = 1;
  /** Per candidate, its column among the label's options. */
  private readonly columns: number[];

  constructor(
    private readonly names: readonly PrimitiveName[],
    private readonly C: number,
    private readonly stride: 1 | 2,
    rng: Rng,
    options: readonly PrimitiveName[] = names,
  ) {
    super();
    this.columns = names.map((name) => {
      const c = options.indexOf(name);
      if (c === -1) throw new Error(`mixed op: '${name}' is not one of the options ${options.join(', ')}`);
      return c;
    });
    this.candidates = this.build(C, rng);
  }

  /** The candidate behind option `k` (a column of the label's options); it must be on this edge. */
  private candidate(k: number): { name: PrimitiveName; op: Module } {
    const i = this.columns.indexOf(k);
    if (i === -1)
      throw new Error(
        `option ${k} is not on this edge (it has ${this.names.join(', ')}, options ${this.columns.join(', ')})`,
      );
    return this.candidates[i];
  }

  /** Whether option `k` is built on this edge. */
  hasOption(k: number): boolean {
    return this.columns.includes(k);
  }

  private build(C: number, rng: Rng): Array<{ name: PrimitiveName; op: Module }> {
    return this.names.map((name) => {
      let op = PRIMITIVES[name](C, this.stride, false, rng);
      if (name.includes('pool')) op = new Sequential([op, new BatchNorm(C, false)]);
      return { name, op };
    });
  }

  // The candidates are this module's children, named by op, in op order, exactly as addChild would
  // register them; they are held here so that usePartialChannels can rebuild them at another width.
  override namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return this.candidates.flatMap(({ name, op }) => op.namedParameters(`${prefix}${name}.`));
  }
  override namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    return this.candidates.flatMap(({ name, op }) => op.namedBuffers(`${prefix}${name}.`));
  }
  override child(name: string): Module | undefined {
    return this.candidates.find((c) => c.name === name)?.op;
  }
  override dispose(): void {
    for (const c of this.candidates) c.op.dispose();
    this.candidates = [];
    super.dispose();
  }

  get opNames(): PrimitiveName[] {
    return this.candidates.map((c) => c.name);
  }

  /** The number of channel groups k: the ops see C/k channels (1: all). */
  get partialGroups(): number {
    return this.k;
  }

  /**
   * Rebuilds the candidate ops for C/k channels (new parameters drawn from `rng`, the old ones
   * disposed): PC-DARTS's partial channel connections. Call before anyone holds the parameters.
   */
  setPartialChannels(k: number, rng: Rng): void {
    if (!(Number.isInteger(k) && k >= 1 && this.C % k === 0))
      throw new Error(`partial channels: an edge of ${this.C} channels does not split into ${k} groups`);
    if (k === this.k) return;
    const old = this.candidates;
    this.candidates = this.build(this.C / k, rng);
    for (const c of old) c.op.dispose();
    this.k = k;
    this.cachedVars = undefined;
  }

  private cachedVars?: tf.Variable[];
  /** The trainable variables of this edge (fixed after construction), for checkpoint(). */
  get variables(): tf.Variable[] {
    return (this.cachedVars ??= this.parameters());
  }

  /** mix() recomputed in the backward pass (see Recompute); the replay draws the same dropout masks. */
  mixRecomputed(
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
    dropout?: EdgeDropout,
  ): tf.Tensor4D {
    return this.recomputed((xi, wi, c, beta) => this.mix(xi, wi, c, beta, dropout), x, w, ctx, edgeWeight);
  }

  /**
   * `run` (mix or partialOps on this edge) as a segment recomputed in the backward pass: x, w and the
   * edge weight (when given) are its inputs, so that their gradients flow; the edge's variables are
   * its parameters.
   */
  private recomputed(
    run: (x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext, edgeWeight?: tf.Scalar) => tf.Tensor4D,
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
  ): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) =>
      run(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor1D, replayed(ctx, replay), xs[2] as tf.Scalar | undefined);
    return checkpoint(seg, edgeWeight ? [x, w, edgeWeight] : [x, w], this.variables) as tf.Tensor4D;
  }

  /** single() recomputed in the backward pass. */
  singleRecomputed(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) =>
      this.single(xs[0] as tf.Tensor4D, k, replayed(ctx, replay));
    return checkpoint(seg, [x], this.candidate(k).op.parameters()) as tf.Tensor4D;
  }

  /**
   * single()·gate + offset recomputed in the backward pass (GDAS): the straight-through scalars are
   * inputs of the segment, so that the tape keeps one tensor per edge, not the op's output and its
   * scaled copy.
   */
  gatedRecomputed(
    x: tf.Tensor4D,
    k: number,
    ctx: ForwardContext,
    gate?: tf.Scalar,
    offset?: tf.Scalar,
  ): tf.Tensor4D {
    const op = (input: tf.Tensor4D, replay: boolean) => this.single(input, k, replayed(ctx, replay));
    return checkpointGated(op, x, this.candidate(k).op.parameters(), gate, offset);
  }

  /**
   * Σ_k w_k·op_k(x), times `edgeWeight` when given. 'none' outputs zeros, so it is skipped: its term
   * and its gradient are exactly 0. With partial channels: shuffle(concat[partialOps, bypass]), the
   * edge weight scaling both (the reference multiplies the edge's whole output). With `dropout`, the
   * identity skip's output is dropped out before it is weighted (P-DARTS: nn.Dropout after Identity
   * in the reference's MixedOp; a strided skip, a FactorizedReduce, has none).
   */
  mix(
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
    dropout?: EdgeDropout,
  ): tf.Tensor4D {
    if (this.k !== 1)
      return channelShuffle(
        tf.concat(
          [this.partialOps(x, w, ctx, edgeWeight, dropout), this.bypass(x, edgeWeight)],
          3,
        ) as tf.Tensor4D,
        this.k,
      );
    return this.weightedOps(x, w, ctx, edgeWeight, dropout);
  }

  private weightedOps(
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
    dropout?: EdgeDropout,
  ): tf.Tensor4D {
    const live = this.candidates.flatMap(({ name }, k) => (name === 'none' ? [] : [k]));
    if (live.length === 0) return this.candidates[0].op.forward(x, ctx) as tf.Tensor4D;
    const outputs = live.map((k) => {
      const { name, op } = this.candidates[k];
      const out = op.forward(x, ctx);
      // As nn.Dropout: only in training mode.
      return dropout && ctx.training && name === 'skip_connect' && this.stride === 1
        ? tf.dropout(out, dropout.rate, undefined, dropout.seed)
        : out;
    });
    const index = live.map((k) => this.columns[k]);
    // β·Σ_k w_k·op_k = Σ_k (β·w_k)·op_k: the edge weight joins the op weights of the fused sum.
    return weightedSum(outputs, edgeWeight ? (w.mul(edgeWeight) as tf.Tensor1D) : w, index) as tf.Tensor4D;
  }

  private partialInput(x: tf.Tensor4D): number {
    if (x.shape[3] !== this.C)
      throw new Error(`mixed op: input has ${x.shape[3]} channels, the edge was built for ${this.C}`);
    return this.C / this.k;
  }

  /** Partial channels: Σ_k w_k·op_k on the first C/k channels of x (times `edgeWeight`). */
  partialOps(
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
    dropout?: EdgeDropout,
  ): tf.Tensor4D {
    return this.weightedOps(
      x.slice([0, 0, 0, 0], [-1, -1, -1, this.partialInput(x)]),
      w,
      ctx,
      edgeWeight,
      dropout,
    );
  }

  /** partialOps() recomputed in the backward pass. */
  partialOpsRecomputed(
    x: tf.Tensor4D,
    w: tf.Tensor1D,
    ctx: ForwardContext,
    edgeWeight?: tf.Scalar,
    dropout?: EdgeDropout,
  ): tf.Tensor4D {
    return this.recomputed(
      (xi, wi, c, beta) => this.partialOps(xi, wi, c, beta, dropout),
      x,
      w,
      ctx,
      edgeWeight,
    );
  }

  /**
   * Partial channels: the channels the ops do not see, x[..., C/k:], through a 2×2 max-pool, stride 2,
   * on a stride-2 edge (times `edgeWeight`). 'same' padding: on even sizes exactly the reference's
   * MaxPool2d(2, 2); on odd ones it matches the ops' ceil(H/2).
   */
  bypass(x: tf.Tensor4D, edgeWeight?: tf.Scalar): tf.Tensor4D {
    const c = this.partialInput(x);
    let rest = x.slice([0, 0, 0, c], [-1, -1, -1, this.C - c]);
    if (this.stride === 2) rest = tf.maxPool(rest, [2, 2], [2, 2], 'same');
    return edgeWeight ? (rest.mul(edgeWeight) as tf.Tensor4D) : rest;
  }

  /** The trainable parameters of option k (none when the edge lacks it). */
  optionParameters(k: number): tf.Variable[] {
    return this.hasOption(k) ? this.candidate(k).op.parameters() : [];
  }

  /** Runs option k alone (on the partial channels, with the bypass and shuffle, when partial). */
  single(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    const op = this.candidate(k).op;
    if (this.k === 1) return op.forward(x, ctx) as tf.Tensor4D;
    const ops = op.forward(x.slice([0, 0, 0, 0], [-1, -1, -1, this.partialInput(x)]), ctx) as tf.Tensor4D;
    return channelShuffle(tf.concat([ops, this.bypass(x)], 3) as tf.Tensor4D, this.k);
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
  /** Channels of the cell's states (the edges' width). */
  readonly channels: number;

  /** `index`: the cell's place in the network (its dropout masks differ from the other cells'). */
  constructor(
    readonly space: DartsSpace,
    Cpp: number,
    Cp: number,
    C: number,
    reduction: boolean,
    reductionPrev: boolean,
    rng: Rng,
    readonly index = 0,
  ) {
    super();
    this.reduction = reduction;
    this.channels = C;
    const [pre0, pre1] = cellInputAdapters(Cpp, Cp, C, reductionPrev, false, rng);
    this.pre0 = this.addChild('preprocess0', pre0);
    this.pre1 = this.addChild('preprocess1', pre1);
    const edges: MixedOp[] = [];
    for (let i = 0, e = 0; i < space.nodes; i++) {
      for (let j = 0; j < i + 2; j++, e++) {
        const ops = edgeOpsOf(space, reduction, e);
        edges.push(new MixedOp(ops, C, reduction && j < 2 ? 2 : 1, rng, space.ops));
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
  run(
    s0: tf.Tensor4D,
    s1: tf.Tensor4D,
    choice: CellChoice,
    ctx: ForwardContext,
    recompute: Recompute = 'off',
  ): tf.Tensor4D {
    if (recompute !== 'cell') return this.runPlain(s0, s1, choice, ctx, recompute === 'edge');
    // The architecture tensors (softmax weights and edge weights, or the straight-through gate and
    // offset) are inputs of the segment, so that their gradients flow; a sampled choice's op indices
    // are constants.
    const arch =
      choice.kind === 'mix'
        ? [choice.weights, ...(choice.edgeWeights ? [choice.edgeWeights] : [])]
        : [...(choice.gate ? [choice.gate] : []), ...(choice.offset ? [choice.offset] : [])];
    const seg = (xs: tf.Tensor[], replay: boolean) => {
      let c: CellChoice;
      if (choice.kind === 'mix') {
        c = { kind: 'mix', weights: xs[2] as tf.Tensor2D, channelFraction: choice.channelFraction };
        if (choice.edgeWeights) c.edgeWeights = xs[3] as tf.Tensor1D;
        if (choice.skipDropout) c.skipDropout = choice.skipDropout;
      } else {
        c = { kind: 'sample', ops: choice.ops, gate: choice.gate ? (xs[2] as tf.Tensor1D) : undefined };
        if (choice.offset) c.offset = xs[choice.gate ? 3 : 2] as tf.Tensor1D;
      }
      return this.runPlain(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D, c, replayed(ctx, replay), false);
    };
    return checkpoint(seg, [s0, s1, ...arch], this.variables) as tf.Tensor4D;
  }

  /** The dropout of edge e's skip op under a mix's skipDropout: its seed names the step, the cell and the edge. */
  private edgeDropout(d: SkipDropout | undefined, e: number): EdgeDropout | undefined {
    return d && d.rate > 0 ? { rate: d.rate, seed: `${d.seed}:${this.index}:${e}` } : undefined;
  }

  /** Resets the cached variable list after the edges rebuilt their ops (partial channels). */
  forgetVariables(): void {
    this.cachedVars = undefined;
  }

  private runPlain(
    s0: tf.Tensor4D,
    s1: tf.Tensor4D,
    choice: CellChoice,
    ctx: ForwardContext,
    perEdge: boolean,
  ): tf.Tensor4D {
    if (choice.kind === 'mix' && this.edges.items[0].partialGroups > 1)
      return this.runPartial(s0, s1, choice, ctx, perEdge);
    const states: tf.Tensor4D[] = [
      this.pre0.forward(s0, ctx) as tf.Tensor4D,
      this.pre1.forward(s1, ctx) as tf.Tensor4D,
    ];
    const rows = choice.kind === 'mix' ? (tf.unstack(choice.weights) as tf.Tensor1D[]) : null;
    const edgeWeights =
      choice.kind === 'mix' && choice.edgeWeights ? (tf.unstack(choice.edgeWeights) as tf.Scalar[]) : null;
    const gates = choice.kind === 'sample' && choice.gate ? (tf.unstack(choice.gate) as tf.Scalar[]) : null;
    const offsets =
      choice.kind === 'sample' && choice.offset ? (tf.unstack(choice.offset) as tf.Scalar[]) : null;
    let e = 0;
    for (let i = 0; i < this.space.nodes; i++) {
      const terms: tf.Tensor4D[] = [];
      for (let j = 0; j < i + 2; j++, e++) {
        const edge = this.edges.items[e];
        if (rows) {
          const beta = edgeWeights?.[e];
          const drop = choice.kind === 'mix' ? this.edgeDropout(choice.skipDropout, e) : undefined;
          terms.push(
            perEdge
              ? edge.mixRecomputed(states[j], rows[e], ctx, beta, drop)
              : edge.mix(states[j], rows[e], ctx, beta, drop),
          );
        } else if (choice.kind === 'sample') {
          if (choice.ops[e] === -1) continue;
          if (perEdge && (gates || offsets)) {
            terms.push(edge.gatedRecomputed(states[j], choice.ops[e], ctx, gates?.[e], offsets?.[e]));
            continue;
          }
          const out = perEdge
            ? edge.singleRecomputed(states[j], choice.ops[e], ctx)
            : edge.single(states[j], choice.ops[e], ctx);
          const gated = gates ? (out.mul(gates[e]) as tf.Tensor4D) : out;
          terms.push(offsets ? (gated.add(offsets[e]) as tf.Tensor4D) : gated);
        }
      }
      if (terms.length === 0)
        throw new Error(
          `node ${i + 2} of a ${this.reduction ? 'reduction' : 'normal'} cell has no active input edge`,
        );
      states.push(tf.addN(terms) as tf.Tensor4D);
    }
    return tf.concat(states.slice(-this.space.nodes), 3) as tf.Tensor4D;
  }

  /**
   * A mix over partial-channel edges (PC-DARTS). Node i is Σ_j β_j·mix_j(state_j), computed as
   * shuffle(concat[Σ_j β_j·partialOps_j, Σ_j β_j·bypass_j]): the same numbers (a shuffle and a
   * concatenation commute with the sum, whose terms are added in the same order), one shuffle per node.
   * With `recompute` ('edge' mode) each edge's partial ops are a recomputed segment (its output has
   * C/k channels), as are each node's bypass-and-shuffle and the cell-input preprocessing, so the
   * outer tape keeps the C/k-channel op outputs, the preprocessed inputs and the node states; tfjs
   * also holds a gradient for every tensor it keeps until the backward pass ends.
   */
  private runPartial(
    s0: tf.Tensor4D,
    s1: tf.Tensor4D,
    choice: CellChoice & { kind: 'mix' },
    ctx: ForwardContext,
    recompute: boolean,
  ): tf.Tensor4D {
    const pre = (m: Module, x: tf.Tensor4D) =>
      (recompute
        ? checkpoint((xs, replay) => m.forward(xs[0], replayed(ctx, replay)), [x], m.parameters())
        : m.forward(x, ctx)) as tf.Tensor4D;
    const states: tf.Tensor4D[] = [pre(this.pre0, s0), pre(this.pre1, s1)];
    const rows = tf.unstack(choice.weights) as tf.Tensor1D[];
    const edgeWeights = choice.edgeWeights ? (tf.unstack(choice.edgeWeights) as tf.Scalar[]) : null;
    const k = this.edges.items[0].partialGroups;
    let e0 = 0;
    for (let i = 0; i < this.space.nodes; i++) {
      const n = i + 2;
      const edges = this.edges.items.slice(e0, e0 + n);
      const betas = edgeWeights ? edgeWeights.slice(e0, e0 + n) : [];
      const ops = edges.map((edge, j) => {
        const drop = this.edgeDropout(choice.skipDropout, e0 + j);
        return recompute
          ? edge.partialOpsRecomputed(states[j], rows[e0 + j], ctx, betas[j], drop)
          : edge.partialOps(states[j], rows[e0 + j], ctx, betas[j], drop);
      });
      // Inputs: the node's n op outputs, its n input states, then its n edge weights (if any).
      const combine = (xs: tf.Tensor[]) => {
        const rest = edges.map((edge, j) =>
          edge.bypass(xs[n + j] as tf.Tensor4D, betas.length ? (xs[2 * n + j] as tf.Scalar) : undefined),
        );
        return channelShuffle(tf.concat([tf.addN(xs.slice(0, n)), tf.addN(rest)], 3) as tf.Tensor4D, k);
      };
      const inputs = [...ops, ...states.slice(0, n), ...betas];
      states.push((recompute ? checkpoint(combine, inputs, []) : combine(inputs)) as tf.Tensor4D);
      e0 += n;
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
      new Sequential([
        new Conv2d(inChannels, Cstem, 3, { stride: 1, padding: 1, bias: false }, rng),
        new BatchNorm(Cstem, true),
      ]),
    );
    const reductions = new Set(reductionCells(layers));
    let [Cpp, Cp, Ccur] = [Cstem, Cstem, C];
    let reductionPrev = false;
    const cells: SearchCell[] = [];
    for (let i = 0; i < layers; i++) {
      const reduction = reductions.has(i);
      if (reduction) Ccur *= 2;
      cells.push(new SearchCell(space, Cpp, Cp, Ccur, reduction, reductionPrev, rng, i));
      reductionPrev = reduction;
      [Cpp, Cp] = [Cp, nodes * Ccur];
    }
    this.cells = this.addChild('cells', new ModuleList(cells));
    this.classifier = this.addChild('classifier', new Linear(Cp, numClasses, rng));
    this.numEdges = edgeCount(nodes);
  }

  /** The channel groups k of the mixed ops: they run on C/k channels (PC-DARTS); 1: on all. */
  get partialGroups(): number {
    return this.cells.items[0]?.edges.items[0]?.partialGroups ?? 1;
  }

  /**
   * PC-DARTS's partial channel connections: rebuilds every mixed op for C/k channels (new parameters
   * drawn from `rng`; the full-width ones are disposed). Mix assignments must then say
   * `channelFraction: 1/k`. Call before anyone takes the network's parameters (a strategy's constructor).
   */
  usePartialChannels(k: number, rng: Rng): void {
    const widths = [...new Set(this.cells.items.map((c) => c.channels))];
    const bad = widths.filter((C) => !(Number.isInteger(k) && k >= 1 && C % k === 0));
    if (bad.length > 0)
      throw new Error(
        `partial channels 1/${k}: the cells' ${widths.join(', ')} channels must all divide into ${k} groups (${bad.join(', ')} do not); choose channels a multiple of ${k}`,
      );
    for (const cell of this.cells.items) {
      for (const edge of cell.edges.items) edge.setPartialChannels(k, rng);
      cell.forgetVariables();
    }
  }

  /** Checks one label's assignment against the network (shapes, partial channels) before any work. */
  private check(label: string, a: CellChoice): CellChoice {
    const E = this.numEdges;
    const k = this.partialGroups;
    if (a.kind === 'mix') {
      const fraction = a.channelFraction ?? 1;
      if (Math.abs(fraction * k - 1) > 1e-9)
        throw new Error(
          k === 1
            ? `'${label}' asks for channelFraction ${fraction}, but this supernet's ops run on all channels: call usePartialChannels(${Math.round(1 / fraction)}, rng) before taking its parameters`
            : `'${label}' gives channelFraction ${fraction}, but this supernet's ops are built for 1/${k} of the channels`,
        );
      if (a.edgeWeights && a.edgeWeights.shape[0] !== E)
        throw new Error(
          `'${label}' edgeWeights must have ${E} entries (one per edge), got ${a.edgeWeights.shape[0]}`,
        );
      const rate = a.skipDropout?.rate;
      if (rate !== undefined && !(rate >= 0 && rate < 1))
        throw new Error(`'${label}' skipDropout rate must be in [0, 1), got ${rate}`);
    } else {
      if (a.gate && a.gate.shape[0] !== E)
        throw new Error(`'${label}' gate must have ${E} entries (one per edge), got ${a.gate.shape[0]}`);
      if (a.offset && a.offset.shape[0] !== E)
        throw new Error(`'${label}' offset must have ${E} entries (one per edge), got ${a.offset.shape[0]}`);
    }
    return a;
  }

  /** Logits [N, classes] for images x [N, H, W, C] under the strategy's architecture choice. */
  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    if (!arch.normal || !arch.reduce)
      throw new Error(
        `a DARTS supernet needs assignments for 'normal' and 'reduce', got ${Object.keys(arch).join(', ') || 'none'}`,
      );
    const normal = this.check('normal', arch.normal);
    const reduce = this.check('reduce', arch.reduce);
    const s = this.stem.forward(x, ctx) as tf.Tensor4D;
    let s0 = s;
    let s1 = s;
    for (const cell of this.cells.items) {
      const out = cell.run(s0, s1, cell.reduction ? reduce : normal, ctx, this.recompute);
      [s0, s1] = [s1, out];
    }
    return this.classifier.forward(this.pool.forward(s1, ctx), ctx) as tf.Tensor2D;
  }

  /** Option k of edge `row` in every cell of the label's type: the parameters its choice owns. */
  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    const reduction = label === 'reduce';
    if (!reduction && label !== 'normal') throw new Error(`the DARTS space has no label '${label}'`);
    return this.cells.items
      .filter((c) => c.reduction === reduction)
      .flatMap((c) => c.edges.items[row].optionParameters(option));
  }

  sharedParameters(): tf.Variable[] {
    return [
      ...this.stem.parameters(),
      ...this.cells.items.flatMap((c) => [...c.pre0.parameters(), ...c.pre1.parameters()]),
      ...this.classifier.parameters(),
    ];
  }
}
