import * as tf from '../tf';
import type { GraphBuilder, GraphValue } from './export-graph';

/** What a forward pass needs to know besides its input. */
export interface ForwardContext {
  /** Batch statistics in BatchNorm (and running-stat updates) when true; running statistics when false. */
  training: boolean;
  /**
   * True while a checkpointed segment is recomputed for its backward pass (see checkpoint.ts): the
   * same forward again, so it must not repeat side effects (BatchNorm leaves its running statistics
   * alone) and any randomness must replay the first pass's draws (the search network has none).
   */
  replay?: boolean;
  /**
   * Training-mode BatchNorm (batch statistics) without touching the running statistics: scoring a
   * candidate with batch statistics must leave the supernet as it found it.
   */
  frozenStats?: boolean;
  /**
   * BatchNorm recalibration (search/evaluate.ts): when set, training-mode BatchNorm updates its running
   * statistics as a cumulative average instead of by momentum 0.1 — PyTorch's `momentum=None`. Each
   * BatchNorm counts its own updates in this map (its num_batches_tracked); the k-th uses factor 1/k,
   * so the first replaces what was there and after n batches the running mean is the mean of the n
   * batch means and the running variance the mean of the n unbiased batch variances. Unset: momentum.
   */
  cumulativeStats?: Map<object, number>;
}

/**
 * A minimal module system on tfjs-core (we do not use tfjs-layers): a module owns named trainable
 * parameters, named non-trainable buffers (BatchNorm running statistics) and named child modules.
 * Hierarchical names ("cells.3.edges.2.ops.sep_conv_3x3.op.1.weight") are stable, so weights can be
 * saved, loaded and compared by name; see docs/naming.md.
 */
export abstract class Module {
  private readonly params = new Map<string, tf.Variable>();
  private readonly buffers = new Map<string, tf.Variable>();
  private readonly children = new Map<string, Module>();

  abstract forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;

  /**
   * Emits this module's inference computation (forward with `training: false`) into an export graph
   * (export-graph.ts), mirroring forward: each module type that a final network uses overrides it
   * beside its forward. The default names the module and refuses: an op without an emitter is
   * reported, never exported wrongly.
   */
  emit(g: GraphBuilder, _x: GraphValue): GraphValue {
    throw g.unsupported(this.constructor.name);
  }

  /** Emits one of this module's children under its registered name (so weight names match the state's). */
  protected emitChild(g: GraphBuilder, child: Module, x: GraphValue): GraphValue {
    return g.child(this.childName(child), child, x);
  }

  /** The name under which `child` is registered here. */
  protected childName(child: Module): string {
    for (const [n, c] of this.children) if (c === child) return n;
    throw new Error(`${child.constructor.name} is not a registered child of ${this.constructor.name}`);
  }

  /** Registers a trainable parameter, taking ownership of `init`. */
  protected addParam(name: string, init: tf.Tensor): tf.Variable {
    this.assertFree(name);
    const v = tf.variable(init, true);
    init.dispose();
    this.params.set(name, v);
    return v;
  }

  /** Registers non-trainable state, taking ownership of `init`. */
  protected addBuffer(name: string, init: tf.Tensor): tf.Variable {
    this.assertFree(name);
    const v = tf.variable(init, false);
    init.dispose();
    this.buffers.set(name, v);
    return v;
  }

  protected addChild<M extends Module>(name: string, m: M): M {
    this.assertFree(name);
    this.children.set(name, m);
    return m;
  }

  private assertFree(name: string): void {
    if (name.includes('.')) throw new Error(`module member name must not contain '.': ${name}`);
    if (this.params.has(name) || this.buffers.has(name) || this.children.has(name)) {
      throw new Error(`duplicate module member name: ${name}`);
    }
  }

  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, v] of this.params) out.push([prefix + n, v]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(`${prefix}${n}.`));
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [n, v] of this.buffers) out.push([prefix + n, v]);
    for (const [n, c] of this.children) out.push(...c.namedBuffers(`${prefix}${n}.`));
    return out;
  }

  /** Parameters and buffers together: everything that a checkpoint of this module must hold. */
  namedState(prefix = ''): Array<[string, tf.Variable]> {
    return [...this.namedParameters(prefix), ...this.namedBuffers(prefix)];
  }

  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  child(name: string): Module | undefined {
    return this.children.get(name);
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    for (const v of this.buffers.values()) v.dispose();
    for (const c of this.children.values()) c.dispose();
    this.params.clear();
    this.buffers.clear();
    this.children.clear();
  }
}

/** Applies children in order; children are named "0", "1", ... like torch.nn.Sequential. */
export class Sequential extends Module {
  private readonly layers: Module[];
  constructor(layers: Module[]) {
    super();
    this.layers = layers.map((l, i) => this.addChild(String(i), l));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let y = x;
    for (const l of this.layers) y = l.forward(y, ctx);
    return y;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    let y = x;
    for (const l of this.layers) y = this.emitChild(g, l, y);
    return y;
  }
}

/** An indexed container of modules (children "0", "1", ...) without a forward pass of its own. */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[];
  constructor(items: M[]) {
    super();
    this.items = items.map((m, i) => this.addChild(String(i), m));
  }
  get length(): number {
    return this.items.length;
  }
  forward(): tf.Tensor {
    throw new Error('ModuleList has no forward pass; call its items');
  }
}
