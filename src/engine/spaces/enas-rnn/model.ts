import * as tf from '../../tf';
import type { GraphBuilder, GraphValue, StepEmitter } from '../../nn/export-graph';
import { Module } from '../../nn/module';
import {
  Supernet,
  type ArchAssignment,
  type LanguageModelNetwork,
  type LanguageModelSupernet,
  type LmForwardContext,
} from '../../search/supernet';
import type { Rng } from '../../util/rng';
import { looseEnds, validateEnasRnnArch, type EnasRnnArch } from './arch';
import {
  ENAS_RNN_ACTIVATION_LABEL,
  ENAS_RNN_ACTIVATIONS,
  ENAS_RNN_INPUT_LABEL,
  type EnasRnnSpace,
} from './search-space';

/** A plain holder of named parameters (no forward of its own). */
class ParamBag extends Module {
  add(name: string, init: tf.Tensor): tf.Variable {
    return this.addParam(name, init);
  }
  forward(): tf.Tensor {
    throw new Error('a parameter bag has no forward pass');
  }
}

function activate(f: string, x: tf.Tensor2D): tf.Tensor2D {
  switch (f) {
    case 'tanh':
      return tf.tanh(x);
    case 'ReLU':
      return tf.relu(x);
    case 'identity':
      return x;
    case 'sigmoid':
      return tf.sigmoid(x);
  }
  throw new Error(`unknown ENAS RNN activation '${f}'`);
}

/** A dropout mask of `shape` from the loop's generator: 1/(1−p) with probability 1−p, else 0. */
function dropoutMask(rng: Rng, shape: number[], p: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = rng.fillUniform(n);
  const keep = 1 - p;
  for (let i = 0; i < n; i++) u[i] = u[i] < keep ? 1 / keep : 0;
  return tf.tensor(u, shape);
}

/** The smallest norm clipRowNorms divides by (a zero row stays zero); the export uses the same. */
const NORM_EPS = 1e-12;

/**
 * Scales each row of h whose L2 norm exceeds `limit` back to it, the scale a constant for the
 * gradient (ENAS-pytorch multiplies the hidden state by a mask built outside autograd).
 */
function clipRowNorms(h: tf.Tensor2D, limit: number): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const norm = tf.sqrt(tf.sum(tf.square(x), 1, true));
    const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(limit), tf.maximum(norm, tf.scalar(NORM_EPS))));
    save([scale]);
    return { value: tf.mul(x, scale), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
  });
  return f(h) as tf.Tensor2D;
}

/**
 * Rows of `table` at `ids` ([n] int32) as [n, H]. The gradient is a scatter-add of the rows' gradients
 * into the table (duplicate ids summed): tf.gather's own gradient needs UnsortedSegmentSum, which the
 * wasm backend lacks, and a one-hot product would cost n·vocab·H.
 */
function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const where = tf.expandDims(ids, 1) as tf.Tensor2D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const w = args[0] as tf.Tensor2D;
    return {
      value: tf.gather(w, ids),
      gradFunc: (dy: tf.Tensor) => tf.scatterND(where, dy, w.shape),
    };
  });
  return f(table) as tf.Tensor2D;
}

/** The key of the connection node i → node j (i < j). */
const edgeKey = (i: number, j: number) => `${i}_${j}`;

/**
 * The ENAS recurrent language model (ENAS-pytorch models/shared_rnn.py RNN, on our module system):
 * embedding (dropped words) → locked input dropout → the searched cell per token → locked output
 * dropout → decoder tied to the embedding. The cell, for node 0 and each later node j reading node i:
 *   c₀ = σ(x W_xc + b_xc + h_{t−1} W̃_hc),  h₀ = c₀ ⊙ f₀(x W_xh + b_xh + h_{t−1} W̃_hh) + (1 − c₀) ⊙ h_{t−1}
 *   c_j = σ(h_i W^c_{ij}),                 h_j = c_j ⊙ f_j(h_i W^h_{ij}) + (1 − c_j) ⊙ h_i
 * (W̃: DropConnect of the recurrent weights while training). The cell's output is the mean of the
 * loose ends; the state carried to t + 1 is that mean ('average') or node N − 1 ('last-node'),
 * each row's norm limited to `hiddenClip`. One weight pair per connection i → j, shared by every
 * activation (ENAS-pytorch's w_h[i][j], w_c[i][j]); the supernet holds every pair i < j, a final
 * network (`arch` given) only those of its architecture.
 */
export class EnasRnnModel
  extends Supernet
  implements LanguageModelSupernet, LanguageModelNetwork, StepEmitter
{
  readonly vocabSize: number;
  readonly hiddenSize: number;
  private readonly embedding: tf.Variable;
  private readonly decoderBias: tf.Variable;
  private readonly node0: Record<'w_xc' | 'b_xc' | 'w_xh' | 'b_xh' | 'w_hc' | 'w_hh', tf.Variable>;
  private readonly edgeWeights = new Map<string, { h: tf.Variable; c: tf.Variable }>();

  constructor(
    readonly config: EnasRnnSpace,
    vocab: number,
    rng: Rng,
    /** A final network: only this architecture's connections, and lmForward runs it. */
    readonly arch?: EnasRnnArch,
  ) {
    super();
    if (!(Number.isInteger(vocab) && vocab >= 2))
      throw new Error(`the enas-rnn language model needs a vocabulary of at least 2 words, got ${vocab}`);
    if (arch) validateEnasRnnArch(arch, config.nodes);
    this.vocabSize = vocab;
    const H = (this.hiddenSize = config.hidden);
    const r = config.initRange;
    const u = (shape: number[]) => tf.tensor(rng.fillUniform(shape[0] * (shape[1] ?? 1), -r, r), shape);
    // Tied weights: one variable is the embedding (rows = words) and, transposed, the decoder.
    const io = this.addChild('lm', new ParamBag());
    this.embedding = io.add('embedding', u([vocab, H]));
    this.decoderBias = io.add('decoder_bias', tf.zeros([vocab]));
    const n0 = this.addChild('node0', new ParamBag());
    this.node0 = {
      w_xc: n0.add('w_xc', u([H, H])),
      b_xc: n0.add('b_xc', u([H])),
      w_xh: n0.add('w_xh', u([H, H])),
      b_xh: n0.add('b_xh', u([H])),
      w_hc: n0.add('w_hc', u([H, H])),
      w_hh: n0.add('w_hh', u([H, H])),
    };
    const edges = this.addChild('edges', new ParamBag());
    for (let j = 1; j < config.nodes; j++)
      for (let i = 0; i < j; i++) {
        if (arch && arch.inputs[j - 1] !== i) continue;
        this.edgeWeights.set(edgeKey(i, j), {
          h: edges.add(`h_${edgeKey(i, j)}`, u([H, H])),
          c: edges.add(`c_${edgeKey(i, j)}`, u([H, H])),
        });
      }
  }

  /** The tied embedding/decoder matrix [vocab, hidden] (one variable). */
  get tiedWeight(): tf.Variable {
    return this.embedding;
  }

  initHidden(batch: number): tf.Tensor2D {
    return tf.zeros([batch, this.hiddenSize]);
  }

  logits(): tf.Tensor2D {
    throw new Error('the enas-rnn space is a language model: it reads token windows (lmLogits), not images');
  }

  run(): { logits: tf.Tensor2D; auxLogits: tf.Tensor2D | null } {
    throw new Error(
      'the enas-rnn network is a language model: call lmForward(tokens, hidden, ctx), not run(images)',
    );
  }

  lmForward(x: tf.Tensor2D, hidden: tf.Tensor2D, ctx: LmForwardContext) {
    if (!this.arch)
      throw new Error('lmForward runs a final network; a supernet takes an assignment (lmLogits)');
    return this.runCell(x, hidden, this.arch, ctx);
  }

  lmLogits(x: tf.Tensor2D, hidden: tf.Tensor2D, assignment: ArchAssignment, ctx: LmForwardContext) {
    return this.runCell(x, hidden, this.archOf(assignment), ctx);
  }

  /** The architecture a sample assignment names (the enas-rnn supernet runs one architecture per forward). */
  private archOf(a: ArchAssignment): EnasRnnArch {
    const ops = (label: string) => {
      const s = a[label];
      if (!s) throw new Error(`the enas-rnn supernet needs an assignment for '${label}'`);
      if (s.kind !== 'sample')
        throw new Error(
          `the enas-rnn supernet runs one architecture per forward: '${label}' needs a 'sample' assignment, got '${s.kind}'`,
        );
      return s.ops;
    };
    const acts = ops(ENAS_RNN_ACTIVATION_LABEL).map((k) => ENAS_RNN_ACTIVATIONS[k] as string);
    const arch = { activations: acts, inputs: [...ops(ENAS_RNN_INPUT_LABEL)] };
    validateEnasRnnArch(arch, this.config.nodes, 'assignment');
    return arch;
  }

  private runCell(x: tf.Tensor2D, hidden: tf.Tensor2D, arch: EnasRnnArch, ctx: LmForwardContext) {
    const [B, T] = x.shape;
    const H = this.hiddenSize;
    const c = this.config;
    const rng = ctx.training ? ctx.rng : undefined;
    if (hidden.shape[0] !== B || hidden.shape[1] !== H)
      throw new Error(`the hidden state is [${hidden.shape}], the window needs [${B}, ${H}]`);
    // Masks in a fixed order from the loop's generator: words, inputs, W_hc, W_hh, outputs.
    let table = this.embedding as tf.Tensor2D;
    if (rng && c.embeddingDropout > 0)
      table = tf.mul(this.embedding, dropoutMask(rng, [this.vocabSize, 1], c.embeddingDropout));
    let emb = tf.reshape(embeddingLookup(table, tf.reshape(x, [-1]) as tf.Tensor1D), [
      B,
      T,
      H,
    ]) as tf.Tensor3D;
    if (rng && c.inputDropout > 0) emb = tf.mul(emb, dropoutMask(rng, [B, 1, H], c.inputDropout));
    let w_hc = this.node0.w_hc as tf.Tensor2D;
    let w_hh = this.node0.w_hh as tf.Tensor2D;
    if (rng && c.weightDropout > 0) {
      w_hc = tf.mul(w_hc, dropoutMask(rng, [H, H], c.weightDropout));
      w_hh = tf.mul(w_hh, dropoutMask(rng, [H, H], c.weightDropout));
    }
    // The input halves of node 0 for every token at once.
    const flat = tf.reshape(emb, [B * T, H]);
    const xc = tf.unstack(
      tf.reshape(tf.add(tf.matMul(flat, this.node0.w_xc), this.node0.b_xc), [B, T, H]),
      1,
    );
    const xh = tf.unstack(
      tf.reshape(tf.add(tf.matMul(flat, this.node0.w_xh), this.node0.b_xh), [B, T, H]),
      1,
    );
    const ends = looseEnds(arch);
    const last = c.nodes - 1;
    let h: tf.Tensor2D = hidden;
    const outputs: tf.Tensor2D[] = [];
    for (let t = 0; t < T; t++) {
      const nodes: tf.Tensor2D[] = [];
      const c0 = tf.sigmoid(tf.add(xc[t], tf.matMul(h, w_hc))) as tf.Tensor2D;
      const f0 = activate(arch.activations[0], tf.add(xh[t], tf.matMul(h, w_hh)) as tf.Tensor2D);
      nodes.push(highway(c0, f0, h));
      for (let j = 1; j < c.nodes; j++) {
        const i = arch.inputs[j - 1];
        const w = this.edgeWeights.get(edgeKey(i, j));
        if (!w) throw new Error(`this network has no connection n${i} → n${j}`);
        const cj = tf.sigmoid(tf.matMul(nodes[i], w.c)) as tf.Tensor2D;
        const fj = activate(arch.activations[j], tf.matMul(nodes[i], w.h) as tf.Tensor2D);
        nodes.push(highway(cj, fj, nodes[i]));
      }
      const out =
        ends.length === 1
          ? nodes[ends[0]]
          : (tf.div(tf.addN(ends.map((k) => nodes[k])), ends.length) as tf.Tensor2D);
      outputs.push(out);
      h = clipRowNorms(c.hiddenState === 'average' ? out : nodes[last], c.hiddenClip);
    }
    const cellOutputs = tf.stack(outputs, 1) as tf.Tensor3D; // [B, T, H]
    let y = cellOutputs;
    if (rng && c.outputDropout > 0) y = tf.mul(y, dropoutMask(rng, [B, 1, H], c.outputDropout));
    const logits = tf.add(
      tf.matMul(tf.reshape(y, [B * T, H]), this.embedding, false, true),
      this.decoderBias,
    );
    return { logits: logits as tf.Tensor2D, hidden: h, outputs: cellOutputs };
  }

  /**
   * Emits one token of lmForward in eval mode (no dropout) into an export graph: the embedding row,
   * node 0 from x_t and h_{t−1}, each later node from its input, the loose ends' mean, the tied
   * decoder, and the carried state with its norm limit, in runCell's order of operations. Weight
   * names are the state names ('lm.embedding', 'node0.w_xc', 'edges.h_0_1', ...).
   */
  emitStep(
    g: GraphBuilder,
    tokens: GraphValue,
    hidden: GraphValue,
  ): { logits: GraphValue; state: GraphValue } {
    if (!this.arch) throw new Error('emitStep exports a final network; a supernet has no single cell');
    const arch = this.arch;
    const c = this.config;
    const [embedding, decoderBias] = g.within('lm', () => [
      g.weight('embedding', this.embedding),
      g.weight('decoder_bias', this.decoderBias),
    ]);
    const w = g.within('node0', () => {
      const n = this.node0;
      const reg = (k: keyof typeof n) => g.weight(k, n[k]);
      return {
        w_xc: reg('w_xc'),
        b_xc: reg('b_xc'),
        w_xh: reg('w_xh'),
        b_xh: reg('b_xh'),
        w_hc: reg('w_hc'),
        w_hh: reg('w_hh'),
      };
    });
    const x = g.within('lm', () => g.gather(tokens, embedding));
    const nodes: GraphValue[] = [];
    g.within('node0', () => {
      const c0 = g.sigmoid(
        g.sum([g.matmul(x, { weight: w.w_xc, bias: w.b_xc }), g.matmul(hidden, { weight: w.w_hc })]),
      );
      const f0 = emitActivation(
        g,
        arch.activations[0],
        g.sum([g.matmul(x, { weight: w.w_xh, bias: w.b_xh }), g.matmul(hidden, { weight: w.w_hh })]),
      );
      nodes.push(emitHighway(g, c0, f0, hidden));
    });
    for (let j = 1; j < c.nodes; j++) {
      const i = arch.inputs[j - 1];
      const e = this.edgeWeights.get(edgeKey(i, j));
      if (!e) throw new Error(`this network has no connection n${i} → n${j}`);
      g.within('edges', () => {
        const wc = g.weight(`c_${edgeKey(i, j)}`, e.c);
        const wh = g.weight(`h_${edgeKey(i, j)}`, e.h);
        const cj = g.sigmoid(g.matmul(nodes[i], { weight: wc }));
        const fj = emitActivation(g, arch.activations[j], g.matmul(nodes[i], { weight: wh }));
        nodes.push(emitHighway(g, cj, fj, nodes[i]));
      });
    }
    const out = g.mean(looseEnds(arch).map((k) => nodes[k]));
    const state = g.clipNorm(c.hiddenState === 'average' ? out : nodes[c.nodes - 1], c.hiddenClip, NORM_EPS);
    const logits = g.within('lm', () =>
      g.matmul(out, { weight: embedding, transposed: true, bias: decoderBias }),
    );
    return { logits, state };
  }

  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    if (label === ENAS_RNN_ACTIVATION_LABEL) return [];
    if (label !== ENAS_RNN_INPUT_LABEL) throw new Error(`the enas-rnn space has no label '${label}'`);
    const w = this.edgeWeights.get(edgeKey(option, row + 1));
    return w ? [w.h, w.c] : [];
  }

  sharedParameters(): tf.Variable[] {
    return [this.embedding, this.decoderBias, ...Object.values(this.node0)];
  }
}

/** The export-graph twin of activate(). */
function emitActivation(g: GraphBuilder, f: string, x: GraphValue): GraphValue {
  switch (f) {
    case 'tanh':
      return g.tanh(x);
    case 'ReLU':
      return g.relu(x);
    case 'identity':
      return x;
    case 'sigmoid':
      return g.sigmoid(x);
  }
  throw new Error(`unknown ENAS RNN activation '${f}'`);
}

/** The export-graph twin of highway(): c ⊙ f + (1 − c) ⊙ prev. */
function emitHighway(g: GraphBuilder, c: GraphValue, f: GraphValue, prev: GraphValue): GraphValue {
  return g.sum([g.mul(c, f), g.mul(g.subFrom(1, c), prev)]);
}

/** c ⊙ f + (1 − c) ⊙ prev. */
function highway(c: tf.Tensor2D, f: tf.Tensor2D, prev: tf.Tensor2D): tf.Tensor2D {
  return tf.add(tf.mul(c, f), tf.mul(tf.sub(1, c), prev)) as tf.Tensor2D;
}
