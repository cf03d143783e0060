import * as tf from '../../tf';
import { AdditiveAttention, Embedding, StackedLstm, uniformInit, type LstmState } from '../../nn/lstm';
import { Module } from '../../nn/module';
import { Adam } from '../../optim/adam';
import { clipByGlobalNorm } from '../../optim/clip';
import type { NamedTensorState } from '../../optim/state';
import type { DecisionProgram } from '../../search/decision-program';
import type { ChoicePoint, Choices } from '../../search/space';
import type { Rng } from '../../util/rng';

export interface ControllerConfig {
  /** LSTM units (micro reference: 64, main.py lstm_size=64). */
  hidden: number;
  /** LSTM layers (reference: 1). */
  layers: number;
  /** Logits ← c·tanh(logits) (reference: 1.10); 0 turns the squashing off. */
  tanhConstant: number;
  /** Op decisions use c / opTanhReduce (reference: 2.5). */
  opTanhReduce: number;
  /** Logits are divided by it before the tanh (reference: unset, i.e. 1). */
  temperature: number;
  /** Adam learning rate (reference: 0.0035), β1 0, β2 0.999, ε 1e-3 (utils.py get_train_ops). */
  lr: number;
  /** Global-norm clip of the controller's gradient; 0 = off (the reference passes no bound). */
  gradClip: number;
  /** Uniform(−r, r) initialisation of every controller parameter (reference: 0.1). */
  initRange: number;
  /** Adam's β1: 0 in the TF reference (utils.py), PyTorch's default 0.9 in ENAS-pytorch. Default 0. */
  beta1?: number;
  /** Adam's ε: 1e-3 in the TF reference, PyTorch's default 1e-8 in ENAS-pytorch. Default 1e-3. */
  eps?: number;
}

/** One sampled architecture: the picks by label and row, and the sample's Σ log p and Σ entropy. */
export interface ControllerSample {
  choices: Choices;
  logProb: number;
  entropy: number;
}

/** Per decision, in program order: its label and row and the distribution it drew from. */
export interface DecisionDistribution {
  label: string;
  row: number;
  probs: number[];
}

/** Picks an option from a decision's probabilities (sampling, greedy, or replaying given choices). */
type Pick = (label: string, row: number, probs: () => Float32Array, options: number) => number[];

/** A linear decoder of its own (a program step that names one): h → logits over `options`. */
class Decoder extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(hidden: number, options: number, range: number, rng: Rng) {
    super();
    this.weight = this.addParam('weight', uniformInit([hidden, options], range, rng));
    // ENAS-pytorch reset_parameters fills every decoder bias with 0.
    this.bias = this.addParam('bias', tf.zeros([options]));
  }
  logits(h: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(h, this.weight as tf.Tensor2D).add(this.bias);
  }
  forward(): tf.Tensor {
    throw new Error('Decoder is driven through logits()');
  }
}

/** The linear head and the embedding of one option list. */
class OpHead extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly embedding: Embedding;
  constructor(hidden: number, options: number, bias: readonly number[] | undefined, range: number, rng: Rng) {
    super();
    this.weight = this.addParam('weight', uniformInit([hidden, options], range, rng));
    this.bias = this.addParam('bias', bias ? tf.tensor1d([...bias]) : tf.zeros([options]));
    this.embedding = this.addChild('embedding', new Embedding(options, hidden, rng, range));
  }
  logits(h: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(h, this.weight as tf.Tensor2D).add(this.bias);
  }
  forward(): tf.Tensor {
    throw new Error('OpHead is driven through logits()');
  }
}

/** The controller's parameters (names are the checkpoint's `controller.<name>`). */
class ControllerNet extends Module {
  /** The learned start input; null when the program starts from zeros. */
  readonly gEmb: tf.Variable | null;
  readonly lstm: StackedLstm;
  /** Head (decoder + embedding) per option list that some step decodes with the shared head. */
  readonly heads = new Map<string, OpHead>();
  /** Embedding per option list whose steps all name their own decoder. */
  readonly embeddings = new Map<string, Embedding>();
  /** The decoders steps name (`decoder`), in program order. */
  readonly decoders = new Map<string, Decoder>();
  readonly attention: AdditiveAttention | null;
  constructor(points: readonly ChoicePoint[], program: DecisionProgram, c: ControllerConfig, rng: Rng) {
    super();
    this.gEmb =
      program.start === 'zeros' ? null : this.addParam('g_emb', uniformInit([1, c.hidden], c.initRange, rng));
    this.lstm = this.addChild('lstm', new StackedLstm(c.hidden, c.hidden, c.layers, rng, c.initRange));
    const sharedHead = new Set(
      program.steps.flatMap((s) => (s.kind === 'op' && s.decoder === undefined ? [s.label] : [])),
    );
    let h = 0;
    let e = 0;
    for (const cp of points) {
      if (cp.kind === 'input') continue;
      const key = headKey(cp);
      if (this.heads.has(key) || this.embeddings.has(key)) continue;
      const usesHead = points.some((p) => headKey(p) === key && sharedHead.has(p.label));
      if (usesHead) {
        const init = program.headBiasInit?.[cp.label];
        this.heads.set(
          key,
          this.addChild(`head_${h++}`, new OpHead(c.hidden, cp.options.length, init, c.initRange, rng)),
        );
      } else
        this.embeddings.set(
          key,
          this.addChild(`embedding_${e++}`, new Embedding(cp.options.length, c.hidden, rng, c.initRange)),
        );
    }
    this.attention = points.some((cp) => cp.kind === 'input')
      ? this.addChild('attention', new AdditiveAttention(c.hidden, rng, c.initRange))
      : null;
    const widths = new Map(points.map((cp) => [cp.label, cp.options.length]));
    let d = 0;
    for (const s of program.steps)
      if (s.kind === 'op' && s.decoder !== undefined && !this.decoders.has(s.decoder))
        this.decoders.set(
          s.decoder,
          this.addChild(
            `decoder_${d++}`,
            new Decoder(c.hidden, s.options ?? (widths.get(s.label) as number), c.initRange, rng),
          ),
        );
  }

  /** The embedding of an option list's picks (the next LSTM input after an op decision). */
  embeddingOf(key: string): tf.Variable {
    const e = this.heads.get(key)?.embedding ?? this.embeddings.get(key);
    if (!e) throw new Error(`the controller has no embedding for the options ${key}`);
    return e.weight;
  }
  forward(): tf.Tensor {
    throw new Error('the controller is driven through EnasController');
  }
}

/** Labels with the same option list share one head and one embedding (micro: both cells' ops). */
function headKey(cp: ChoicePoint): string {
  return JSON.stringify(cp.options);
}

/**
 * ENAS's controller (Pham et al. 2018; melodyguan/enas src/cifar10/micro_controller.py), generic over
 * a space's decision program (search/decision-program.ts): an LSTM walks the program; each op
 * decision is a softmax over its row's options from the head of that option list, each input decision
 * an attention over the anchors made so far. Logits are shaped as the reference's: divided by the
 * temperature, then c·tanh(·) with c = tanhConstant (inputs) or tanhConstant/opTanhReduce (ops), then
 * the program's fixed bias. log p and the entropy are sums over the decisions of the sample.
 * Trained by REINFORCE (`reinforce`), Adam; all randomness comes from the Rng passed in.
 */
export class EnasController {
  readonly net: ControllerNet;
  private readonly params: tf.Variable[];
  private readonly adam: Adam;
  private readonly points: Map<string, ChoicePoint>;

  constructor(
    points: readonly ChoicePoint[],
    readonly program: DecisionProgram,
    readonly config: ControllerConfig,
    rng: Rng,
  ) {
    this.points = new Map(points.map((cp) => [cp.label, cp]));
    this.net = new ControllerNet(points, program, config, rng);
    this.params = this.net.parameters();
    this.adam = new Adam(this.params, {
      beta1: config.beta1 ?? 0,
      beta2: 0.999,
      eps: config.eps ?? 1e-3,
      weightDecay: 0,
    });
  }

  private shape(logits: tf.Tensor2D, op: boolean): tf.Tensor2D {
    const { temperature, tanhConstant, opTanhReduce } = this.config;
    let z = temperature !== 1 ? logits.div(temperature) : logits;
    if (tanhConstant > 0) z = tf.tanh(z).mul(op ? tanhConstant / opTanhReduce : tanhConstant);
    return z as tf.Tensor2D;
  }

  /**
   * Runs the program once for M samples at a time (rows of every tensor; the program is the same for
   * all, only the picks differ), each decision taken for all rows by `pick`. Returns the choices per
   * row and Σ log p(pick), Σ entropy per row as [M] tensors (differentiable in the controller's
   * parameters; call inside a tidy), and the distributions of row 0 when `record` is set. Embedding
   * rows and picked anchors are selected by one-hot products (differentiable on every backend).
   */
  private rollout(
    M: number,
    pick: Pick,
    record: boolean,
  ): { choices: Choices[]; logProb: tf.Tensor1D; entropy: tf.Tensor1D; dists: DecisionDistribution[] } {
    const net = this.net;
    const choices: Choices[] = Array.from({ length: M }, () => {
      const c: Choices = {};
      for (const [label, cp] of this.points) c[label] = cp.rows.map(() => -1);
      return c;
    });
    const dists: DecisionDistribution[] = [];
    const logps: tf.Tensor[] = [];
    const ents: tf.Tensor[] = [];
    let states: LstmState[] = net.lstm.zeroState(M);
    const start = (
      net.gEmb ? (M === 1 ? net.gEmb : tf.tile(net.gEmb, [M, 1])) : tf.zeros([M, this.config.hidden])
    ) as tf.Tensor2D;
    let input: tf.Tensor2D = start;
    let keys: tf.Tensor2D[] = [];
    let values: tf.Tensor2D[] = [];
    const lstmStep = (x: tf.Tensor2D) => {
      const out = net.lstm.step(x, states);
      states = out.states;
      return out.output;
    };
    /** Picks for every row from logits [M, K]; returns the one-hot [M, K] of the picks. */
    const decide = (label: string, row: number, logits: tf.Tensor2D): tf.Tensor2D => {
      const K = logits.shape[1];
      const logp = tf.logSoftmax(logits) as tf.Tensor2D;
      const p = tf.exp(logp);
      const ks = pick(label, row, () => p.dataSync() as Float32Array, K);
      // A replayed pick outside the row's options would score log p = 0 silently: refuse it.
      for (const k of ks)
        if (!(Number.isInteger(k) && k >= 0 && k < K))
          throw new Error(`'${label}' row ${row}: pick ${k} is not one of the row's options 0..${K - 1}`);
      if (record) dists.push({ label, row, probs: Array.from(p.dataSync().slice(0, K)) });
      ks.forEach((k, m) => (choices[m][label][row] = k));
      // Built on the host: tf.oneHot refuses depth 1 (the ENAS RNN's node 1 has one legal input).
      const hot = new Float32Array(M * K);
      ks.forEach((k, m) => (hot[m * K + k] = 1));
      const onehot = tf.tensor2d(hot, [M, K]);
      logps.push(tf.sum(onehot.mul(logp), 1));
      ents.push(tf.neg(tf.sum(p.mul(logp), 1)));
      return onehot;
    };
    for (const s of this.program.steps) {
      if (s.kind === 'cell') {
        keys = [];
        values = [];
        for (let g = 0; g < s.given; g++) {
          const h = lstmStep(start);
          keys.push(this.attention().keys(h));
          values.push(tf.zerosLike(h));
        }
        input = start;
      } else if (s.kind === 'state') {
        const h = lstmStep(input);
        if (net.attention) keys.push(net.attention.keys(h));
        values.push(h);
        input = start;
      } else if (s.kind === 'op') {
        const cp = this.points.get(s.label) as ChoicePoint;
        const key = headKey(cp);
        const K = s.options ?? cp.options.length;
        const decoder = s.decoder !== undefined ? net.decoders.get(s.decoder) : net.heads.get(key);
        if (!decoder) throw new Error(`no decoder for '${s.label}' row ${s.row}`);
        const h = lstmStep(input);
        // A row limited to its first K options (rowOptions) draws among those only.
        let raw = decoder.logits(h);
        if (raw.shape[1] !== K) raw = raw.slice([0, 0], [M, K]);
        let logits = this.shape(raw, true);
        if (s.bias) logits = logits.add(tf.tensor2d([...s.bias], [1, s.bias.length]));
        let emb = net.embeddingOf(key) as tf.Tensor2D;
        if (emb.shape[0] !== K) emb = emb.slice([0, 0], [K, this.config.hidden]);
        input = tf.matMul(decide(s.label, s.row, logits), emb);
      } else {
        const h = lstmStep(input);
        const att = this.attention();
        const n = s.states;
        const H = this.config.hidden;
        // [M, n, H]: anchor keys per row, plus h·W2 broadcast over the anchors.
        const k3 = tf.stack(keys.slice(0, n), 1) as tf.Tensor3D;
        const q = tf.tanh(k3.add(tf.expandDims(tf.matMul(h, att.w2 as tf.Tensor2D), 1)));
        const scores = tf.matMul(q.reshape([M * n, H]), att.v as tf.Tensor2D).reshape([M, n]) as tf.Tensor2D;
        const onehot = decide(s.label, s.row, this.shape(scores, false));
        const v3 = tf.stack(values.slice(0, n), 1) as tf.Tensor3D;
        input = tf.sum(v3.mul(tf.expandDims(onehot, 2)), 1) as tf.Tensor2D;
      }
    }
    const logProb = (logps.length ? tf.addN(logps) : tf.zeros([M])) as tf.Tensor1D;
    const entropy = (ents.length ? tf.addN(ents) : tf.zeros([M])) as tf.Tensor1D;
    return { choices, logProb, entropy, dists };
  }

  private attention(): AdditiveAttention {
    if (!this.net.attention)
      throw new Error('the decision program has input decisions but the space no input choice point');
    return this.net.attention;
  }

  /** One architecture drawn from the controller with `rng` (one uniform draw per decision). */
  sample(rng: Rng): ControllerSample {
    return this.sampleMany(rng, 1)[0];
  }

  /**
   * M architectures drawn at once (one batched rollout); per decision one uniform per sample, in
   * sample order.
   */
  sampleMany(rng: Rng, M: number): ControllerSample[] {
    return this.run(M, (_l, _r, probs, K) => {
      const p = probs();
      return Array.from({ length: M }, (_, m) =>
        drawCategorical(p.subarray(m * K, (m + 1) * K), rng.uniform()),
      );
    }).samples;
  }

  /** The most probable option at every decision (each given the earlier argmaxes). */
  greedy(): ControllerSample & { dists: DecisionDistribution[] } {
    const r = this.run(1, (_l, _r, probs) => [argmax(probs())], true);
    return { ...r.samples[0], dists: r.dists };
  }

  /** log p and the entropy of given choices (the picks replayed). */
  evaluate(choices: Choices): ControllerSample {
    return this.run(1, (label, row) => [choices[label][row]]).samples[0];
  }

  private run(
    M: number,
    pick: Pick,
    record = false,
  ): { samples: ControllerSample[]; dists: DecisionDistribution[] } {
    let out: { samples: ControllerSample[]; dists: DecisionDistribution[] } | undefined;
    tf.tidy(() => {
      const r = this.rollout(M, pick, record);
      const lp = r.logProb.dataSync();
      const en = r.entropy.dataSync();
      out = {
        samples: r.choices.map((choices, m) => ({ choices, logProb: lp[m], entropy: en[m] })),
        dists: r.dists,
      };
    });
    return out as { samples: ControllerSample[]; dists: DecisionDistribution[] };
  }

  /**
   * The REINFORCE gradient of L = (1/M)·Σ_m −log p(a_m)·A_m for fixed samples a_m and advantages
   * A_m = R_m − b (the reference's loss, averaged over the M aggregated samples as its
   * SyncReplicasOptimizer averages their gradients), aligned with `parameters`. Caller disposes.
   */
  gradients(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: number;
    grads: tf.Tensor[];
  } {
    if (samples.length === 0) throw new Error('REINFORCE needs at least one sample');
    const M = samples.length;
    return tf.tidy(() => {
      const adv = tf.tensor1d(samples.map((s) => s.advantage));
      const { value, grads } = tf.variableGrads(() => {
        const r = this.rollout(M, (label, row) => samples.map((s) => s.choices[label][row]), false);
        return tf.neg(tf.sum(r.logProb.mul(adv))).div(M) as tf.Scalar;
      }, this.params);
      const loss = value.dataSync()[0];
      const aligned = this.params.map((v) => {
        const g = grads[v.name];
        return g ? tf.keep(g) : tf.keep(tf.zerosLike(v));
      });
      return { loss, grads: aligned };
    });
  }

  /** One Adam step on the REINFORCE gradient (clipped when gradClip > 0); returns loss and norm. */
  reinforce(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: number;
    gradNorm: number;
  } {
    const { loss, grads } = this.gradients(samples);
    try {
      const norm = tf.tidy(() => {
        const clip = this.config.gradClip;
        const { grads: used, norm } = clipByGlobalNorm(grads, clip > 0 ? clip : Number.MAX_VALUE);
        this.adam.step(used, this.config.lr);
        return norm.dataSync()[0];
      });
      return { loss, gradNorm: norm };
    } finally {
      tf.dispose(grads);
    }
  }

  get parameters(): readonly tf.Variable[] {
    return this.params;
  }

  /** Parameters as `param.<name>`, Adam's moments as `adam.m.<i>` / `adam.v.<i>`, its step as a scalar. */
  getState(): NamedTensorState {
    const tensors: NamedTensorState['tensors'] = {};
    for (const [name, v] of this.net.namedParameters()) tensors[`param.${name}`] = v;
    const a = this.adam.getState();
    for (const [k, t] of Object.entries(a.tensors)) tensors[`adam.${k}`] = t;
    return { scalars: { adamStep: a.scalars.t }, tensors };
  }

  setState(state: NamedTensorState): void {
    for (const [name, v] of this.net.namedParameters()) {
      const t = state.tensors[`param.${name}`];
      if (!t) throw new Error(`controller state lacks param.${name}`);
      if (t.shape.join() !== v.shape.join())
        throw new Error(`controller state param.${name}: shape [${t.shape}] != [${v.shape}]`);
      v.assign(t);
    }
    const adam = Object.fromEntries(
      Object.entries(state.tensors)
        .filter(([k]) => k.startsWith('adam.'))
        .map(([k, t]) => [k.slice('adam.'.length), t]),
    );
    this.adam.setState({ scalars: { t: state.scalars.adamStep ?? 0 }, tensors: adam });
  }

  dispose(): void {
    this.adam.dispose();
    this.net.dispose();
  }
}

/** The first k with u < Σ_{j≤k} p_j (inverse CDF; the last option absorbs rounding). */
export function drawCategorical(p: ArrayLike<number>, u: number): number {
  let acc = 0;
  for (let k = 0; k < p.length; k++) {
    acc += p[k];
    if (u < acc) return k;
  }
  return p.length - 1;
}

function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}
