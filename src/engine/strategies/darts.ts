import * as tf from '../tf';
import { linearCombination, sumOfSquares } from '../ops/multi-tensor';
import type { DartsStrategyConfig } from './darts-spec';
import { initAlphas, type RowMap } from './arch-params';
import { ArchTraining, searchStepsPerEpoch, supernetGradients } from './arch-training';
import type { SupernetGradients } from './arch-training';
import type { CollapseProbe } from './collapse/alarm';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import { scalarMetrics } from '../search/host-reads';
import { runPassesNow, runPassesRecycling, type DevicePasses } from '../backend/device-passes';
import type { ArchAssignment, Supernet } from '../search/supernet';
import { DartsSearchSpace } from '../spaces/darts/space';
import type { SearchNetwork } from '../spaces/darts/supernet';
import type { Genotype } from '../spaces/darts/genotype-types';
import { crossEntropy } from '../train/loss';
import type { Rng } from '../util/rng';
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

/** What DARTS' machinery reads of a config: DARTS' own, or a variant's that shares it (FairDARTS). */
export type DartsCoreConfig = Omit<DartsStrategyConfig, 'name'>;

/** The α step's loss, accuracy and gradients (aligned with the α variables), and extra scalars to report. */
export interface AlphaGradients extends SupernetGradients {
  extra?: Record<string, tf.Scalar>;
}

/**
 * DARTS (Liu et al., ICLR 2019): continuous relaxation with softmax(α) on every row of every label
 * (DARTS cells: 'normal' and 'reduce'; NB201: 'cell'), alternating an α step on a validation batch
 * and a weight step on a training batch.
 * First order: ∇α L_val(w, α). Second order: ∇α L_val(w', α) − ξ·∇²α,w L_train(w, α)·∇w' L_val(w', α)
 * with w' = w − ξ·(μ·buf + ∇w L_train + wd·w) (ξ = current weight lr, as the reference) and the
 * Hessian-vector product by central differences at w ± ε·∇w' L_val, ε = 0.01/‖∇w' L_val‖.
 */
export class Darts implements SearchStrategy<Genotype> {
  readonly name: string = 'darts';
  /** α per label of the space's choice points, in their order (α_normal, α_reduce on DARTS cells). */
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  protected readonly space: SearchSpace;
  /** The weights' SGD, α's Adam and the collapse alarm, checkpointed together. */
  protected readonly core: ArchTraining;

  constructor(
    protected readonly net: Supernet,
    protected readonly cfg: DartsCoreConfig,
    rng: Rng,
    space?: SearchSpace,
    owner = 'DARTS',
  ) {
    this.space = space ?? new DartsSearchSpace((net as SearchNetwork).space);
    this.alphas = initAlphas(this.space, cfg.alphaInitScale, rng);
    this.core = new ArchTraining(net, this.space, [['alpha', this.alphas]], cfg, owner);
  }

  protected get weights(): tf.Variable[] {
    return this.core.weights;
  }

  get alphaNormal(): tf.Variable {
    return this.alpha('normal');
  }
  get alphaReduce(): tf.Variable {
    return this.alpha('reduce');
  }
  private alpha(label: string): tf.Variable {
    const a = this.alphas.get(label);
    if (!a)
      throw new Error(`this space has no label '${label}' (labels: ${[...this.alphas.keys()].join(', ')})`);
    return a;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      {
        name: 'search',
        title: 'search (α and weights)',
        epochs: budget.epochs,
        stepsPerEpoch: searchStepsPerEpoch(budget),
      },
    ];
  }

  /** The weights a label's α gives its ops in the mix: softmax over each row (FairDARTS: σ). */
  protected mixWeights(alpha: tf.Variable): tf.Tensor2D {
    return tf.softmax(alpha) as tf.Tensor2D;
  }

  /** The supernet's view of the current architecture: the mix weights of every row. */
  archChoice(): ArchAssignment {
    const out: ArchAssignment = {};
    for (const [label, a] of this.alphas) out[label] = { kind: 'mix', weights: this.mixWeights(a) };
    return out;
  }

  /** Mean cross-entropy of the supernet on a batch (training-mode BatchNorm, as during search). */
  loss(batch: Batch): tf.Scalar {
    return crossEntropy(this.net.logits(batch.x, this.archChoice(), { training: true }), batch.y);
  }

  step(ctx: StepContext): StepResult {
    return runPassesNow(this.stepPasses(ctx));
  }

  /**
   * The same step, with a turn of the event loop between its passes on webgpu so that Dawn frees
   * the bind groups of the passes before (backend/device-passes.ts: without it lavapipe ran out of
   * memory mappings in the tiny bench config's second-order step). Elsewhere exactly `step`.
   */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return runPassesRecycling(this.stepPasses(ctx));
  }

  /** The step as passes: the α step's (one, or four in second order), then the weights'. */
  protected *stepPasses(ctx: StepContext): DevicePasses<StepResult> {
    const train = ctx.train();
    const val = ctx.val();
    this.core.alarm.keepBatch(ctx.info, val);
    const lr = this.core.trainer.startEpoch(ctx.info.epoch, ctx.info.totalEpochs);
    const alpha = yield* this.alphaGradientPasses(train, val);
    tf.tidy(() => this.core.arch.step(alpha.grads, this.cfg.alphaLr));
    tf.dispose(alpha.grads);
    yield;
    const [trainLoss, trainAcc, gradNorm] = tf.tidy(() => {
      const w = this.gradients(train, this.weights);
      return [w.loss, w.acc, this.core.trainer.apply(w.grads)];
    });
    const extra = Object.entries(alpha.extra ?? {});
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['valLoss', alpha.loss],
      ['valAcc', alpha.acc],
      ['gradNorm', gradNorm],
      ['lrWeights', lr],
      ['lrAlpha', this.cfg.alphaLr],
      ...extra,
    ]);
  }

  /** The gradients of the α step: first order at the current weights, or second order (see the class comment). */
  protected alphaGradients(train: Batch, val: Batch): AlphaGradients {
    return runPassesNow(this.alphaGradientPasses(train, val));
  }

  /** alphaGradients as passes (FairDARTS adds its term here); the caller owns every tensor returned. */
  protected *alphaGradientPasses(train: Batch, val: Batch): DevicePasses<AlphaGradients> {
    if (this.cfg.order === 'first') return tf.tidy(() => this.gradients(val, [...this.alphas.values()]));
    return yield* this.unrolledAlphaGradientPasses(train, val);
  }

  /** Loss, accuracy and gradients of the loss on `batch` w.r.t. `vars` (missing gradients are zeros). */
  gradients(batch: Batch, vars: tf.Variable[]): SupernetGradients {
    return supernetGradients(this.net, batch, () => this.archChoice(), vars);
  }

  /** Second-order α gradient (see the class comment). Leaves the weights exactly as it found them. */
  unrolledAlphaGradients(train: Batch, val: Batch): SupernetGradients {
    return runPassesNow(this.unrolledAlphaGradientPasses(train, val));
  }

  /** unrolledAlphaGradients as its four passes; the caller owns the tensors returned. */
  protected *unrolledAlphaGradientPasses(train: Batch, val: Batch): DevicePasses<SupernetGradients> {
    const alphas = [...this.alphas.values()];
    const xi = this.core.trainer.lr;
    const { momentum, weightDecay } = this.core.trainer.sgd.config;
    const saved = this.weights.map((w) => w.clone());
    try {
      // Each pass runs in its own tidy so that only its results outlive it (peak memory ~ one pass).
      tf.tidy(() => {
        // w' = w − ξ·(g + wd·w + μ·buf): one SGD step without changing the optimiser's state.
        const gTrain = this.gradients(train, this.weights).grads;
        const bufs = this.weights.map((w) => this.core.trainer.sgd.momentumBuffer(w) ?? tf.zerosLike(w));
        linearCombination([saved, gTrain, bufs], [1 - xi * weightDecay, -xi, -xi * momentum]).forEach(
          (t, i) => this.weights[i].assign(t),
        );
      });
      yield;
      const unrolled = tf.tidy(() => this.gradients(val, [...alphas, ...this.weights]));
      const dAlpha = unrolled.grads.slice(0, alphas.length);
      const v = unrolled.grads.slice(alphas.length);
      const eps = tf.tidy(() => tf.div(0.01, tf.sqrt(sumOfSquares(v))));
      const alphaGradAt = (sign: 1 | -1) =>
        tf.tidy(() => {
          const coefs = tf.concat([tf.ones([1]), eps.mul(sign).reshape([1])]) as tf.Tensor1D;
          linearCombination([saved, v], coefs).forEach((t, i) => this.weights[i].assign(t));
          return this.gradients(train, alphas).grads;
        });
      yield;
      const gPlus = alphaGradAt(1);
      yield;
      const gMinus = alphaGradAt(-1);
      const grads = tf.tidy(() =>
        dAlpha.map((g, i) => g.sub(gPlus[i].sub(gMinus[i]).div(eps.mul(2)).mul(xi))),
      );
      tf.dispose([...unrolled.grads, ...gPlus, ...gMinus, eps]);
      return { loss: unrolled.loss, acc: unrolled.acc, grads };
    } finally {
      this.weights.forEach((w, i) => w.assign(saved[i]));
      tf.dispose(saved);
    }
  }

  /** The collapse alarm's readings on the α-mixed supernet (the strategy's own mix; BatchNorm statistics left alone). */
  epochEnd(info: StepInfo): EpochEndResult {
    return this.core.alarm.epochEnd(info, this.alarmProbe());
  }

  private alarmProbe(): CollapseProbe {
    return {
      alphas: [...this.alphas.values()],
      valLoss: (b) =>
        crossEntropy(this.net.logits(b.x, this.archChoice(), { training: true, frozenStats: true }), b.y),
      derive: () => this.derivedNow(),
      weights: () => this.probabilities(),
      weightDecay: this.cfg.alphaWeightDecay,
    };
  }

  /** The map from α to the weights it mixes and derives by (FairDARTS: σ). */
  protected get rowMap(): RowMap {
    return 'softmax';
  }

  /** The alarm's reading and softmax(α), read ahead for the epoch end on webgpu (see SearchStrategy.prefetchHostReads). */
  async prefetchHostReads(): Promise<void> {
    await this.core.prefetchHostReads(this.alarmProbe(), this.rowMap);
  }

  /** softmax(α) (FairDARTS: σ(α)) of every label as plain arrays. */
  probabilities(): ChoiceWeights {
    return this.core.arch.rows('alpha', this.rowMap);
  }

  /** The genotype a collapse-alarm stop kept (DARTS-ES rolls back), else the one α gives now. */
  derive(): Genotype {
    return (this.core.alarm.rollback() as Genotype | null) ?? this.derivedNow();
  }

  /** The genotype α gives now (the space's rule on probabilities()); FairDARTS has its own. */
  protected derivedNow(): Genotype {
    return this.space.derive(this.probabilities()) as Genotype;
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'softmax', this.probabilities());
  }

  getState(): NamedTensorState {
    return this.core.getState();
  }

  setState(state: NamedTensorState): void {
    this.core.setState(state);
  }

  dispose(): void {
    this.core.dispose();
  }
}
