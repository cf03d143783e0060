import * as tf from '../../tf';
import { decisionProgramOf, type DecisionProgram } from '../../search/decision-program';
import type { Choices, SearchSpace } from '../../search/space';
import {
  isLanguageModel,
  sampleAssignment,
  type LanguageModelSupernet,
  type Supernet,
} from '../../search/supernet';
import type {
  ArchSnapshot,
  CandidateScore,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepInfo,
  StepMetrics,
  StepResult,
} from '../../search/strategy';
import type { NamedTensorState } from '../../optim/state';
import type { TextBatch } from '../../data/batch';
import {
  HiddenCarry,
  languageModelEvaluationReads,
  languageModelReward,
  LmTrainer,
  lmTrainStepTensors,
} from '../../train/language-model';
import { clipByGlobalNorm } from '../../optim/clip';
import { Sgd } from '../../optim/sgd';
import type { Rng } from '../../util/rng';
import type { EnasConfig } from '../enas-spec';
import { readAwaiting, readNow, scalarMetrics, type HostReads } from '../../search/host-reads';
import { EnasController, type DrawnSamples } from './controller';
import {
  childLoss,
  perplexityReward,
  REWARDS,
  rewardsRead,
  type PendingReward,
  type RewardResult,
} from './reward';

/**
 * Cosine annealing with warm restarts per epoch (SGDR; melodyguan/enas src/utils.py get_train_ops with
 * lr_cosine): cycles of T₀, T₀·m, T₀·m², … epochs; within a cycle of T epochs at epoch t,
 * lr = min + ½(max − min)(1 + cos(π·t/T)).
 */
export function cosineRestartsLr(max: number, min: number, epoch: number, T0: number, mult: number): number {
  let start = 0;
  let T = T0;
  while (epoch >= start + T) {
    start += T;
    T *= mult;
  }
  return min + 0.5 * (max - min) * (1 + Math.cos((Math.PI * (epoch - start)) / T));
}

/** The exponential moving-average baseline of the reference: b ← b − (1 − decay)·(b − R). */
export function updatedBaseline(b: number, reward: number, decay: number): number {
  return b - (1 - decay) * (b - reward);
}

/** How many of the most sampled architectures of an epoch are reported (candidates, the dashboard). */
const TOP_ARCHS = 3;

/** The first `k` windows of a pass (the rest of the pass is never made). */
function* firstWindows(pass: Iterable<TextBatch>, k: number): Generator<TextBatch> {
  if (k < 1) return;
  let n = 0;
  for (const w of pass) {
    yield w;
    if (++n >= k) return;
  }
}

/**
 * The rewards of a controller step's samples and the samples' entropies, read together (one read);
 * the rollout's log p and entropy tensors are disposed.
 */
function* rewardsWithEntropies(
  pending: readonly PendingReward[],
  drawn: DrawnSamples,
): HostReads<{ rewards: RewardResult[]; entropies: tf.TypedArray }> {
  let entropies: tf.TypedArray = new Float32Array(0);
  const withEntropy: PendingReward = {
    tensors: [drawn.entropy],
    finish: ([e]) => {
      entropies = e;
      return { reward: 0, metrics: {} };
    },
  };
  try {
    const [, ...rewards] = yield* rewardsRead([withEntropy, ...pending]);
    return { rewards, entropies };
  } finally {
    drawn.logProb.dispose();
  }
}

/** What ENAS keeps for a language-model space: its trainer and the two carried hidden states. */
interface LmParts {
  net: LanguageModelSupernet;
  trainer: LmTrainer;
  /** Shared steps' state along the search-train streams. */
  trainCarry: HiddenCarry;
  /** Rewards' state along the search-val streams (ENAS-pytorch carries get_reward's hidden). */
  valCarry: HiddenCarry;
}

/**
 * ENAS (Pham et al. 2018) on any space with a decision program: phase 'search' runs per epoch one
 * pass of shared-weight steps (one controller sample per training batch) then `controllerSteps`
 * controller steps (each: M samples, each rewarded on its own validation batch, the baseline moved
 * after each, one Adam step on the mean REINFORCE gradient); phase 'derive' samples `deriveSamples`
 * architectures, scores each on `deriveBatches` validation batches and keeps the best. Images: SGD
 * with momentum, decay on every weight, cosine with restarts, reward = accuracy. Language models
 * (enas-rnn): ENAS-pytorch's shared SGD (train/language-model.ts LmTrainer) on BPTT windows with the
 * hidden state carried, reward = c/perplexity on the next validation window. All sampling uses the
 * loop's generator (ctx.rng).
 */
export class Enas implements SearchStrategy<unknown> {
  readonly name = 'enas';
  readonly controller: EnasController;
  private readonly weights: tf.Variable[];
  /** The image trainer; null on a language-model space (which uses `lm`). */
  private readonly sgd: Sgd | null;
  private readonly lm: LmParts | null;
  private readonly program: DecisionProgram;
  private sharedSteps = 1;
  /** The moving-average baseline; null until the first reward when baselineInit is 'first-reward'. */
  private baseline: number | null;
  /** This epoch's controller-phase samples: arch text → [count, Σ reward]. */
  private epochSamples: Record<string, [number, number]> = {};
  private lastEpochTop: Array<{ text: string; count: number; share: number; meanReward: number }> = [];
  private best: { arch: unknown; score: number } | null = null;
  /** The controller's greedy sample read by prefetchHostReads (webgpu); null once the controller may have moved. */
  private greedyCache: ReturnType<EnasController['greedy']> | null = null;

  constructor(
    private readonly net: Supernet,
    readonly config: EnasConfig,
    rng: Rng,
    private readonly space: SearchSpace,
  ) {
    const program = decisionProgramOf(space);
    this.program = config.controllerOpBias
      ? program
      : {
          steps: program.steps.map((s) => (s.kind === 'op' ? { kind: 'op', label: s.label, row: s.row } : s)),
        };
    this.controller = new EnasController(
      space.choicePoints,
      this.program,
      {
        hidden: config.controllerHidden,
        layers: config.controllerLayers,
        tanhConstant: config.tanhConstant,
        opTanhReduce: config.opTanhReduce,
        temperature: config.temperature,
        lr: config.controllerLr,
        gradClip: config.controllerGradClip,
        initRange: config.controllerInitRange,
        beta1: config.controllerBeta1,
        eps: config.controllerEps,
      },
      rng,
    );
    const text = isLanguageModel(net);
    if (text && config.reward !== 'perplexity')
      throw new Error(
        `strategy.reward: the '${space.name}' space is a language model, so ENAS rewards c/perplexity: set reward to "perplexity" (it is "${config.reward}")`,
      );
    if (!text && config.reward === 'perplexity')
      throw new Error(
        `strategy.reward: "perplexity" needs a language-model space (enas-rnn); the '${space.name}' space classifies images: use "accuracy"`,
      );
    this.weights = net.parameters();
    this.sgd = text
      ? null
      : new Sgd(this.weights, { momentum: config.weightMomentum, weightDecay: config.weightDecay });
    this.lm = isLanguageModel(net)
      ? {
          net,
          trainer: new LmTrainer(this.weights, config),
          trainCarry: new HiddenCarry('lm.hidden'),
          valCarry: new HiddenCarry('lm.valHidden'),
        }
      : null;
    this.baseline = config.baselineInit === 'zero' ? 0 : null;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    this.sharedSteps = Math.min(budget.stepsPerEpochCap ?? Number.POSITIVE_INFINITY, budget.trainBatches);
    return [
      {
        name: 'search',
        title: `train shared weights (${this.sharedSteps} steps) then the controller (${this.config.controllerSteps} steps) per epoch`,
        epochs: budget.epochs,
        stepsPerEpoch: this.sharedSteps + this.config.controllerSteps,
      },
      {
        name: 'derive',
        title: 'sample architectures and keep the best on validation',
        epochs: 1,
        stepsPerEpoch: this.config.deriveSamples,
      },
    ];
  }

  step(ctx: StepContext): StepResult {
    return readNow(this.stepReads(ctx));
  }

  /**
   * The same step with its reads awaited (webgpu; see SearchStrategy.stepAsync): the controller's
   * per-decision probabilities, the rewards, and the language model's losses at the step's end.
   */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return readAwaiting(this.stepReads(ctx));
  }

  /**
   * Reads what derive and architecture read outside a step: the controller's greedy sample (its
   * decisions read one by one), kept until the controller moves (the next step) or is restored.
   */
  async prefetchHostReads(): Promise<void> {
    this.greedyCache = await readAwaiting(this.controller.greedyReads());
  }

  /** The controller's greedy sample: prefetched on webgpu, computed (read synchronously) elsewhere. */
  private greedy(): ReturnType<EnasController['greedy']> {
    return this.greedyCache ?? this.controller.greedy();
  }

  /**
   * Every step as one host-reads program (search/host-reads.ts), run by readNow in `step` and by
   * readAwaiting in `stepAsync`, so both compute the same values wherever both can run.
   */
  private *stepReads(ctx: StepContext): HostReads<StepResult> {
    this.greedyCache = null;
    if (ctx.info.phase === 'derive') return yield* this.deriveStep(ctx);
    return ctx.info.stepInEpoch < this.sharedSteps
      ? yield* this.sharedStep(ctx)
      : yield* this.controllerStep(ctx);
  }

  /**
   * One SGD step of the shared weights on one controller sample (micro_child.py _build_train): the
   * sample's decisions are its reads; the metrics come at the step boundary (scalarMetrics).
   */
  private *sharedStep(ctx: StepContext): HostReads<StepResult> {
    if (this.lm) return yield* this.textSharedStep(ctx, this.lm);
    const sgd = this.sgd as Sgd;
    const c = this.config;
    const lr = cosineRestartsLr(
      c.weightLr,
      c.weightLrMin,
      ctx.info.epoch,
      c.lrRestartPeriod,
      c.lrRestartMultiplier,
    );
    const { choices } = yield* this.drawOne(ctx.rng);
    const batch = ctx.train();
    const [trainLoss, trainAcc, gradNorm] = tf.tidy(() => {
      let acc: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = childLoss(this.net, sampleAssignment(choices), batch);
        acc = tf.keep(r.acc);
        return r.loss;
      }, this.weights);
      // Every weight takes part (zero gradient off the path): the reference's l2 term covers all.
      const aligned = this.weights.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const clipped = clipByGlobalNorm(aligned, c.gradClip);
      sgd.step(clipped.grads, lr);
      return [value, acc as tf.Scalar, clipped.norm];
    });
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['gradNorm', gradNorm],
      ['lrWeights', lr],
    ]);
  }

  /** One controller sample's choices (its log p and entropy, not needed here, not read). */
  private *drawOne(rng: Rng): HostReads<{ choices: Choices }> {
    const d = yield* this.controller.drawReads(rng, 1);
    tf.dispose([d.logProb, d.entropy]);
    return { choices: d.choices[0] };
  }

  /**
   * One shared step on a language model (ENAS-pytorch train_shared, one sample per step): the next
   * BPTT window of the search-train streams under one controller sample, the hidden state carried
   * from the previous window (zeros where a pass starts), SGD lr·0.96^max(0, epoch − 15), clip 0.25.
   * The loss and gradient norm are the step's last read (its perplexity is their host function).
   */
  private *textSharedStep(ctx: StepContext, lm: LmParts): HostReads<StepResult> {
    if (!ctx.text)
      throw new Error(`the '${this.space.name}' space is a language model: the search data must be text`);
    const lr = lm.trainer.startEpoch(ctx.info.epoch);
    const { choices } = yield* this.drawOne(ctx.rng);
    const r = lmTrainStepTensors(
      lm.net,
      lm.trainer,
      lm.trainCarry,
      ctx.text.train(),
      sampleAssignment(choices),
      ctx.rng,
    );
    let loss: number;
    let gradNorm: number;
    try {
      const [l, g] = yield [r.loss, r.gradNorm];
      [loss, gradNorm] = [l[0], g[0]];
    } finally {
      tf.dispose([r.loss, r.gradNorm]);
    }
    return {
      metrics: { trainLoss: loss, trainPpl: Math.exp(loss), gradNorm, lrWeights: lr },
    };
  }

  /** The task reward of one sampled child on the next validation batch (text: window), not read yet. */
  private rewardOf(ctx: StepContext, choices: Choices): PendingReward {
    const arch = sampleAssignment(choices);
    if (this.lm) {
      if (!ctx.text) throw new Error('the perplexity reward needs text validation data');
      return perplexityReward(this.lm.net, arch, ctx.text.val(), this.lm.valCarry, this.config.rewardC);
    }
    return REWARDS[this.config.reward as keyof typeof REWARDS](this.net, arch, ctx.val());
  }

  /**
   * M samples rewarded on their own validation batches, then one REINFORCE step (build_trainer).
   * Reads: the sampling's decisions, then the M rewards and entropies together; the REINFORCE pass
   * replays the controller on the known decisions under the tape and reads nothing (its loss and
   * gradient norm come at the step boundary).
   */
  private *controllerStep(ctx: StepContext): HostReads<StepResult> {
    const c = this.config;
    // ENAS-pytorch starts each epoch's controller phase with no baseline (its first reward sets it).
    if (c.baselineInit === 'first-reward' && ctx.info.stepInEpoch === this.sharedSteps) this.baseline = null;
    const samples: Array<{ choices: Choices; advantage: number }> = [];
    let sumR = 0;
    let sumAdv = 0;
    let sumEnt = 0;
    let sumAcc = 0;
    let sumPpl = 0;
    // The M children drawn in one batched rollout, then rewarded one by one on their own batches.
    const drawn = yield* this.controller.drawReads(ctx.rng, c.controllerAggregate);
    const pending = drawn.choices.map((choices) => this.rewardOf(ctx, choices));
    // One read: the entropies with every reward's scalars (the baseline needs both).
    const { rewards, entropies } = yield* rewardsWithEntropies(pending, drawn);
    drawn.choices.forEach((choices, m) => {
      const r = rewards[m];
      const entropy = entropies[m];
      const R = r.reward + c.entropyWeight * entropy;
      const baseline = this.baseline === null ? R : updatedBaseline(this.baseline, R, c.baselineDecay);
      this.baseline = baseline;
      const advantage = R - baseline;
      samples.push({ choices, advantage });
      sumR += R;
      sumAdv += advantage;
      sumEnt += entropy;
      sumAcc += r.reward;
      sumPpl += r.metrics.childValPpl ?? 0;
      const text = this.space.toText(this.space.fromChoices(choices));
      const e = (this.epochSamples[text] ??= [0, 0]);
      e[0] += 1;
      e[1] += R;
    });
    const { loss, gradNorm } = this.controller.reinforceTensors(samples);
    const M = c.controllerAggregate;
    const last = ctx.info.stepInEpoch === ctx.info.stepsPerEpoch - 1;
    return {
      ...(last ? { candidates: this.summarizeEpoch(ctx.info.epoch) } : {}),
      ...scalarMetrics([
        ['reward', sumR / M],
        this.lm ? ['childValPpl', sumPpl / M] : ['childValAcc', sumAcc / M],
        ['baseline', this.baseline as number],
        ['advantage', sumAdv / M],
        ['entropy', sumEnt / M],
        ['controllerLoss', loss],
        ['controllerGradNorm', gradNorm],
      ]),
    };
  }

  /**
   * One sampled architecture scored on `deriveBatches` validation batches, as a host-reads program
   * (the k rewards read together). Images: the mean reward over the next k batches. Text:
   * c/perplexity over the first k windows of the validation split (the same windows for every
   * sample; the hidden state from zeros, carried).
   */
  private *deriveScore(ctx: StepContext, choices: Choices): HostReads<RewardResult> {
    const k = this.config.deriveBatches;
    const arch = sampleAssignment(choices);
    if (this.lm) {
      if (!ctx.text) throw new Error('the perplexity reward needs text validation data');
      const e = yield* languageModelEvaluationReads(this.lm.net, arch, firstWindows(ctx.text.valSplit(), k));
      return {
        reward: languageModelReward(e.loss, this.config.rewardC),
        metrics: { valLoss: e.loss, valPpl: e.perplexity, tokens: e.tokens },
      };
    }
    const rs = yield* rewardsRead(Array.from({ length: k }, () => this.rewardOf(ctx, choices)));
    const mean = (f: (r: RewardResult) => number) => rs.reduce((a, r) => a + f(r), 0) / k;
    const keys = Object.keys(rs[0].metrics);
    return {
      reward: mean((r) => r.reward),
      metrics: Object.fromEntries(keys.map((key) => [key, mean((r) => r.metrics[key])])),
    };
  }

  private *deriveStep(ctx: StepContext): HostReads<StepResult> {
    const [s] = yield* this.controller.samplesRead(this.controller.drawReads(ctx.rng, 1));
    const r = yield* this.deriveScore(ctx, s.choices);
    const arch = this.space.fromChoices(s.choices);
    if (!this.best || r.reward > this.best.score) this.best = { arch, score: r.reward };
    const candidate: CandidateScore = {
      genotype: arch,
      text: this.space.toText(arch),
      score: r.reward,
      metrics: { ...r.metrics, logProb: s.logProb, entropy: s.entropy },
      round: 'derive',
    };
    return {
      metrics: {
        score: r.reward,
        bestScore: this.best.score,
        entropy: s.entropy,
        ...(this.lm ? { valPpl: r.metrics.valPpl } : {}),
      },
      candidates: [candidate],
    };
  }

  /**
   * The epoch's most sampled architectures (controller steps), as candidates of round 'sampled' whose
   * score is their share of the epoch's samples (the dashboard's ENAS panel lists them per epoch).
   */
  private summarizeEpoch(epoch: number): CandidateScore[] {
    const total = Object.values(this.epochSamples).reduce((n, [k]) => n + k, 0);
    this.lastEpochTop = Object.entries(this.epochSamples)
      .sort((a, b) => b[1][0] - a[1][0] || (a[0] < b[0] ? -1 : 1))
      .slice(0, TOP_ARCHS)
      .map(([text, [count, sum]]) => ({
        text,
        count,
        share: count / Math.max(1, total),
        meanReward: sum / count,
      }));
    return this.lastEpochTop.map((t) => ({
      genotype: this.space.fromText(t.text),
      text: t.text,
      score: t.share,
      metrics: { epoch, count: t.count, share: t.share, meanReward: t.meanReward },
      round: 'sampled',
    }));
  }

  epochEnd(info: StepInfo): StepMetrics {
    if (info.phase !== 'search') return {};
    const distinct = Object.keys(this.epochSamples).length;
    this.epochSamples = {};
    return { topArchShare: this.lastEpochTop[0]?.share ?? 0, distinctArchs: distinct };
  }

  /** The most sampled architectures of the last finished epoch (the dashboard's list). */
  topArchitectures(): ReadonlyArray<{ text: string; count: number; share: number; meanReward: number }> {
    return this.lastEpochTop;
  }

  /** The best derivation sample, or the controller's greedy architecture before the derive phase. */
  derive(): unknown {
    if (this.best) return this.best.arch;
    return this.space.fromChoices(this.greedy().choices);
  }

  /** Per label the controller's distributions along its greedy sample (input rows padded with 0). */
  architecture(): ArchSnapshot {
    const { dists } = this.greedy();
    const out: ArchSnapshot = {};
    for (const cp of this.space.choicePoints)
      out[cp.label] = {
        kind: 'controller',
        title: cp.title,
        caption: 'controller probabilities along its greedy sample',
        rows: [...cp.rows],
        options: [...cp.options],
        values: cp.rows.map(() => cp.options.map(() => 0)),
      };
    for (const d of dists) {
      const row = out[d.label].values[d.row];
      d.probs.forEach((p, k) => (row[k] = p));
    }
    return out;
  }

  getState(): NamedTensorState {
    const ctl = this.controller.getState();
    const w = this.sgd?.getState() ?? { scalars: {}, tensors: {} };
    const tensors: NamedTensorState['tensors'] = {};
    for (const [k, t] of Object.entries(ctl.tensors)) tensors[`controller.${k}`] = t;
    for (const [k, t] of Object.entries(w.tensors)) tensors[`sgd.${k}`] = t;
    if (this.lm) Object.assign(tensors, this.lm.trainCarry.tensors(), this.lm.valCarry.tensors());
    return {
      scalars: {
        ...ctl.scalars,
        ...(this.lm ? { lmLr: this.lm.trainer.lr } : {}),
        baseline: this.baseline,
        epochSamples: JSON.stringify(this.epochSamples),
        lastEpochTop: JSON.stringify(this.lastEpochTop),
        best: JSON.stringify(this.best),
      },
      tensors,
    };
  }

  setState(state: NamedTensorState): void {
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(state.tensors)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, t]) => [k.slice(prefix.length), t]),
      );
    this.controller.setState({ scalars: state.scalars, tensors: pick('controller.') });
    this.sgd?.setState({ scalars: {}, tensors: pick('sgd.') });
    if (this.lm) {
      this.lm.trainer.setState({ scalars: { lr: state.scalars.lmLr ?? this.lm.trainer.lr }, tensors: {} });
      this.lm.trainCarry.restore(state.tensors);
      this.lm.valCarry.restore(state.tensors);
    }
    const b = state.scalars.baseline;
    this.baseline = b === null ? null : Number(b ?? 0);
    this.epochSamples = JSON.parse(String(state.scalars.epochSamples ?? '{}'));
    this.lastEpochTop = JSON.parse(String(state.scalars.lastEpochTop ?? '[]'));
    this.best = JSON.parse(String(state.scalars.best ?? 'null'));
    this.greedyCache = null;
  }

  dispose(): void {
    this.controller.dispose();
    this.sgd?.dispose();
    if (this.lm) {
      this.lm.trainer.dispose();
      this.lm.trainCarry.dispose();
      this.lm.valCarry.dispose();
    }
  }
}
