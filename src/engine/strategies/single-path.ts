import * as tf from '../tf';
import type { NamedTensorState } from '../optim/state';
import type { Choices, SearchSpace } from '../search/space';
import {
  isLanguageModel,
  sampleAssignment,
  type LanguageModelSupernet,
  type Supernet,
} from '../search/supernet';
import type { PhaseBudget, PhasePlan, StepContext, StepResult } from '../search/strategy';
import { accuracy, crossEntropy } from '../train/loss';
import { WeightTrainer, type WeightTrainerConfig } from '../train/weight-trainer';
import { HiddenCarry, LmTrainer, lmTrainStepTensors } from '../train/language-model';
import type { LmTrainerConfig } from '../train/lm-fields';
import type { Rng } from '../util/rng';
import { scalarMetrics, scalarMetricsOf } from '../search/host-reads';

/** Draws the architecture one training step runs (default: the space's uniform sampler). */
export type PathSampler = (rng: Rng) => unknown;

/**
 * Single-path one-shot training of a supernet, the first phase of random search with weight sharing,
 * SPOS and regularized evolution: every step draws one architecture (the space's uniform sampler, or
 * a strategy's, e.g. SPOS's FLOPs band) and takes one SGD step on it. Only the path's weights move:
 * the others get no gradient, as the references set every gradient to None first (randomNAS) or drop
 * the zero ones (SPOS), so PyTorch's SGD skips them (no decay, no momentum); clipping is over the
 * path's gradients. Counts how often each option was drawn (the snapshot phase 1 shows).
 * All randomness is the loop's checkpointed generator.
 */
export class SinglePathTraining {
  private readonly weights: tf.Variable[];
  readonly trainer: WeightTrainer;
  /** Per label, per row, per option: how often an architecture used it. */
  private counts: Record<string, number[][]>;
  private samples = 0;
  /** On a language-model space: its trainer (ENAS-pytorch's shared SGD) and the carried hidden state. */
  private readonly lm: { net: LanguageModelSupernet; trainer: LmTrainer; carry: HiddenCarry } | null;

  constructor(
    private readonly net: Supernet,
    private readonly space: SearchSpace,
    config: WeightTrainerConfig & Partial<LmTrainerConfig>,
  ) {
    this.weights = net.parameters();
    this.trainer = new WeightTrainer(this.weights, config);
    this.lm = isLanguageModel(net)
      ? { net, trainer: lmTrainer(this.weights, config), carry: new HiddenCarry('lm.hidden') }
      : null;
    this.counts = Object.fromEntries(
      space.choicePoints.map((cp) => [cp.label, cp.rows.map(() => cp.options.map(() => 0))]),
    );
  }

  /** The phase: the config's epochs, one pass over the search-train split (or the cap) per epoch. */
  static phase(budget: PhaseBudget, title = 'train the supernet (one random path per batch)'): PhasePlan {
    return {
      name: 'supernet',
      title,
      epochs: budget.epochs,
      stepsPerEpoch: Math.min(budget.stepsPerEpochCap ?? Number.POSITIVE_INFINITY, budget.trainBatches),
    };
  }

  /** One training step on one drawn path (one training batch). */
  step(ctx: StepContext, sample: PathSampler = (rng) => this.space.sample(rng)): StepResult {
    if (this.lm) return this.textStep(ctx, sample, this.lm);
    const arch = sample(ctx.rng);
    const choices = this.space.choices(arch);
    this.count(choices);
    const lr = this.trainer.startEpoch(ctx.info.epoch, ctx.info.totalEpochs);
    const batch = ctx.train();
    const out = tf.tidy(() => {
      let logits: tf.Tensor2D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        logits = tf.keep(this.net.logits(batch.x, sampleAssignment(choices), { training: true }));
        return crossEntropy(logits, batch.y);
      }, this.weights);
      const acc = accuracy(logits as tf.Tensor2D, batch.y);
      (logits as tf.Tensor2D).dispose();
      const only = this.weights.flatMap((v, i) => (grads[v.name] ? [i] : []));
      const norm = this.trainer.apply(
        this.weights.map((v) => grads[v.name]),
        only,
      );
      return [value, acc, norm];
    });
    const [trainLoss, trainAcc, gradNorm] = out;
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['gradNorm', gradNorm],
      ['lrWeights', lr],
    ]);
  }

  /**
   * A language-model step (ENAS-pytorch train_shared with one sampled cell): the next BPTT window of
   * the search-train streams, the hidden state carried from the previous window (reset where a pass
   * over the split starts), ENAS's SGD schedule. trainPpl = exp(trainLoss), the window's perplexity.
   */
  private textStep(
    ctx: StepContext,
    sample: PathSampler,
    lm: NonNullable<SinglePathTraining['lm']>,
  ): StepResult {
    if (!ctx.text)
      throw new Error(`the '${this.space.name}' space is a language model: the search data must be text`);
    const choices = this.space.choices(sample(ctx.rng));
    this.count(choices);
    const lr = lm.trainer.startEpoch(ctx.info.epoch);
    const r = lmTrainStepTensors(
      lm.net,
      lm.trainer,
      lm.carry,
      ctx.text.train(),
      sampleAssignment(choices),
      ctx.rng,
    );
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu; the perplexity is the host's
    // exp of the loss read, as before (search/host-reads.ts).
    return scalarMetricsOf([r.loss, r.gradNorm], ([loss, gradNorm]) => ({
      trainLoss: loss,
      trainPpl: Math.exp(loss),
      gradNorm,
      lrWeights: lr,
    }));
  }

  private count(choices: Choices): void {
    this.samples += 1;
    for (const [label, row] of Object.entries(choices))
      row.forEach((k, r) => k >= 0 && (this.counts[label][r][k] += 1));
  }

  /** Fraction of the drawn architectures that used each option on each row. */
  frequencies(): Record<string, number[][]> {
    return optionFrequencies(this.counts, this.samples);
  }

  /** Momentum buffers (`sgd.momentum.<i>`, created the first time a weight is on a path), lr, counts. */
  getState(): NamedTensorState {
    const w = this.trainer.getState();
    const lm = this.lm ? { scalars: { lmLr: this.lm.trainer.lr }, tensors: this.lm.carry.tensors() } : null;
    return {
      scalars: { ...w.scalars, samples: this.samples, counts: JSON.stringify(this.counts), ...lm?.scalars },
      tensors: { ...w.tensors, ...lm?.tensors },
    };
  }

  setState(state: NamedTensorState): void {
    this.trainer.setState(state);
    if (this.lm) {
      this.lm.trainer.setState({ scalars: { lr: state.scalars.lmLr ?? this.lm.trainer.lr }, tensors: {} });
      this.lm.carry.restore(state.tensors);
    }
    const s = state.scalars;
    this.samples = Number(s.samples ?? 0);
    if (typeof s.counts === 'string') this.counts = JSON.parse(s.counts);
  }

  dispose(): void {
    this.trainer.dispose();
    this.lm?.trainer.dispose();
    this.lm?.carry.dispose();
  }
}

/** The language-model trainer of a strategy config that declares the lm* fields (lm-fields.ts). */
function lmTrainer(weights: tf.Variable[], c: Partial<LmTrainerConfig>): LmTrainer {
  const keys = ['lmLr', 'lmLrDecay', 'lmLrDecayAfter', 'lmGradClip', 'lmWeightDecay'] as const;
  const missing = keys.filter((k) => typeof c[k] !== 'number');
  if (missing.length)
    throw new Error(
      `this strategy has no language-model training settings (${missing.join(', ')}): it cannot train a language-model space`,
    );
  return new LmTrainer(weights, c as LmTrainerConfig);
}

/** Counts per option over `n` architectures as fractions (n = 0 reads as 1: all zeros). */
export function optionFrequencies(counts: Record<string, number[][]>, n: number): Record<string, number[][]> {
  const d = Math.max(1, n);
  return Object.fromEntries(
    Object.entries(counts).map(([label, rows]) => [label, rows.map((r) => r.map((c) => c / d))]),
  );
}

/** How often each option appears among `archs` (per label, per row), as fractions. */
export function choiceFrequencies(space: SearchSpace, archs: readonly unknown[]): Record<string, number[][]> {
  const counts = Object.fromEntries(
    space.choicePoints.map((cp) => [cp.label, cp.rows.map(() => cp.options.map(() => 0))]),
  );
  for (const a of archs)
    for (const [label, row] of Object.entries(space.choices(a)))
      row.forEach((k, r) => k >= 0 && (counts[label][r][k] += 1));
  return optionFrequencies(counts, archs.length);
}

/**
 * SPOS's phase-1 sampler (megvii-model/SinglePathOneShot src/Supernet/train.py,
 * get_uniform_sample_cand): a FLOPs bin is chosen uniformly among `bins` equal bins of [min, max],
 * then uniform architectures are drawn until one falls in it (at most `tries`); after that many misses
 * a uniform architecture is taken as it is, as the reference does.
 */
export function flopsBandSampler(
  space: SearchSpace,
  flopsOf: (arch: unknown) => number,
  band: { min: number; max: number; bins: number; tries?: number },
): PathSampler {
  const width = (band.max - band.min) / band.bins;
  const tries = band.tries ?? 500;
  return (rng) => {
    const bin = rng.int(band.bins);
    const lo = band.min + bin * width;
    const hi = bin === band.bins - 1 ? band.max : lo + width;
    for (let i = 0; i < tries; i++) {
      const arch = space.sample(rng);
      const f = flopsOf(arch);
      if (f >= lo && f <= hi) return arch;
    }
    return space.sample(rng);
  };
}
