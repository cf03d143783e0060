import type { NamedTensorState } from '../optim/state';
import { evaluationReads } from '../search/evaluate';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import type { InputShape, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import { isLanguageModel, sampleAssignment, type Supernet } from '../search/supernet';
import type { TextBatch } from '../data/batch';
import { languageModelEvaluationReads, languageModelReward } from '../train/language-model';
import type {
  ArchSnapshot,
  CandidateScore,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepResult,
} from '../search/strategy';
import type { RandomSearchConfig } from './random-search-spec';
import { SinglePathTraining } from './single-path';
import { candidateCosts } from './spos';

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
 *    weights move: the others have no gradient, as the reference sets every grad to None first
 *    (single-path.ts, shared with SPOS and regularized evolution).
 * 2. 'evaluate': `candidates` steps each sample an architecture and score it (validation accuracy)
 *    with the inherited weights on `scoreBatches` validation batches (search/evaluate.ts); then
 *    `rescoreTop` steps re-score the best on as many batches as the validation split holds. The
 *    answer is the best re-scored candidate (ties: the one sampled first).
 * All randomness is the loop's checkpointed generator, so a resumed run draws the same candidates.
 */
export class RandomSearch implements SearchStrategy {
  readonly name = 'random-search';
  private readonly supernet: SinglePathTraining;
  private sampled: Scored[] = [];
  private rescored: Scored[] = [];
  private valBatches = 1;

  constructor(
    private readonly net: Supernet,
    private readonly cfg: RandomSearchConfig,
    private readonly space: SearchSpace,
    /** The data's shape, for the candidates' costs (FLOPs only when its size is known). */
    private readonly shape: InputShape = { size: 0, channels: 0, classes: 0 },
  ) {
    this.supernet = new SinglePathTraining(net, space, cfg);
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    this.valBatches = budget.valBatches;
    return [
      SinglePathTraining.phase(budget),
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
    return ctx.info.phase === 'supernet' ? this.supernet.step(ctx) : readNow(this.evaluateStep(ctx));
  }

  /** The same step, the candidate's score read asynchronously (webgpu; see SearchStrategy.stepAsync). */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return ctx.info.phase === 'supernet' ? this.supernet.step(ctx) : readAwaiting(this.evaluateStep(ctx));
  }

  /** Nothing to read ahead: the epoch-end hooks read only host values (scores, sampling counts). */
  async prefetchHostReads(): Promise<void> {}

  /**
   * Validation accuracy and loss of one architecture with the supernet's weights over `batches` batches.
   * On a language-model space the score is ENAS's reward 80/perplexity (higher is better), over
   * `batches` validation windows, or over the whole validation split when `whole` (the re-score).
   */
  private *score(genotype: unknown, batches: number, ctx: StepContext, whole = false): HostReads<Scored> {
    if (ctx.text && isLanguageModel(this.net)) {
      const text = ctx.text;
      const windows = whole
        ? text.valSplit()
        : (function* (): Generator<TextBatch> {
            for (let i = 0; i < batches; i++) yield text.val();
          })();
      const e = yield* languageModelEvaluationReads(
        this.net,
        sampleAssignment(this.space.choices(genotype)),
        windows,
      );
      return { genotype, score: languageModelReward(e.loss), loss: e.loss };
    }
    const e = yield* evaluationReads(this.net, this.space.choices(genotype), {
      batches,
      val: ctx.val,
      batchNorm: this.cfg.batchNorm,
    });
    return { genotype, score: e.accuracy, loss: e.loss };
  }

  /** Phase 2's step as a host-reads program: the candidate's score is its one read. */
  private *evaluateStep(ctx: StepContext): HostReads<StepResult> {
    const k = ctx.info.stepInEpoch;
    let scored: Scored;
    let round: string;
    if (k < this.cfg.candidates) {
      scored = yield* this.score(this.space.sample(ctx.rng), this.cfg.scoreBatches, ctx);
      this.sampled.push(scored);
      round = 'sample';
    } else {
      const top = this.ranked(this.sampled).slice(0, this.rescoreCount);
      scored = yield* this.score(top[k - this.cfg.candidates].genotype, this.valBatches, ctx, true);
      this.rescored.push(scored);
      round = 'rescore';
    }
    const quality: Record<string, number> = ctx.text
      ? { valPpl: Math.exp(scored.loss) }
      : { valAcc: scored.score };
    const candidate: CandidateScore = {
      genotype: scored.genotype,
      text: this.space.toText(scored.genotype),
      score: scored.score,
      metrics: {
        valLoss: scored.loss,
        ...quality,
        ...candidateCosts(this.space, this.shape, scored.genotype),
      },
      round,
    };
    const best = this.best();
    return {
      metrics: { score: scored.score, valLoss: scored.loss, bestScore: best ? best.score : scored.score },
      candidates: [candidate],
    };
  }

  /** Best first; ties keep the earlier candidate (a stable sort). */
  private ranked(list: Scored[]): Scored[] {
    return [...list].sort((a, b) => b.score - a.score);
  }

  /** The answer so far: the best re-scored candidate, else the best sampled one. */
  private best(): Scored | null {
    return this.ranked(this.rescored)[0] ?? this.ranked(this.sampled)[0] ?? null;
  }

  epochEnd(): Record<string, number> {
    return {};
  }

  /**
   * The best candidate once phase 2 has scored one. Before that there is no answer yet; the space's
   * discretisation of the sampling frequencies stands in (a valid architecture, not a search result).
   */
  derive(): unknown {
    return this.best()?.genotype ?? this.space.derive(this.supernet.frequencies());
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'sampling', this.supernet.frequencies());
  }

  getState(): NamedTensorState {
    const w = this.supernet.getState();
    return {
      scalars: {
        ...w.scalars,
        sampled: JSON.stringify(this.sampled),
        rescored: JSON.stringify(this.rescored),
      },
      tensors: w.tensors,
    };
  }

  setState(state: NamedTensorState): void {
    this.supernet.setState(state);
    const s = state.scalars;
    this.sampled = typeof s.sampled === 'string' ? JSON.parse(s.sampled) : [];
    this.rescored = typeof s.rescored === 'string' ? JSON.parse(s.rescored) : [];
  }

  dispose(): void {
    this.supernet.dispose();
  }
}
