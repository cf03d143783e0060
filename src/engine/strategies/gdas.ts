import * as tf from '../tf';
import { initAlphas } from './arch-params';
import { ArchTraining, mixedAlarmLoss, searchStepsPerEpoch, supernetGradients } from './arch-training';
import type { SupernetGradients } from './arch-training';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import type { ArchAssignment, Assignment, Supernet } from '../search/supernet';
import type {
  ArchSnapshot,
  Batch,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  EpochEndResult,
  StepContext,
  StepInfo,
  StepResult,
} from '../search/strategy';
import type { DartsSearchSpace } from '../spaces/darts/space';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { Rng } from '../util/rng';
import { scalarMetrics } from '../search/host-reads';
import type { GdasConfig } from './gdas-spec';

/** τ of an epoch: linear from τmax at epoch 0 to τmin at the last epoch (τmax when there is one epoch). */
export function gdasTau(epoch: number, totalEpochs: number, tauMax: number, tauMin: number): number {
  if (totalEpochs <= 1) return tauMax;
  return tauMax - ((tauMax - tauMin) * epoch) / (totalEpochs - 1);
}

/** n Gumbel(0, 1) draws g = −log(E), E = −log(1 − U) ~ Exp(1), U uniform on [0, 1) from `rng`. */
export function drawGumbel(rng: Rng, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = -Math.log(-Math.log(1 - rng.uniform()));
  return g;
}

/** p = softmax((log_softmax(α) + g)/τ) per row. */
export function gumbelProbs(alpha: tf.Tensor2D, g: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(tf.logSoftmax(alpha, 1).add(g).div(tau)) as tf.Tensor2D);
}

/** One label's sample: the Gumbel draws, the resulting probabilities (values) and each row's argmax. */
export interface GumbelSample {
  rows: number;
  options: number;
  g: Float32Array;
  probs: Float32Array;
  index: number[];
}

/**
 * gumbelProbs on the host, from α's values [rows·options] (row-major): in float64, rounded to
 * float32. For webgpu, where α is read at the step boundary (Gdas.prepareStepReads) and the sample's
 * argmax must be known mid-step without a device read; it rounds differently from the device.
 */
export function gumbelProbsOnHost(
  alpha: Float32Array,
  g: Float32Array,
  rows: number,
  options: number,
  tau: number,
): Float32Array {
  const out = new Float32Array(rows * options);
  for (let r = 0; r < rows; r++) {
    const row = Array.from({ length: options }, (_, k) => alpha[r * options + k]);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    const x = row.map((v, k) => (v - max - logSum + g[r * options + k]) / tau);
    const xMax = Math.max(...x);
    const sum = x.reduce((s, v) => s + Math.exp(v - xMax), 0);
    x.forEach((v, k) => (out[r * options + k] = Math.exp(v - xMax) / sum));
  }
  return out;
}

/**
 * One Gumbel sample for α [rows, options]: g from the loop's `rng`, p = softmax((log_softmax(α) + g)/τ),
 * k = the first argmax of each row. Redrawn while g or p has an infinity or NaN (the reference's loop).
 * With `hostAlpha` (α's values, read ahead on webgpu) p is computed on the host (gumbelProbsOnHost).
 */
export function sampleGumbel(
  alpha: tf.Tensor2D,
  tau: number,
  rng: Rng,
  hostAlpha?: Float32Array,
): GumbelSample {
  const [rows, options] = alpha.shape;
  for (let tries = 0; tries < 100; tries++) {
    const g = drawGumbel(rng, rows * options);
    if (g.some((v) => !Number.isFinite(v))) continue;
    const probs = hostAlpha
      ? gumbelProbsOnHost(hostAlpha, g, rows, options, tau)
      : tf.tidy(() => gumbelProbs(alpha, tf.tensor2d(g, [rows, options]), tau).dataSync() as Float32Array);
    if (probs.some((v) => !Number.isFinite(v))) continue;
    const index = Array.from({ length: rows }, (_, r) => {
      let best = 0;
      for (let k = 1; k < options; k++) if (probs[r * options + k] > probs[r * options + best]) best = k;
      return best;
    });
    return { rows, options, g, probs, index };
  }
  throw new Error(
    `GDAS: 100 Gumbel samples in a row gave non-finite probabilities (τ = ${tau}); α has diverged`,
  );
}

/**
 * The straight-through weights h = one_hot(k) − stop_gradient(p) + p of a sample, recomputed from α
 * so that the gradient flows to it: h's value is the one-hot of k (up to rounding: (1 − p_k) + p_k),
 * its gradient that of p.
 */
export function straightThrough(alpha: tf.Tensor2D, s: GumbelSample, tau: number): tf.Tensor2D {
  return tf.tidy(() => {
    const p = gumbelProbs(alpha, tf.tensor2d(s.g, [s.rows, s.options]), tau);
    const oneHot = tf.oneHot(tf.tensor1d(s.index, 'int32'), s.options).toFloat();
    return oneHot.sub(tf.tensor2d(s.probs, [s.rows, s.options])).add(p) as tf.Tensor2D;
  });
}

/**
 * The supernet's assignment of a sample: each row runs op k alone, scaled by gate = h[e,k]; with
 * `constants`, offset = Σ_{j≠k} h[e,j] is added (value 0, the unchosen ops' gradient path).
 */
export function gdasAssignment(h: tf.Tensor2D, index: readonly number[], constants: boolean): Assignment {
  const [gate, offset] = tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d([...index], 'int32'), h.shape[1]).toFloat();
    const g = h.mul(oneHot).sum(1) as tf.Tensor1D;
    return constants ? [g, h.mul(tf.onesLike(oneHot).sub(oneHot)).sum(1) as tf.Tensor1D] : [g];
  });
  return offset
    ? { kind: 'sample', ops: [...index], gate, offset }
    : { kind: 'sample', ops: [...index], gate };
}

/**
 * The reference's derivation on DARTS/NASNet cells (search_model_gdas_nasnet.py genotype): per node,
 * every (op, input) pair except 'none' ranked by its weight, the top two kept (stable: ties keep the
 * lower input, then the earlier op). Both may come from the same input, unlike DARTS.
 */
export function deriveGdasCell(
  weights: number[][],
  ops: readonly string[],
  nodes: number,
): Array<[string, number]> {
  const gene: Array<[string, number]> = [];
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    const pairs: Array<{ op: string; input: number; w: number }> = [];
    for (let j = 0; j < i + 2; j++)
      weights[start + j].forEach((w, k) => ops[k] !== 'none' && pairs.push({ op: ops[k], input: j, w }));
    pairs.sort((a, b) => b.w - a.w);
    for (const p of pairs.slice(0, 2)) gene.push([p.op, p.input]);
    start += i + 2;
  }
  return gene;
}

/**
 * GDAS (Dong & Yang, CVPR 2019): every forward pass draws one Gumbel sample per label from the loop's
 * generator, runs only the argmax op of each row, and takes α's gradient through the straight-through
 * weights h. Each step: the weights on a training batch (SGD, cosine, clipping), then α on a
 * validation batch (Adam), each with its own sample; τ falls linearly per epoch.
 */
export class Gdas implements SearchStrategy {
  readonly name = 'gdas';
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  private readonly core: ArchTraining;
  /** Whether unchosen ops' weights join the edge outputs as constants (see the config's `unchosen`). */
  readonly constants: boolean;
  private tau: number;
  /** α's values read at the step boundary on webgpu (prepareStepReads), with the data they were read from. */
  private readonly hostAlphas = new Map<string, { from: object; values: Float32Array }>();

  constructor(
    private readonly net: Supernet,
    private readonly cfg: GdasConfig,
    rng: Rng,
    private readonly space: SearchSpace,
  ) {
    this.alphas = initAlphas(space, cfg.alphaInitScale, rng);
    this.constants = cfg.unchosen === 'constant' || (cfg.unchosen === 'reference' && space.name === 'nb201');
    this.core = new ArchTraining(net, space, [['alpha', this.alphas]], cfg, 'GDAS');
    this.tau = cfg.tauMax;
  }

  private get weights(): tf.Variable[] {
    return this.core.weights;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      {
        name: 'search',
        title: 'search (sampled paths: weights, then α)',
        epochs: budget.epochs,
        stepsPerEpoch: searchStepsPerEpoch(budget),
      },
    ];
  }

  /** One Gumbel sample per label, in the order of the space's choice points, at the current τ. */
  sample(rng: Rng): Map<string, GumbelSample> {
    const out = new Map<string, GumbelSample>();
    for (const [label, a] of this.alphas) {
      const host = this.hostAlphas.get(label);
      const values = host && host.from === a.dataId ? host.values : undefined;
      out.set(label, sampleGumbel(a as tf.Tensor2D, this.tau, rng, values));
    }
    return out;
  }

  /**
   * On webgpu, before each step: α's values, which both of the step's samples read (α moves only at
   * the step's end) to pick the ops that run. Elsewhere never called: the sample reads p itself.
   */
  async prepareStepReads(): Promise<void> {
    for (const [label, a] of this.alphas)
      this.hostAlphas.set(label, { from: a.dataId, values: (await a.data()) as Float32Array });
  }

  /** The supernet's assignment of a sample, differentiable in α (call inside a gradient scope). */
  assignment(sample: Map<string, GumbelSample>): ArchAssignment {
    const out: ArchAssignment = {};
    for (const [label, a] of this.alphas) {
      const s = sample.get(label) as GumbelSample;
      out[label] = gdasAssignment(straightThrough(a as tf.Tensor2D, s, this.tau), s.index, this.constants);
    }
    return out;
  }

  /** Loss, accuracy and gradients w.r.t. `vars` of the sampled network on `batch` (missing gradients: zeros). */
  gradients(batch: Batch, vars: tf.Variable[], sample: Map<string, GumbelSample>): SupernetGradients {
    return supernetGradients(this.net, batch, () => this.assignment(sample), vars);
  }

  step(ctx: StepContext): StepResult {
    const { epoch, totalEpochs } = ctx.info;
    const lr = this.core.trainer.startEpoch(epoch, totalEpochs);
    this.tau = gdasTau(epoch, totalEpochs, this.cfg.tauMax, this.cfg.tauMin);
    // The weights first, on a training batch (the reference's search_func order), with their own sample.
    const train = ctx.train();
    const wSample = this.sample(ctx.rng);
    const w = tf.tidy(() => {
      const r = this.gradients(train, this.weights, wSample);
      const norm = this.core.trainer.apply(r.grads);
      return [r.loss, r.acc, norm];
    });
    // Then α on a validation batch, with a new sample (α has not changed, τ neither).
    const val = ctx.val();
    this.core.alarm.keepBatch(ctx.info, val);
    const aSample = this.sample(ctx.rng);
    const alphas = [...this.alphas.values()];
    const a = tf.tidy(() => {
      const r = this.gradients(val, alphas, aSample);
      this.core.arch.step(r.grads, this.cfg.alphaLr);
      return [r.loss, r.acc];
    });
    const [trainLoss, trainAcc, gradNorm, valLoss, valAcc] = [...w, ...a];
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['valLoss', valLoss],
      ['valAcc', valAcc],
      ['gradNorm', gradNorm],
      ['tau', this.tau],
      ['lrWeights', lr],
      ['lrAlpha', this.cfg.alphaLr],
    ]);
  }

  /**
   * The collapse alarm's readings on the softmax(α)-mixed supernet: deterministic (no Gumbel draw
   * from the loop's generator, so the search is unchanged) and comparable across epochs (a
   * τ-tempered mix would scale the Hessian by 1/τ² as τ falls). BatchNorm statistics are left alone.
   */
  epochEnd(info: StepInfo): EpochEndResult {
    return this.core.alarm.epochEnd(info, {
      ...mixedAlarmLoss(this.net, this.alphas),
      derive: () => this.derivedNow(),
      weights: () => this.probabilities(),
      weightDecay: this.cfg.alphaWeightDecay,
    });
  }

  /** The alarm's reading and softmax(α), read ahead for the epoch end on webgpu. */
  async prefetchHostReads(): Promise<void> {
    await this.core.prefetchHostReads(mixedAlarmLoss(this.net, this.alphas));
  }

  /** softmax(α) of every label as plain arrays. */
  probabilities(): ChoiceWeights {
    return this.core.arch.softmax();
  }

  /**
   * NB201: the argmax op of each edge, 'none' included (search_model_gdas.py genotype). DARTS cells:
   * the top two (op, input) pairs per node by softmax(α), 'none' excluded, possibly from one input
   * (search_model_gdas_nasnet.py genotype). Any other space: its own discretisation.
   */
  derive(): unknown {
    return this.core.alarm.rollback() ?? this.derivedNow();
  }

  private derivedNow(): unknown {
    const p = this.probabilities();
    if (this.space.name !== 'darts') return this.space.derive(p);
    const { ops, nodes } = (this.space as DartsSearchSpace).config;
    const concat = Array.from({ length: nodes }, (_, i) => i + 2);
    const g: Genotype = {
      normal: deriveGdasCell(p.normal, ops, nodes),
      normalConcat: concat,
      reduce: deriveGdasCell(p.reduce, ops, nodes),
      reduceConcat: [...concat],
    };
    return g;
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'softmax', this.probabilities());
  }

  getState(): NamedTensorState {
    return this.core.getState({ tau: this.tau });
  }

  setState(state: NamedTensorState): void {
    this.core.setState(state);
    this.tau = Number(state.scalars.tau ?? this.cfg.tauMax);
  }

  dispose(): void {
    this.core.dispose();
  }
}
