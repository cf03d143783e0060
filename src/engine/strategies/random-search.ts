import * as tf from '../tf';
import type { NamedTensorState } from '../optim/state';
import type { Choices, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import { sampleAssignment, type Supernet } from '../search/supernet';
import type { ArchSnapshot, CandidateScore, PhaseBudget, PhasePlan, SearchStrategy, StepContext, StepResult } from '../search/strategy';
import { accuracy, crossEntropy } from '../train/loss';
import { WeightTrainer } from '../train/weight-trainer';
import type { RandomSearchConfig } from './random-search-spec';

/** A scored candidate as the strategy keeps it (checkpointed as JSON). */
interface Scored {
  genotype: unknown;
  score: number;
  loss: number;
}

/**
 * Random search with weight sharing (Li & Talwalkar 2019), two phases:
 * 1. 'supernet': every step trains the supernet on one uniformly sampled architecture (the space's
 *    sampler; DARTS: 2 distinct inputs per node, each with a uniform op). Only the sampled path's
 *    weights move: the others have no gradient, as the reference sets every grad to None first.
 * 2. 'evaluate': `candidates` steps each sample an architecture and score it (validation accuracy)
 *    with the inherited weights on `scoreBatches` validation batches; then `rescoreTop` steps
 *    re-score the best on as many batches as the validation split holds. The answer is the best
 *    re-scored candidate (ties: the one sampled first).
 * All randomness is the loop's checkpointed generator, so a resumed run draws the same candidates.
 */
export class RandomSearch implements SearchStrategy {
  readonly name = 'random-search';
  private readonly weights: tf.Variable[];
  private readonly trainer: WeightTrainer;
  /** Per label, per row, per option: how often phase 1 sampled it. */
  private counts: Record<string, number[][]>;
  private samples = 0;
  private sampled: Scored[] = [];
  private rescored: Scored[] = [];
  private valBatches = 1;

  constructor(
    private readonly net: Supernet,
    private readonly cfg: RandomSearchConfig,
    private readonly space: SearchSpace,
  ) {
    this.weights = net.parameters();
    this.trainer = new WeightTrainer(this.weights, cfg);
    this.counts = Object.fromEntries(space.choicePoints.map((cp) => [cp.label, cp.rows.map(() => cp.options.map(() => 0))]));
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    this.valBatches = budget.valBatches;
    return [
      {
        name: 'supernet',
        title: 'train the supernet (one random path per batch)',
        epochs: budget.epochs,
        stepsPerEpoch: Math.min(budget.stepsPerEpochCap ?? Number.POSITIVE_INFINITY, budget.trainBatches),
      },
      {
        name: 'evaluate',
        title: `score ${this.cfg.candidates} candidates, re-score the best ${this.rescoreCount}`,
        epochs: 1,
        stepsPerEpoch: this.cfg.candidates + this.rescoreCount,
      },
    ];
  }

  private get rescoreCount(): number {
    return Math.min(this.cfg.rescoreTop, this.cfg.candidates);
  }

  step(ctx: StepContext): StepResult {
    return ctx.info.phase === 'supernet' ? this.trainStep(ctx) : this.evaluateStep(ctx);
  }

  private trainStep(ctx: StepContext): StepResult {
    const arch = this.space.sample(ctx.rng);
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
    const [trainLoss, trainAcc, gradNorm] = out.map((t) => t.dataSync()[0]);
    tf.dispose(out);
    return { metrics: { trainLoss, trainAcc, gradNorm, lrWeights: lr } };
  }

  private count(choices: Choices): void {
    this.samples += 1;
    for (const [label, row] of Object.entries(choices)) row.forEach((k, r) => k >= 0 && (this.counts[label][r][k] += 1));
  }

  /** Validation accuracy and loss of one architecture with the supernet's weights over `batches` batches. */
  private score(genotype: unknown, batches: number, ctx: StepContext): Scored {
    const assignment = sampleAssignment(this.space.choices(genotype));
    const forward = { training: this.cfg.batchNorm === 'batch', frozenStats: true };
    let correct = 0;
    let lossSum = 0;
    let n = 0;
    for (let i = 0; i < batches; i++) {
      const b = ctx.val();
      const [loss, acc] = tf.tidy(() => {
        const logits = this.net.logits(b.x, assignment, forward);
        return [crossEntropy(logits, b.y), accuracy(logits, b.y)].map((t) => t.dataSync()[0]);
      });
      const size = b.y.shape[0];
      correct += acc * size;
      lossSum += loss * size;
      n += size;
      // Done with it: a whole-split re-score would otherwise hold every batch until the step ends.
      tf.dispose([b.x, b.y]);
    }
    return { genotype, score: correct / n, loss: lossSum / n };
  }

  private evaluateStep(ctx: StepContext): StepResult {
    const k = ctx.info.stepInEpoch;
    let scored: Scored;
    let round: string;
    if (k < this.cfg.candidates) {
      scored = this.score(this.space.sample(ctx.rng), this.cfg.scoreBatches, ctx);
      this.sampled.push(scored);
      round = 'sample';
    } else {
      const top = this.ranked(this.sampled).slice(0, this.rescoreCount);
      scored = this.score(top[k - this.cfg.candidates].genotype, this.valBatches, ctx);
      this.rescored.push(scored);
      round = 'rescore';
    }
    const candidate: CandidateScore = {
      genotype: scored.genotype,
      text: this.space.toText(scored.genotype),
      score: scored.score,
      metrics: { valLoss: scored.loss, valAcc: scored.score },
      round,
    };
    const best = this.best();
    return { metrics: { score: scored.score, valLoss: scored.loss, bestScore: best ? best.score : scored.score }, candidates: [candidate] };
  }

  /** Best first; ties keep the earlier candidate (a stable sort). */
  private ranked(list: Scored[]): Scored[] {
    return [...list].sort((a, b) => b.score - a.score);
  }

  /** The answer so far: the best re-scored candidate, else the best sampled one. */
  private best(): Scored | null {
    return this.ranked(this.rescored)[0] ?? this.ranked(this.sampled)[0] ?? null;
  }

  /** Fraction of phase 1's sampled architectures that used each option on each row. */
  private frequencies(): Record<string, number[][]> {
    const n = Math.max(1, this.samples);
    return Object.fromEntries(Object.entries(this.counts).map(([label, rows]) => [label, rows.map((r) => r.map((c) => c / n))]));
  }

  epochEnd(): Record<string, number> {
    return {};
  }

  /**
   * The best candidate once phase 2 has scored one. Before that there is no answer yet; the space's
   * discretisation of the sampling frequencies stands in (a valid architecture, not a search result).
   */
  derive(): unknown {
    return this.best()?.genotype ?? this.space.derive(this.frequencies());
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'sampling', this.frequencies());
  }

  getState(): NamedTensorState {
    const w = this.trainer.getState();
    return {
      scalars: {
        ...w.scalars,
        samples: this.samples,
        counts: JSON.stringify(this.counts),
        sampled: JSON.stringify(this.sampled),
        rescored: JSON.stringify(this.rescored),
      },
      tensors: w.tensors,
    };
  }

  setState(state: NamedTensorState): void {
    this.trainer.setState(state);
    const s = state.scalars;
    this.samples = Number(s.samples ?? 0);
    if (typeof s.counts === 'string') this.counts = JSON.parse(s.counts);
    this.sampled = typeof s.sampled === 'string' ? JSON.parse(s.sampled) : [];
    this.rescored = typeof s.rescored === 'string' ? JSON.parse(s.rescored) : [];
  }

  dispose(): void {
    this.trainer.dispose();
  }
}
