import * as tf from '../../tf';
import {
  checkpoint,
  checkpointGated,
  replayed,
  GlobalAvgPool,
  Linear,
  Module,
  ModuleList,
  Sequential,
  type ForwardContext,
} from '../../nn';
import { Supernet, type ArchAssignment, type Assignment } from '../../search/supernet';
import type { InputShape, Recompute } from '../../search/space';
import type { Rng } from '../../util/rng';
import { weightedSum } from '../../ops/weighted-sum';
import { nb201Op, nb201Skeleton } from './ops';
import { preferredRecompute } from './cost';
import { NB201_EDGES, NB201_NODES, NB201_ROW_NAMES, type Nb201Op, type Nb201Space } from './search-space';
import { NB201_LABEL } from './space';

/**
 * One edge of a search cell: every candidate op, children named by option index as the reference's
 * ModuleList (`edges.2<-1.3.op.1.weight` is option 3's conv). Search-time ops: BN without γ/β, convs
 * with a bias (cell_operations.py ReLUConvBN, bias=not affine).
 */
export class Nb201MixedEdge extends Module {
  private readonly candidates: Array<{ name: Nb201Op; op: Module }>;
  /** Options whose output is not identically zero (all but 'none'), for the weighted sum. */
  private readonly live: number[];

  constructor(ops: readonly Nb201Op[], C: number, rng: Rng) {
    super();
    this.candidates = ops.map((name, k) => ({
      name,
      op: this.addChild(String(k), nb201Op(name, C, false, rng)),
    }));
    this.live = this.candidates.flatMap(({ name }, k) => (name === 'none' ? [] : [k]));
  }

  private cachedVars?: tf.Variable[];
  /** This edge's trainable variables (fixed after construction), for checkpoint(). */
  get variables(): tf.Variable[] {
    return (this.cachedVars ??= this.parameters());
  }

  optionParameters(k: number): tf.Variable[] {
    return this.candidates[k].op.parameters();
  }

  /**
   * Σ_k w_k·op_k(x), as NAS201SearchCell.forward. 'none' outputs zeros, so its term is left out: its
   * value and gradient are exactly 0 either way (the schema keeps ≥ 2 distinct ops, so one is live).
   */
  mix(x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext): tf.Tensor4D {
    const outs = this.live.map((k) => this.candidates[k].op.forward(x, ctx));
    return weightedSum(outs, w, this.live) as tf.Tensor4D;
  }

  /** Option k alone. */
  single(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    return this.candidates[k].op.forward(x, ctx) as tf.Tensor4D;
  }

  /** mix() recomputed in the backward pass. */
  mixRecomputed(x: tf.Tensor4D, w: tf.Tensor1D, ctx: ForwardContext): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) =>
      this.mix(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor1D, replayed(ctx, replay));
    return checkpoint(seg, [x, w], this.variables) as tf.Tensor4D;
  }

  /** single() recomputed in the backward pass. */
  singleRecomputed(x: tf.Tensor4D, k: number, ctx: ForwardContext): tf.Tensor4D {
    const seg = (xs: tf.Tensor[], replay: boolean) =>
      this.single(xs[0] as tf.Tensor4D, k, replayed(ctx, replay));
    return checkpoint(seg, [x], this.optionParameters(k)) as tf.Tensor4D;
  }

  /** single()·gate + offset recomputed in the backward pass (GDAS): one tensor per edge on the tape. */
  gatedRecomputed(
    x: tf.Tensor4D,
    k: number,
    ctx: ForwardContext,
    gate?: tf.Scalar,
    offset?: tf.Scalar,
  ): tf.Tensor4D {
    const op = (input: tf.Tensor4D, replay: boolean) => this.single(input, k, replayed(ctx, replay));
    return checkpointGated(op, x, this.optionParameters(k), gate, offset);
  }

  forward(): tf.Tensor {
    throw new Error('Nb201MixedEdge is driven by its cell through mix() or single()');
  }
}

/** The edges of a cell, named as the reference's ModuleDict ('1<-0', '2<-0', …), in row order. */
class EdgeDict extends Module {
  readonly items: Nb201MixedEdge[];
  constructor(items: Nb201MixedEdge[]) {
    super();
    this.items = items.map((m, e) => this.addChild(`${NB201_EDGES[e].node}<-${NB201_EDGES[e].input}`, m));
  }
  forward(): tf.Tensor {
    throw new Error('EdgeDict has no forward pass');
  }
}

/**
 * A search cell (NAS201SearchCell): node 0 is the input, node j = Σ_{i<j} edge_{j←i}(node i), the
 * output is node 3. C channels in and out, stride 1.
 */
export class Nb201SearchCell extends Module {
  readonly edges: EdgeDict;

  constructor(ops: readonly Nb201Op[], C: number, rng: Rng) {
    super();
    this.edges = this.addChild('edges', new EdgeDict(NB201_EDGES.map(() => new Nb201MixedEdge(ops, C, rng))));
  }

  private cachedVars?: tf.Variable[];
  get variables(): tf.Variable[] {
    return (this.cachedVars ??= this.parameters());
  }

  /** The cell's output for x under one assignment (recompute: see Nb201Supernet.recompute). */
  run(x: tf.Tensor4D, choice: Assignment, ctx: ForwardContext, recompute: Recompute = 'off'): tf.Tensor4D {
    if (recompute !== 'cell') return this.runPlain(x, choice, ctx, recompute === 'edge');
    // The architecture tensors (mix weights, or the gate and offset) are inputs of the segment so that
    // their gradients flow; a sampled assignment's op indices are constants.
    const arch =
      choice.kind === 'mix'
        ? [choice.weights]
        : [...(choice.gate ? [choice.gate] : []), ...(choice.offset ? [choice.offset] : [])];
    const seg = (xs: tf.Tensor[], replay: boolean) => {
      let c: Assignment;
      if (choice.kind === 'mix') c = { kind: 'mix', weights: xs[1] as tf.Tensor2D };
      else {
        c = { kind: 'sample', ops: choice.ops, gate: choice.gate ? (xs[1] as tf.Tensor1D) : undefined };
        if (choice.offset) c.offset = xs[choice.gate ? 2 : 1] as tf.Tensor1D;
      }
      return this.runPlain(xs[0] as tf.Tensor4D, c, replayed(ctx, replay), false);
    };
    return checkpoint(seg, [x, ...arch], this.variables) as tf.Tensor4D;
  }

  private runPlain(x: tf.Tensor4D, choice: Assignment, ctx: ForwardContext, perEdge: boolean): tf.Tensor4D {
    const nodes: tf.Tensor4D[] = [x];
    const rows = choice.kind === 'mix' ? (tf.unstack(choice.weights) as tf.Tensor1D[]) : null;
    const gates = choice.kind === 'sample' && choice.gate ? (tf.unstack(choice.gate) as tf.Scalar[]) : null;
    const offsets =
      choice.kind === 'sample' && choice.offset ? (tf.unstack(choice.offset) as tf.Scalar[]) : null;
    let e = 0;
    for (let j = 1; j < NB201_NODES; j++) {
      const terms: tf.Tensor4D[] = [];
      for (let i = 0; i < j; i++, e++) {
        const edge = this.edges.items[e];
        if (rows) {
          terms.push(perEdge ? edge.mixRecomputed(nodes[i], rows[e], ctx) : edge.mix(nodes[i], rows[e], ctx));
        } else if (choice.kind === 'sample') {
          const k = choice.ops[e];
          if (k === -1) continue; // an edge that is off contributes nothing (the contract's −1)
          if (perEdge && (gates || offsets)) {
            terms.push(edge.gatedRecomputed(nodes[i], k, ctx, gates?.[e], offsets?.[e]));
            continue;
          }
          const out = perEdge ? edge.singleRecomputed(nodes[i], k, ctx) : edge.single(nodes[i], k, ctx);
          const gated = gates ? (out.mul(gates[e]) as tf.Tensor4D) : out;
          // GDAS's unchosen weights (AutoDL-Projects search_cells.py forward_gdas): value 0, gradient to every α.
          terms.push(offsets ? (gated.add(offsets[e]) as tf.Tensor4D) : gated);
        }
      }
      // Every input edge off: the node is zero (as a sum over 'none' edges would be).
      nodes.push(
        terms.length === 0
          ? tf.zerosLike(x)
          : terms.length === 1
            ? terms[0]
            : (tf.addN(terms) as tf.Tensor4D),
      );
    }
    return nodes[NB201_NODES - 1];
  }

  forward(): tf.Tensor {
    throw new Error('Nb201SearchCell is driven by the network through run()');
  }
}

/**
 * The NB201 search network (AutoDL-Projects search_model_darts.py TinyNetworkDarts and its GDAS /
 * SETN / ENAS / random siblings, which share it), NHWC: stem conv3×3 + BN; N search cells at C; a
 * stride-2 residual block; N cells at 2C; a block; N cells at 4C; BN-ReLU, global average pool, linear.
 * All cells share the one label 'cell'. Names: `stem.{0,1}`, `cells.<i>.edges.<j<-i>.<option>.…`,
 * `cells.<N>.conv_a…` (the residual blocks sit in the cell list, as in the reference), `lastact.0`,
 * `classifier`.
 */
export class Nb201Supernet extends Supernet {
  readonly cells: ModuleList;
  private readonly stem: Sequential;
  private readonly lastact: Sequential;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;
  readonly searchCells: Nb201SearchCell[];
  readonly numEdges = NB201_EDGES.length;
  /**
   * Gradient checkpointing while gradients are taken (nn/checkpoint.ts): 'edge' recomputes each
   * edge's candidates in the backward pass, 'cell' each search cell, 'off' is plain autodiff; same
   * values and gradients (supernet.test.ts), one extra forward pass of the cells either way. Default:
   * whichever the memory model (cost.ts) finds smaller for the space's depth ('cell' for N ≥ 4).
   */
  recompute: Recompute;

  constructor(
    readonly space: Nb201Space,
    readonly shape: InputShape,
    rng: Rng,
  ) {
    super();
    this.recompute = preferredRecompute(space);
    const { channels: C, cellsPerStage: N, ops } = space;
    const searchCells: Nb201SearchCell[] = [];
    const cell = (Cs: number) => {
      const c = new Nb201SearchCell(ops, Cs, rng);
      searchCells.push(c);
      return c;
    };
    const sk = nb201Skeleton(shape.channels, C, N, shape.classes, cell, rng);
    this.searchCells = searchCells;
    this.stem = this.addChild('stem', sk.stem);
    this.cells = this.addChild('cells', new ModuleList(sk.cells));
    this.lastact = this.addChild('lastact', sk.lastact);
    this.classifier = this.addChild('classifier', sk.classifier);
  }

  /** Checks an assignment's shapes against the space before any work (names the problem). */
  private check(arch: ArchAssignment): Assignment {
    const a = arch[NB201_LABEL];
    if (!a)
      throw new Error(
        `an NB201 supernet needs an assignment for '${NB201_LABEL}', got ${Object.keys(arch).join(', ') || 'none'}`,
      );
    const K = this.space.ops.length;
    if (a.kind === 'mix') {
      const [rows, cols] = a.weights.shape;
      if (rows !== this.numEdges || cols !== K)
        throw new Error(
          `'${NB201_LABEL}' mix weights must be [${this.numEdges}, ${K}] (edges × ops), got [${a.weights.shape.join(', ')}]`,
        );
      if (a.channelFraction !== undefined && a.channelFraction !== 1)
        throw new Error('the NB201 supernet does not implement partial channels (channelFraction)');
      if (a.edgeWeights) throw new Error('the NB201 supernet does not implement edge weights (edgeWeights)');
    } else {
      if (a.ops.length !== this.numEdges)
        throw new Error(
          `'${NB201_LABEL}' sample needs ${this.numEdges} ops (${NB201_ROW_NAMES.join(', ')}), got ${a.ops.length}`,
        );
      a.ops.forEach((k, e) => {
        if (!(Number.isInteger(k) && k >= -1 && k < K))
          throw new Error(
            `'${NB201_LABEL}' sample, edge ${NB201_ROW_NAMES[e]}: option ${k} is not one of 0..${K - 1} (or −1, off)`,
          );
      });
      if (a.gate && a.gate.shape[0] !== this.numEdges)
        throw new Error(`'${NB201_LABEL}' gate must have ${this.numEdges} entries, got ${a.gate.shape[0]}`);
      if (a.offset && a.offset.shape[0] !== this.numEdges)
        throw new Error(
          `'${NB201_LABEL}' offset must have ${this.numEdges} entries, got ${a.offset.shape[0]}`,
        );
    }
    return a;
  }

  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    const choice = this.check(arch);
    let h = this.stem.forward(x, ctx) as tf.Tensor4D;
    for (const cell of this.cells.items) {
      h =
        cell instanceof Nb201SearchCell
          ? cell.run(h, choice, ctx, this.recompute)
          : (cell.forward(h, ctx) as tf.Tensor4D);
    }
    const features = this.pool.forward(this.lastact.forward(h, ctx), ctx);
    return this.classifier.forward(features, ctx) as tf.Tensor2D;
  }

  /** Option k of edge `row` in every search cell: the parameters that choice owns. */
  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    if (label !== NB201_LABEL)
      throw new Error(`the NB201 space has no label '${label}' (only '${NB201_LABEL}')`);
    if (!(row >= 0 && row < this.numEdges))
      throw new Error(`the NB201 cell has no edge ${row} (0..${this.numEdges - 1})`);
    if (!(option >= 0 && option < this.space.ops.length))
      throw new Error(`the NB201 space has no option ${option} (0..${this.space.ops.length - 1})`);
    return this.searchCells.flatMap((c) => c.edges.items[row].optionParameters(option));
  }

  /** Stem, residual blocks, last BN and classifier. */
  sharedParameters(): tf.Variable[] {
    const blocks = this.cells.items.filter((c) => !(c instanceof Nb201SearchCell));
    return [
      ...this.stem.parameters(),
      ...blocks.flatMap((b) => b.parameters()),
      ...this.lastact.parameters(),
      ...this.classifier.parameters(),
    ];
  }
}
