import type * as tf from '../tf';

/**
 * The inference graph of a network, for export (export/onnx-writer.ts, export/tfjs-writer.ts): what
 * a forward pass with `training: false` computes, as plain data. Each module emits its part next to
 * its forward pass (Module.emit), so the two stay in step; the writers translate this one graph into
 * ONNX and TensorFlow.js, so they cannot disagree about the network.
 *
 * Layout: values are NHWC feature maps (per-sample shape [h, w, c]) or feature vectors ([f]); weights
 * keep the engine's layouts (conv [k, k, in, out], depthwise [k, k, C, 1], linear [in, out]); writers
 * convert. Pads are [top, left, bottom, right]. No training-only parts: BatchNorm uses its running
 * statistics, and drop path and auxiliary heads emit nothing.
 */

export type Pads = [top: number, left: number, bottom: number, right: number];

/** A value of the graph: its name and per-sample shape (no batch dimension). */
export interface GraphValue {
  readonly name: string;
  readonly shape: readonly number[];
  /** Token ids (a language model's input) are integers; every other value is float32. */
  readonly dtype?: 'int64';
}

/** A weight array in the engine's layout, named as its module state (e.g. 'cells.0.preprocess0.op.1.weight'). */
export interface GraphTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

interface NodeBase {
  /** Module path of the emitting module ('cells.3.ops.1'), for names and error messages. */
  scope: string;
  inputs: string[];
  output: string;
  /** Per-sample output shape. */
  shape: number[];
}

export type GraphNode = NodeBase &
  (
    | {
        op: 'conv';
        /** Dense: [k, k, in, out]; depthwise: [k, k, C, 1] (groups = C). */
        weight: string;
        bias?: string;
        depthwise: boolean;
        kernel: number;
        stride: number;
        dilation: number;
        pads: Pads;
      }
    | { op: 'batchnorm'; mean: string; variance: string; scale?: string; shift?: string; eps: number }
    | { op: 'relu' }
    | { op: 'relu6' }
    | { op: 'add' }
    /** Concatenation on channels. */
    | { op: 'concat' }
    /** Max pooling: padded positions never win (PyTorch's and ONNX's -inf padding). */
    | { op: 'maxpool'; kernel: number; stride: number; pads: Pads }
    /** Average pooling; countIncludePad false: each output divides by its unpadded inputs (PyTorch's count_include_pad=False). */
    | { op: 'avgpool'; kernel: number; stride: number; pads: Pads; countIncludePad: boolean }
    /** [h, w, c] -> [c]. */
    | { op: 'globalavgpool' }
    /** [in] -> [out]; weight [in, out]. */
    | { op: 'linear'; weight: string; bias: string }
    /** Removes rows/columns at the borders. */
    | { op: 'crop'; crop: Pads }
    /** Adds zero rows/columns at the borders. */
    | { op: 'pad'; pads: Pads }
    /** Zeros shaped like the input strided by `stride` (the 'none' op): [ceil(h/s), ceil(w/s), c]. */
    | { op: 'zeros'; stride: number }
    // Recurrent language models (one step: token ids and the carried state in, logits and the new state out).
    /** The row of `table` [vocab, f] at each integer id: [] -> [f] (an embedding lookup). */
    | { op: 'gather'; table: string }
    /**
     * x·W (+ bias): [in] -> [out]. `weight` is [in, out], or [out, in] read transposed
     * (a decoder tied to the embedding reads the embedding table itself).
     */
    | { op: 'matmul'; weight: string; transposed: boolean; bias?: string }
    | { op: 'sigmoid' }
    | { op: 'tanh' }
    /** The elementwise product of two values of one shape. */
    | { op: 'mul' }
    /** `value` − x, elementwise (a highway's 1 − gate). */
    | { op: 'subfrom'; value: number }
    /** The elementwise mean of two or more values of one shape (sum, then divided by their count). */
    | { op: 'mean' }
    /**
     * Each row [f] whose L2 norm exceeds `maxNorm` scaled back to it:
     * x · min(1, maxNorm / max(‖x‖, eps)) (the carried hidden state's limit).
     */
    | { op: 'clipnorm'; maxNorm: number; eps: number }
  );

export type GraphOp = GraphNode['op'];

/** A node as an emitter describes it (the builder adds scope and output name); distributes over the union. */
type NodeInit = GraphNode extends infer N
  ? N extends GraphNode
    ? Omit<N, 'scope' | 'output'>
    : never
  : never;

export interface ExportGraph {
  input: GraphValue;
  output: GraphValue;
  /**
   * A recurrent step's carried state (language models): `input` is the state before the step, a
   * second graph input; `output` the state after it, a second graph output. Image graphs have none.
   */
  state?: { input: GraphValue; output: GraphValue };
  nodes: GraphNode[];
  tensors: Map<string, GraphTensor>;
}

/** A network (or one of its modules) that cannot be exported, named by module path. */
export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

/** What Module.emit needs of a module without importing module.ts (which imports this file). */
interface Emitter {
  emit(g: GraphBuilder, x: GraphValue): GraphValue;
}

type Spatial = [h: number, w: number, c: number];

/** Output side of a k×k window at `stride` with `before`/`after` padding and dilation, floor mode. */
function windowOut(size: number, k: number, stride: number, before: number, after: number, dilation = 1) {
  return Math.floor((size + before + after - dilation * (k - 1) - 1) / stride) + 1;
}

/**
 * Collects nodes and weights while modules emit themselves. Scopes mirror module names, so tensor
 * names equal the modules' state names (the safetensors file's names) and errors point at a module.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly tensors = new Map<string, GraphTensor>();
  private readonly scopes: string[] = [];
  private counter = 0;

  /**
   * `hostValues`: every weight's values read beforehand, by tensor (model-export.ts reads the whole
   * state in one awaited read, the only way on webgpu). Without it each weight is read with dataSync.
   */
  constructor(private readonly hostValues?: ReadonlyMap<tf.Tensor, Float32Array>) {}

  /** The graph's input value, per-sample shape [h, w, c]. */
  input(shape: Spatial): GraphValue {
    return { name: 'input', shape };
  }

  get scope(): string {
    return this.scopes.join('.');
  }

  /** Runs `fn` with `name` appended to the module path (a child module's name). */
  within<T>(name: string, fn: () => T): T {
    this.scopes.push(name);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /** The error for a module type without an emit method. */
  unsupported(what: string): ExportError {
    return new ExportError(
      `cannot export the module '${this.scope || '(network)'}': ${what} has no inference-graph emitter (unsupported op)`,
    );
  }

  /** Emits `child` under its module name. */
  child(name: string, child: Emitter, x: GraphValue): GraphValue {
    return this.within(name, () => child.emit(this, x));
  }

  private spatial(x: GraphValue, op: string): Spatial {
    if (x.shape.length !== 3)
      throw new ExportError(
        `${this.scope}: ${op} needs a feature map [h, w, c], got [${x.shape.join(', ')}]`,
      );
    return x.shape as Spatial;
  }

  private tensor(local: string, v: tf.Tensor | Float32Array, shape?: number[]): string {
    const name = this.scope ? `${this.scope}.${local}` : local;
    if (this.tensors.has(name)) throw new ExportError(`duplicate weight name in the export graph: ${name}`);
    const data = v instanceof Float32Array ? v : this.hostValue(name, v);
    this.tensors.set(name, { name, shape: shape ?? (v as tf.Tensor).shape.slice(), data });
    return name;
  }

  /** A weight's values as a copy: from `hostValues` when given (refusing a tensor not in it), else dataSync. */
  private hostValue(name: string, v: tf.Tensor): Float32Array {
    if (!this.hostValues) return Float32Array.from(v.dataSync() as Float32Array);
    const read = this.hostValues.get(v);
    if (!read)
      throw new ExportError(
        `${name}: the weight was not among the values read before building the export graph (it is not part of the module state)`,
      );
    return Float32Array.from(read);
  }

  private add(node: NodeInit): GraphValue {
    const output = `v${this.counter++}`;
    this.nodes.push({ ...node, scope: this.scope, output } as GraphNode);
    return { name: output, shape: node.shape };
  }

  conv(
    x: GraphValue,
    o: {
      weight: tf.Tensor;
      bias?: tf.Tensor;
      depthwise: boolean;
      stride: number;
      padding: number | Pads;
      dilation?: number;
    },
  ): GraphValue {
    const [h, w, c] = this.spatial(x, 'conv');
    const [k, k2, cin, cout] = o.weight.shape as number[];
    if (k !== k2) throw new ExportError(`${this.scope}: only square kernels are exported, got ${k}x${k2}`);
    if (cin !== c)
      throw new ExportError(`${this.scope}: conv expects ${cin} input channels, the graph gives ${c}`);
    const pads: Pads =
      typeof o.padding === 'number' ? [o.padding, o.padding, o.padding, o.padding] : o.padding;
    const dilation = o.dilation ?? 1;
    const outC = o.depthwise ? c : cout;
    const shape = [
      windowOut(h, k, o.stride, pads[0], pads[2], dilation),
      windowOut(w, k, o.stride, pads[1], pads[3], dilation),
      outC,
    ];
    return this.add({
      op: 'conv',
      inputs: [x.name],
      shape,
      weight: this.tensor('weight', o.weight),
      bias: o.bias ? this.tensor('bias', o.bias) : undefined,
      depthwise: o.depthwise,
      kernel: k,
      stride: o.stride,
      dilation,
      pads,
    });
  }

  batchNorm(
    x: GraphValue,
    o: { mean: tf.Tensor; variance: tf.Tensor; scale?: tf.Tensor; shift?: tf.Tensor; eps: number },
  ): GraphValue {
    const c = x.shape[x.shape.length - 1];
    if (o.mean.size !== c)
      throw new ExportError(`${this.scope}: BatchNorm over ${o.mean.size} channels, the graph gives ${c}`);
    return this.add({
      op: 'batchnorm',
      inputs: [x.name],
      shape: [...x.shape],
      mean: this.tensor('running_mean', o.mean),
      variance: this.tensor('running_var', o.variance),
      scale: o.scale ? this.tensor('weight', o.scale) : undefined,
      shift: o.shift ? this.tensor('bias', o.shift) : undefined,
      eps: o.eps,
    });
  }

  relu(x: GraphValue): GraphValue {
    return this.add({ op: 'relu', inputs: [x.name], shape: [...x.shape] });
  }

  relu6(x: GraphValue): GraphValue {
    return this.add({ op: 'relu6', inputs: [x.name], shape: [...x.shape] });
  }

  /** The sum of one or more values (one value is returned as it is). */
  sum(xs: GraphValue[]): GraphValue {
    if (xs.length === 0) throw new ExportError(`${this.scope}: a sum of no values`);
    if (xs.length === 1) return xs[0];
    for (const x of xs)
      if (x.shape.join() !== xs[0].shape.join())
        throw new ExportError(
          `${this.scope}: adding values of shapes [${xs[0].shape.join(', ')}] and [${x.shape.join(', ')}]`,
        );
    return this.add({ op: 'add', inputs: xs.map((x) => x.name), shape: [...xs[0].shape] });
  }

  /** Concatenation on channels (one value is returned as it is). */
  concat(xs: GraphValue[]): GraphValue {
    if (xs.length === 0) throw new ExportError(`${this.scope}: a concatenation of no values`);
    if (xs.length === 1) return xs[0];
    const [h, w] = this.spatial(xs[0], 'concat');
    let c = 0;
    for (const x of xs) {
      const [hx, wx, cx] = this.spatial(x, 'concat');
      if (hx !== h || wx !== w)
        throw new ExportError(`${this.scope}: concatenating ${h}x${w} and ${hx}x${wx} feature maps`);
      c += cx;
    }
    return this.add({ op: 'concat', inputs: xs.map((x) => x.name), shape: [h, w, c] });
  }

  pool(
    x: GraphValue,
    o: { kind: 'max' | 'avg'; kernel: number; stride: number; pads: Pads; countIncludePad?: boolean },
  ): GraphValue {
    const [h, w, c] = this.spatial(x, `${o.kind} pool`);
    const shape = [
      windowOut(h, o.kernel, o.stride, o.pads[0], o.pads[2]),
      windowOut(w, o.kernel, o.stride, o.pads[1], o.pads[3]),
      c,
    ];
    const common = { inputs: [x.name], shape, kernel: o.kernel, stride: o.stride, pads: o.pads };
    return o.kind === 'max'
      ? this.add({ op: 'maxpool', ...common })
      : this.add({ op: 'avgpool', ...common, countIncludePad: o.countIncludePad ?? false });
  }

  globalAvgPool(x: GraphValue): GraphValue {
    const [, , c] = this.spatial(x, 'global average pool');
    return this.add({ op: 'globalavgpool', inputs: [x.name], shape: [c] });
  }

  linear(x: GraphValue, o: { weight: tf.Tensor; bias: tf.Tensor }): GraphValue {
    const [inF, outF] = o.weight.shape as number[];
    if (x.shape.length !== 1 || x.shape[0] !== inF)
      throw new ExportError(
        `${this.scope}: linear layer expects [${inF}] features, the graph gives [${x.shape.join(', ')}]`,
      );
    return this.add({
      op: 'linear',
      inputs: [x.name],
      shape: [outF],
      weight: this.tensor('weight', o.weight),
      bias: this.tensor('bias', o.bias),
    });
  }

  crop(x: GraphValue, crop: Pads): GraphValue {
    const [h, w, c] = this.spatial(x, 'crop');
    const shape = [h - crop[0] - crop[2], w - crop[1] - crop[3], c];
    if (shape[0] <= 0 || shape[1] <= 0)
      throw new ExportError(`${this.scope}: cropping a ${h}x${w} map to nothing`);
    return this.add({ op: 'crop', inputs: [x.name], shape, crop });
  }

  /** Zero padding (returns x itself when every pad is 0). */
  pad(x: GraphValue, pads: Pads): GraphValue {
    if (pads.every((p) => p === 0)) return x;
    const [h, w, c] = this.spatial(x, 'pad');
    return this.add({
      op: 'pad',
      inputs: [x.name],
      shape: [h + pads[0] + pads[2], w + pads[1] + pads[3], c],
      pads,
    });
  }

  zeros(x: GraphValue, stride: number): GraphValue {
    const [h, w, c] = this.spatial(x, 'zeros');
    return this.add({
      op: 'zeros',
      inputs: [x.name],
      shape: [Math.ceil(h / stride), Math.ceil(w / stride), c],
      stride,
    });
  }

  // --- Recurrent language models: one step of the network, token by token. ---

  /** The token-id input of a language-model step: one integer id per sample. */
  tokenInput(): GraphValue {
    return { name: 'tokens', shape: [], dtype: 'int64' };
  }

  /** The carried-state input of a language-model step: [size] floats per sample. */
  stateInput(size: number): GraphValue {
    return { name: 'hidden', shape: [size] };
  }

  /**
   * Registers a module state tensor under the current scope (its graph name is its state name) and
   * returns that name, for ops that read a weight by name: one tensor may be read by several nodes
   * (a tied embedding and decoder), and is stored once.
   */
  weight(local: string, v: tf.Tensor): string {
    return this.tensor(local, v);
  }

  private registered(name: string, what: string): GraphTensor {
    const t = this.tensors.get(name);
    if (!t)
      throw new ExportError(`${this.scope}: ${what} reads the weight '${name}', which is not in the graph`);
    return t;
  }

  private vector(x: GraphValue, op: string): number {
    if (x.shape.length !== 1 || x.dtype)
      throw new ExportError(
        `${this.scope}: ${op} needs a float feature vector [f], got [${x.shape.join(', ')}]`,
      );
    return x.shape[0];
  }

  /** Rows of the table (a registered [vocab, f] weight) at the ids of `ids` (per-sample shape []). */
  gather(ids: GraphValue, table: string): GraphValue {
    if (ids.dtype !== 'int64' || ids.shape.length !== 0)
      throw new ExportError(`${this.scope}: an embedding lookup reads one integer id per sample`);
    const t = this.registered(table, 'an embedding lookup');
    if (t.shape.length !== 2)
      throw new ExportError(`${this.scope}: the embedding table '${table}' is not 2-D`);
    return this.add({ op: 'gather', inputs: [ids.name], shape: [t.shape[1]], table });
  }

  /** x·W (+ bias) with registered weights; `transposed` reads W [out, in] as its transpose. */
  matmul(x: GraphValue, o: { weight: string; transposed?: boolean; bias?: string }): GraphValue {
    const f = this.vector(x, 'a matrix product');
    const w = this.registered(o.weight, 'a matrix product');
    const transposed = o.transposed ?? false;
    const [inF, outF] = transposed ? [w.shape[1], w.shape[0]] : [w.shape[0], w.shape[1]];
    if (w.shape.length !== 2 || inF !== f)
      throw new ExportError(
        `${this.scope}: the weight '${o.weight}' [${w.shape.join(', ')}]${transposed ? ' transposed' : ''} does not take [${f}] features`,
      );
    if (o.bias !== undefined && this.registered(o.bias, 'a bias').shape.join() !== `${outF}`)
      throw new ExportError(`${this.scope}: the bias '${o.bias}' does not have ${outF} values`);
    return this.add({
      op: 'matmul',
      inputs: [x.name],
      shape: [outF],
      weight: o.weight,
      transposed,
      bias: o.bias,
    });
  }

  sigmoid(x: GraphValue): GraphValue {
    return this.add({ op: 'sigmoid', inputs: [x.name], shape: [...x.shape] });
  }

  tanh(x: GraphValue): GraphValue {
    return this.add({ op: 'tanh', inputs: [x.name], shape: [...x.shape] });
  }

  private sameShape(a: GraphValue, b: GraphValue, op: string): void {
    if (a.shape.join() !== b.shape.join())
      throw new ExportError(
        `${this.scope}: ${op} of values of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]`,
      );
  }

  mul(a: GraphValue, b: GraphValue): GraphValue {
    this.sameShape(a, b, 'a product');
    return this.add({ op: 'mul', inputs: [a.name, b.name], shape: [...a.shape] });
  }

  /** `value` − x. */
  subFrom(value: number, x: GraphValue): GraphValue {
    return this.add({ op: 'subfrom', inputs: [x.name], shape: [...x.shape], value });
  }

  /** The mean of one or more values (one value is returned as it is). */
  mean(xs: GraphValue[]): GraphValue {
    if (xs.length === 0) throw new ExportError(`${this.scope}: a mean of no values`);
    if (xs.length === 1) return xs[0];
    for (const x of xs) this.sameShape(xs[0], x, 'a mean');
    return this.add({ op: 'mean', inputs: xs.map((x) => x.name), shape: [...xs[0].shape] });
  }

  /** Limits each sample's L2 norm to `maxNorm` (rows below it pass unchanged); `eps` guards a zero row. */
  clipNorm(x: GraphValue, maxNorm: number, eps = 1e-12): GraphValue {
    this.vector(x, 'a norm limit');
    return this.add({ op: 'clipnorm', inputs: [x.name], shape: [...x.shape], maxNorm, eps });
  }

  /** The graph of one recurrent step: `tokens` and `state` in, `logits` [vocab] and `stateOut` out. */
  finishStep(o: {
    tokens: GraphValue;
    state: GraphValue;
    logits: GraphValue;
    stateOut: GraphValue;
  }): ExportGraph {
    this.vector(o.logits, "the step's logits");
    if (o.stateOut.shape.join() !== o.state.shape.join())
      throw new ExportError(
        `the step's new state [${o.stateOut.shape.join(', ')}] does not match its state input [${o.state.shape.join(', ')}]`,
      );
    for (const v of [o.logits, o.stateOut])
      if (!this.nodes.some((n) => n.output === v.name))
        throw new ExportError(`the step's output '${v.name}' is not computed by any node`);
    if (o.logits.name === o.stateOut.name) throw new ExportError("the step's logits are its new state");
    return {
      input: o.tokens,
      output: o.logits,
      state: { input: o.state, output: o.stateOut },
      nodes: this.nodes,
      tensors: this.tensors,
    };
  }

  finish(input: GraphValue, output: GraphValue): ExportGraph {
    if (output.shape.length !== 1)
      throw new ExportError(
        `the network's output must be logits [classes], got [${output.shape.join(', ')}]`,
      );
    if (output.name === input.name) throw new ExportError('the network passes its input through unchanged');
    return { input, output, nodes: this.nodes, tensors: this.tensors };
  }
}

/**
 * The inference graph of `network` for images of per-sample shape [h, w, c]; `hostValues` as
 * GraphBuilder's (the weights read beforehand), else the weights are read synchronously.
 */
export function buildExportGraph(
  network: Emitter,
  shape: { height: number; width: number; channels: number },
  hostValues?: ReadonlyMap<tf.Tensor, Float32Array>,
) {
  const g = new GraphBuilder(hostValues);
  const x = g.input([shape.height, shape.width, shape.channels]);
  return g.finish(x, network.emit(g, x));
}

/** A recurrent language model that emits one step of itself (token ids and state in, logits and state out). */
export interface StepEmitter {
  readonly hiddenSize: number;
  emitStep(g: GraphBuilder, tokens: GraphValue, state: GraphValue): { logits: GraphValue; state: GraphValue };
}

/** The inference graph of one step of a recurrent language model (see ExportGraph.state); `hostValues` as buildExportGraph's. */
export function buildStepExportGraph(
  network: StepEmitter,
  hostValues?: ReadonlyMap<tf.Tensor, Float32Array>,
): ExportGraph {
  const g = new GraphBuilder(hostValues);
  const tokens = g.tokenInput();
  const state = g.stateInput(network.hiddenSize);
  const out = network.emitStep(g, tokens, state);
  return g.finishStep({ tokens, state, logits: out.logits, stateOut: out.state });
}
