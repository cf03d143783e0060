import * as tf from '../../tf';
import { decisionProgramOf, type DecisionProgram } from '../../search/decision-program';
import type { Choices, SearchSpace } from '../../search/space';
import { sampleAssignment, type Supernet } from '../../search/supernet';
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
import { clipByGlobalNorm } from '../../optim/clip';
import { Sgd } from '../../optim/sgd';
import type { Rng } from '../../util/rng';
import type { EnasConfig } from '../enas-spec';
import { EnasController } from './controller';
import { childLoss, REWARDS } from './reward';

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

/**
 * ENAS (Pham et al. 2018) on any space with a decision program: phase 'search' runs per epoch one
 * pass of shared-weight steps (one controller sample per training batch, SGD with momentum, decay on
 * every weight, cosine with restarts) then `controllerSteps` controller steps (each: M samples, each
 * rewarded on its own validation batch, the baseline moved after each, one Adam step on the mean
 * REINFORCE gradient); phase 'derive' samples `deriveSamples` architectures, scores each on one
 * validation batch and keeps the best. All sampling uses the loop's generator (ctx.rng).
 */
export class Enas implements SearchStrategy<unknown> {
  readonly name = 'enas';
  readonly controller: EnasController;
  private readonly weights: tf.Variable[];
  private readonly sgd: Sgd;
  private readonly program: DecisionProgram;
  private sharedSteps = 1;
  private baseline = 0;
  /** This epoch's controller-phase samples: arch text → [count, Σ reward]. */
  private epochSamples: Record<string, [number, number]> = {};
  private lastEpochTop: Array<{ text: string; count: number; share: number; meanReward: number }> = [];
  private best: { arch: unknown; score: number } | null = null;

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
      },
      rng,
    );
    this.weights = net.parameters();
    this.sgd = new Sgd(this.weights, { momentum: config.weightMomentum, weightDecay: config.weightDecay });
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
    if (ctx.info.phase === 'derive') return this.deriveStep(ctx);
    return ctx.info.stepInEpoch < this.sharedSteps ? this.sharedStep(ctx) : this.controllerStep(ctx);
  }

  /** One SGD step of the shared weights on one controller sample (micro_child.py _build_train). */
  private sharedStep(ctx: StepContext): StepResult {
    const c = this.config;
    const lr = cosineRestartsLr(
      c.weightLr,
      c.weightLrMin,
      ctx.info.epoch,
      c.lrRestartPeriod,
      c.lrRestartMultiplier,
    );
    const { choices } = this.controller.sample(ctx.rng);
    const batch = ctx.train();
    const out = tf.tidy(() => {
      let acc: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const r = childLoss(this.net, sampleAssignment(choices), batch);
        acc = tf.keep(r.acc);
        return r.loss;
      }, this.weights);
      // Every weight takes part (zero gradient off the path): the reference's l2 term covers all.
      const aligned = this.weights.map((v) => grads[v.name] ?? tf.zerosLike(v));
      const clipped = clipByGlobalNorm(aligned, c.gradClip);
      this.sgd.step(clipped.grads, lr);
      return [value, acc as tf.Scalar, clipped.norm];
    });
    const [trainLoss, trainAcc, gradNorm] = out.map((t) => t.dataSync()[0]);
    tf.dispose(out);
    return { metrics: { trainLoss, trainAcc, gradNorm, lrWeights: lr } };
  }

  /** M samples rewarded on their own validation batches, then one REINFORCE step (build_trainer). */
  private controllerStep(ctx: StepContext): StepResult {
    const c = this.config;
    const rewardOf = REWARDS[c.reward];
    const samples: Array<{ choices: Choices; advantage: number }> = [];
    let sumR = 0;
    let sumAdv = 0;
    let sumEnt = 0;
    let sumAcc = 0;
    // The M children drawn in one batched rollout, then rewarded one by one on their own batches.
    for (const s of this.controller.sampleMany(ctx.rng, c.controllerAggregate)) {
      const r = rewardOf(this.net, sampleAssignment(s.choices), ctx.val());
      const R = r.reward + c.entropyWeight * s.entropy;
      this.baseline = updatedBaseline(this.baseline, R, c.baselineDecay);
      const advantage = R - this.baseline;
      samples.push({ choices: s.choices, advantage });
      sumR += R;
      sumAdv += advantage;
      sumEnt += s.entropy;
      sumAcc += r.reward;
      const text = this.space.toText(this.space.fromChoices(s.choices));
      const e = (this.epochSamples[text] ??= [0, 0]);
      e[0] += 1;
      e[1] += R;
    }
    const { loss, gradNorm } = this.controller.reinforce(samples);
    const M = c.controllerAggregate;
    const last = ctx.info.stepInEpoch === ctx.info.stepsPerEpoch - 1;
    return {
      ...(last ? { candidates: this.summarizeEpoch(ctx.info.epoch) } : {}),
      metrics: {
        reward: sumR / M,
        childValAcc: sumAcc / M,
        baseline: this.baseline,
        advantage: sumAdv / M,
        entropy: sumEnt / M,
        controllerLoss: loss,
        controllerGradNorm: gradNorm,
      },
    };
  }

  /** One sampled architecture scored on one validation batch; the best is kept. */
  private deriveStep(ctx: StepContext): StepResult {
    const s = this.controller.sample(ctx.rng);
    const r = REWARDS[this.config.reward](this.net, sampleAssignment(s.choices), ctx.val());
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
      metrics: { score: r.reward, bestScore: this.best.score, entropy: s.entropy },
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
    return this.space.fromChoices(this.controller.greedy().choices);
  }

  /** Per label the controller's distributions along its greedy sample (input rows padded with 0). */
  architecture(): ArchSnapshot {
    const { dists } = this.controller.greedy();
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
    const w = this.sgd.getState();
    const tensors: NamedTensorState['tensors'] = {};
    for (const [k, t] of Object.entries(ctl.tensors)) tensors[`controller.${k}`] = t;
    for (const [k, t] of Object.entries(w.tensors)) tensors[`sgd.${k}`] = t;
    return {
      scalars: {
        ...ctl.scalars,
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
    this.sgd.setState({ scalars: {}, tensors: pick('sgd.') });
    this.baseline = Number(state.scalars.baseline ?? 0);
    this.epochSamples = JSON.parse(String(state.scalars.epochSamples ?? '{}'));
    this.lastEpochTop = JSON.parse(String(state.scalars.lastEpochTop ?? '[]'));
    this.best = JSON.parse(String(state.scalars.best ?? 'null'));
  }

  dispose(): void {
    this.controller.dispose();
    this.sgd.dispose();
  }
}
