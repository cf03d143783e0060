import * as tf from '../../tf';
import { AdditiveAttention, Embedding, StackedLstm, uniformInit, type LstmState } from '../../nn/lstm';
import { Module } from '../../nn/module';
import { Adam } from '../../optim/adam';
import { clipByGlobalNorm } from '../../optim/clip';
import type { NamedTensorState } from '../../optim/state';
import type { DecisionProgram } from '../../search/decision-program';
import { readNow, type HostReads } from '../../search/host-reads';
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

/**
 * How a rollout takes each decision for all its rows: drawn or chosen from the decision's host
 * probabilities (`fromProbs`: the rollout reads them, see HostReads), or replayed from known picks
 * (`given`: teacher forcing, nothing read, so it runs under a gradient tape).
 */
type Picker =
  | {
      kind: 'fromProbs';
      pick: (label: string, row: number, probs: Float32Array, options: number) => number[];
    }
  | { kind: 'given'; pick: (label: string, row: number) => number[] };

/** What a rollout leaves: per row its choices, Σ log p and Σ entropy ([M], unread), row 0's distributions. */
interface Rollout {
  choices: Choices[];
  logProb: tf.Tensor1D;
  entropy: tf.Tensor1D;
  dists: DecisionDistribution[];
}

/** M samples drawn, their Σ log p and Σ entropy still on the device (the caller disposes them). */
export interface DrawnSamples {
  choices: Choices[];
  logProb: tf.Tensor1D;
  entropy: tf.Tensor1D;
}

/**
 * Runs a host-reads program that must not read (a teacher-forced rollout): synchronously, so inside
 * a tidy or a gradient tape.
 */
function withoutReads<T>(program: HostReads<T>): T {
  const r = program.next();
  if (!r.done) throw new Error('internal: a replayed controller rollout asked to read the device');
  return r.value;
}

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
   * all, only the picks differ), each decision taken for all rows by `picker`, as a host-reads
   * program: a `fromProbs` picker makes it yield each decision's probabilities [M, K] (one read per
   * decision: the next decision's input is the pick's embedding) and pick from the values read; a
   * `given` picker never yields. Returns the choices per row and Σ log p(pick), Σ entropy per row as
   * [M] tensors (differentiable in the controller's parameters), and the distributions of row 0 when
   * `record` is set. Embedding rows and picked anchors are selected by one-hot products
   * (differentiable on every backend).
   *
   * Memory: untracked (`track` false), the caller's tidy or tape owns every tensor made, which is how
   * the teacher-forced pass runs. Tracked, each stretch between reads runs in its own tidy and what it
   * keeps is disposed when the rollout ends (a tidy cannot span a yield), except logProb and entropy,
   * which the caller disposes. The tensors and kernels are the same either way, so are the values.
   */
  private *rollout(M: number, picker: Picker, record: boolean, track: boolean): HostReads<Rollout> {
    const made: tf.Tensor[] = [];
    const seg = <T>(f: () => T): T => {
      if (!track) return f();
      // tidy keeps every tensor of its result, LstmState objects included (plain objects).
      const r = tf.tidy(f as unknown as () => tf.TensorContainer) as unknown as T;
      // Variables (g_emb with M = 1, an embedding table) pass through and are not ours to dispose.
      for (const t of tensorsIn(r)) if (!(t instanceof tf.Variable)) made.push(t);
      return r;
    };
    try {
      const net = this.net;
      const choices: Choices[] = Array.from({ length: M }, () => {
        const c: Choices = {};
        for (const [label, cp] of this.points) c[label] = cp.rows.map(() => -1);
        return c;
      });
      const dists: DecisionDistribution[] = [];
      const logps: tf.Tensor[] = [];
      const ents: tf.Tensor[] = [];
      let states: LstmState[] = seg(() => net.lstm.zeroState(M));
      const start = seg(
        () =>
          (net.gEmb
            ? M === 1
              ? net.gEmb
              : tf.tile(net.gEmb, [M, 1])
            : tf.zeros([M, this.config.hidden])) as tf.Tensor2D,
      );
      let input: tf.Tensor2D = start;
      let keys: tf.Tensor2D[] = [];
      let values: tf.Tensor2D[] = [];
      const lstmStep = (x: tf.Tensor2D) => {
        const out = net.lstm.step(x, states);
        states = out.states;
        return out.output;
      };
      /** Picks for every row from logits [M, K]; returns the one-hot [M, K] of the picks. */
      const decide = function* (
        label: string,
        row: number,
        logits: tf.Tensor2D,
      ): Generator<tf.Tensor[], tf.Tensor2D, tf.TypedArray[]> {
        const K = logits.shape[1];
        const [logp, p] = seg(() => {
          const lp = tf.logSoftmax(logits) as tf.Tensor2D;
          return [lp, tf.exp(lp)] as const;
        });
        let ks: number[];
        let probs: Float32Array | null = null;
        if (picker.kind === 'fromProbs') {
          probs = (yield [p])[0] as Float32Array;
          ks = picker.pick(label, row, probs, K);
        } else ks = picker.pick(label, row);
        // A replayed pick outside the row's options would score log p = 0 silently: refuse it.
        for (const k of ks)
          if (!(Number.isInteger(k) && k >= 0 && k < K))
            throw new Error(`'${label}' row ${row}: pick ${k} is not one of the row's options 0..${K - 1}`);
        if (record) {
          if (!probs) throw new Error('internal: a recorded rollout must read its probabilities');
          dists.push({ label, row, probs: Array.from(probs.slice(0, K)) });
        }
        ks.forEach((k, m) => (choices[m][label][row] = k));
        return seg(() => {
          // Built on the host: tf.oneHot refuses depth 1 (the ENAS RNN's node 1 has one legal input).
          const hot = new Float32Array(M * K);
          ks.forEach((k, m) => (hot[m * K + k] = 1));
          const onehot = tf.tensor2d(hot, [M, K]);
          const lp = tf.sum(onehot.mul(logp), 1);
          const en = tf.neg(tf.sum(p.mul(logp), 1));
          logps.push(lp);
          ents.push(en);
          return [onehot, lp, en] as const;
        })[0];
      };
      for (const s of this.program.steps) {
        if (s.kind === 'cell') {
          const r = seg(() => {
            const k: tf.Tensor2D[] = [];
            const v: tf.Tensor2D[] = [];
            for (let g = 0; g < s.given; g++) {
              const h = lstmStep(start);
              k.push(this.attention().keys(h));
              v.push(tf.zerosLike(h));
            }
            return { k, v, states };
          });
          keys = r.k;
          values = r.v;
          states = r.states;
          input = start;
        } else if (s.kind === 'state') {
          const r = seg(() => {
            const h = lstmStep(input);
            return { k: net.attention ? [net.attention.keys(h)] : [], h, states };
          });
          keys.push(...r.k);
          values.push(r.h);
          states = r.states;
          input = start;
        } else if (s.kind === 'op') {
          const cp = this.points.get(s.label) as ChoicePoint;
          const key = headKey(cp);
          const K = s.options ?? cp.options.length;
          const decoder = s.decoder !== undefined ? net.decoders.get(s.decoder) : net.heads.get(key);
          if (!decoder) throw new Error(`no decoder for '${s.label}' row ${s.row}`);
          const r = seg(() => {
            const h = lstmStep(input);
            // A row limited to its first K options (rowOptions) draws among those only.
            let raw = decoder.logits(h);
            if (raw.shape[1] !== K) raw = raw.slice([0, 0], [M, K]);
            let logits = this.shape(raw, true);
            if (s.bias) logits = logits.add(tf.tensor2d([...s.bias], [1, s.bias.length]));
            return { logits, states };
          });
          states = r.states;
          const onehot = yield* decide(s.label, s.row, r.logits);
          input = seg(() => {
            let emb = net.embeddingOf(key) as tf.Tensor2D;
            if (emb.shape[0] !== K) emb = emb.slice([0, 0], [K, this.config.hidden]);
            return tf.matMul(onehot, emb);
          });
        } else {
          const n = s.states;
          const r = seg(() => {
            const h = lstmStep(input);
            const att = this.attention();
            const H = this.config.hidden;
            // [M, n, H]: anchor keys per row, plus h·W2 broadcast over the anchors.
            const k3 = tf.stack(keys.slice(0, n), 1) as tf.Tensor3D;
            const q = tf.tanh(k3.add(tf.expandDims(tf.matMul(h, att.w2 as tf.Tensor2D), 1)));
            const scores = tf
              .matMul(q.reshape([M * n, H]), att.v as tf.Tensor2D)
              .reshape([M, n]) as tf.Tensor2D;
            return { logits: this.shape(scores, false), states };
          });
          states = r.states;
          const onehot = yield* decide(s.label, s.row, r.logits);
          input = seg(() => {
            const v3 = tf.stack(values.slice(0, n), 1) as tf.Tensor3D;
            return tf.sum(v3.mul(tf.expandDims(onehot, 2)), 1) as tf.Tensor2D;
          });
        }
      }
      // Made outside `seg`: the caller owns them.
      const [logProb, entropy] = (track ? tf.tidy : (f: () => tf.Tensor[]) => f())(() => [
        logps.length ? tf.addN(logps) : tf.zeros([M]),
        ents.length ? tf.addN(ents) : tf.zeros([M]),
      ]) as [tf.Tensor1D, tf.Tensor1D];
      return { choices, logProb, entropy, dists };
    } finally {
      tf.dispose(made);
    }
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
    return readNow(this.samplesRead(this.drawReads(rng, M)));
  }

  /**
   * sampleMany as a host-reads program, its Σ log p and Σ entropy left on the device (the caller
   * disposes them): one read per decision, no gradient recorded. Draws exactly as sampleMany.
   */
  drawReads(rng: Rng, M: number): HostReads<DrawnSamples> {
    return this.rollout(
      M,
      {
        kind: 'fromProbs',
        pick: (_l, _r, p, K) =>
          Array.from({ length: M }, (_, m) => drawCategorical(p.subarray(m * K, (m + 1) * K), rng.uniform())),
      },
      false,
      true,
    );
  }

  /** The most probable option at every decision (each given the earlier argmaxes). */
  greedy(): ControllerSample & { dists: DecisionDistribution[] } {
    return readNow(this.greedyReads());
  }

  /** greedy as a host-reads program (one read per decision, then one for log p and the entropy). */
  *greedyReads(): HostReads<ControllerSample & { dists: DecisionDistribution[] }> {
    const r = yield* this.rollout(1, { kind: 'fromProbs', pick: (_l, _r, p) => [argmax(p)] }, true, true);
    const [sample] = yield* this.samplesRead(single(r));
    return { ...sample, dists: r.dists };
  }

  /** log p and the entropy of given choices (the picks replayed). */
  evaluate(choices: Choices): ControllerSample {
    const program = this.rollout(
      1,
      { kind: 'given', pick: (label, row) => [choices[label][row]] },
      false,
      true,
    );
    return readNow(this.samplesRead(program))[0];
  }

  /** Reads a rollout's Σ log p and Σ entropy (one read, then disposed) into samples (a host-reads program). */
  *samplesRead(program: HostReads<DrawnSamples>): HostReads<ControllerSample[]> {
    const d = yield* program;
    let lp: tf.TypedArray;
    let en: tf.TypedArray;
    try {
      [lp, en] = yield [d.logProb, d.entropy];
    } finally {
      tf.dispose([d.logProb, d.entropy]);
    }
    return d.choices.map((choices, m) => ({ choices, logProb: lp[m], entropy: en[m] }));
  }

  /**
   * The REINFORCE gradient of L = (1/M)·Σ_m −log p(a_m)·A_m for fixed samples a_m and advantages
   * A_m = R_m − b (the reference's loss, averaged over the M aggregated samples as its
   * SyncReplicasOptimizer averages their gradients), aligned with `parameters`. The controller is
   * replayed on the known picks (teacher forcing): nothing is read, so the tape runs synchronously on
   * every backend. Caller disposes the loss and the gradients.
   */
  gradientTensors(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: tf.Scalar;
    grads: tf.Tensor[];
  } {
    if (samples.length === 0) throw new Error('REINFORCE needs at least one sample');
    const M = samples.length;
    return tf.tidy(() => {
      const adv = tf.tensor1d(samples.map((s) => s.advantage));
      const replay: Picker = {
        kind: 'given',
        pick: (label, row) => samples.map((s) => s.choices[label][row]),
      };
      const { value, grads } = tf.variableGrads(() => {
        const r = withoutReads(this.rollout(M, replay, false, false));
        return tf.neg(tf.sum(r.logProb.mul(adv))).div(M) as tf.Scalar;
      }, this.params);
      const aligned = this.params.map((v) => {
        const g = grads[v.name];
        return g ? tf.keep(g) : tf.keep(tf.zerosLike(v));
      });
      return { loss: tf.keep(value), grads: aligned };
    });
  }

  /** gradientTensors with the loss read (synchronously: cpu, wasm, tensorflow). */
  gradients(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: number;
    grads: tf.Tensor[];
  } {
    const { loss, grads } = this.gradientTensors(samples);
    const value = loss.dataSync()[0];
    loss.dispose();
    return { loss: value, grads };
  }

  /**
   * One Adam step on the REINFORCE gradient (clipped when gradClip > 0); returns the loss and the
   * gradient's global norm as scalars on the device (the caller disposes them), no read.
   */
  reinforceTensors(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: tf.Scalar;
    gradNorm: tf.Scalar;
  } {
    const { loss, grads } = this.gradientTensors(samples);
    try {
      const gradNorm = tf.tidy(() => {
        const clip = this.config.gradClip;
        const { grads: used, norm } = clipByGlobalNorm(grads, clip > 0 ? clip : Number.MAX_VALUE);
        this.adam.step(used, this.config.lr);
        return norm;
      });
      return { loss, gradNorm };
    } finally {
      tf.dispose(grads);
    }
  }

  /** reinforceTensors with both values read (synchronously). */
  reinforce(samples: ReadonlyArray<{ choices: Choices; advantage: number }>): {
    loss: number;
    gradNorm: number;
  } {
    const { loss, gradNorm } = this.reinforceTensors(samples);
    const out = { loss: loss.dataSync()[0], gradNorm: gradNorm.dataSync()[0] };
    tf.dispose([loss, gradNorm]);
    return out;
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

/** A program that is already done: a finished rollout handed to samplesRead. */
// eslint-disable-next-line require-yield
function* single(r: DrawnSamples): HostReads<DrawnSamples> {
  return r;
}

/** Every tensor in a tidy's result (arrays and plain objects, as tfjs's TensorContainer). */
function tensorsIn(c: unknown): tf.Tensor[] {
  if (c instanceof tf.Tensor) return [c];
  if (Array.isArray(c)) return c.flatMap(tensorsIn);
  if (c && typeof c === 'object') return Object.values(c).flatMap(tensorsIn);
  return [];
}
