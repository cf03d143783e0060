import type { NamedTensorState } from '../optim/state';
import type { Evaluation } from '../search/evaluate';
import type { InputShape, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import type {
  ArchSnapshot,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepMetrics,
  StepResult,
  StrategyContext,
} from '../search/strategy';
import type { Rng } from '../util/rng';
import type { RegularizedEvolutionConfig } from './evolution-spec';
import {
  bestOrSampled,
  restoreEvolutionState,
  scoredCandidateStep,
  withEvolutionState,
} from './evolution-phase';
import { choiceFrequencies, SinglePathTraining } from './single-path';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import {
  candidateCosts,
  scoreReadsOf,
  supernetScoreReads,
  type CandidateScoreReads,
  type CandidateScorer,
} from './spos';

/** A scored member of the history (checkpointed as JSON). */
export interface AgedCandidate {
  genotype: unknown;
  text: string;
  score: number;
  loss: number;
  /** 'initial' (the random population) or 'mutation'. */
  origin: 'initial' | 'mutation';
  /** The parent's index in the history (mutations only). */
  parent?: number;
}

/**
 * Regularized (aging) evolution as plain data (Real et al. 2019, Algorithm 1; D-X-Y/AutoDL-Projects
 * exps/NAS-Bench-201-algos/R_EA.py): first `population` random architectures; then every cycle draws
 * `sampleSize` members uniformly with replacement, the best of them (the first on ties, as Python's
 * max) is the parent, the child is the parent with one random decision changed to a different option
 * (space.mutate without a probability), the child joins and the oldest member leaves. Duplicates are
 * allowed, as in the reference. The answer is the best of the whole history, so a best member that
 * ages out of the population is still the answer.
 */
export class AgingEvolution {
  /** Every scored architecture, in order. */
  history: AgedCandidate[] = [];
  /** Indices into `history`, oldest first. */
  population: number[] = [];

  constructor(
    private readonly space: SearchSpace,
    private readonly cfg: { population: number; sampleSize: number },
  ) {}

  /** The next architecture to score, drawn with the given generator. */
  propose(rng: Rng): { arch: unknown; origin: AgedCandidate['origin']; parent?: number } {
    if (this.history.length < this.cfg.population) return { arch: this.space.sample(rng), origin: 'initial' };
    let parent = -1;
    for (let i = 0; i < this.cfg.sampleSize; i++) {
      const m = this.population[rng.int(this.population.length)];
      if (parent < 0 || this.history[m].score > this.history[parent].score) parent = m;
    }
    return { arch: this.space.mutate(this.history[parent].genotype, rng), origin: 'mutation', parent };
  }

  /** Appends a scored architecture; once the population is full, the oldest member leaves. */
  record(p: ReturnType<AgingEvolution['propose']>, e: Evaluation): AgedCandidate {
    const c: AgedCandidate = {
      genotype: p.arch,
      text: this.space.toText(p.arch),
      score: e.accuracy,
      loss: e.loss,
      origin: p.origin,
      ...(p.parent !== undefined ? { parent: p.parent } : {}),
    };
    this.history.push(c);
    this.population.push(this.history.length - 1);
    if (p.origin === 'mutation') this.population.shift();
    return c;
  }

  /** The best of the whole history (the first on ties), or null before any. */
  best(): AgedCandidate | null {
    let best: AgedCandidate | null = null;
    for (const c of this.history) if (!best || c.score > best.score) best = c;
    return best;
  }

  members(): AgedCandidate[] {
    return this.population.map((i) => this.history[i]);
  }

  toJSON(): string {
    return JSON.stringify({ history: this.history, population: this.population });
  }

  restore(json: string): void {
    const s = JSON.parse(json);
    this.history = s.history;
    this.population = s.population;
  }
}

/**
 * Regularized evolution with weight sharing, two phases:
 * 1. 'supernet': SPOS's supernet training, one uniformly sampled path per batch (single-path.ts).
 * 2. 'evolution': one architecture scored per step (AgingEvolution above) with the inherited weights,
 *    scored as SPOS scores (BatchNorm recalibration, then validation accuracy); `cycles` steps.
 */
export class RegularizedEvolution implements SearchStrategy {
  readonly name = 'regularized-evolution';
  private readonly supernet: SinglePathTraining;
  private readonly evolution: AgingEvolution;
  private readonly scorer: CandidateScoreReads;
  private readonly cfg: RegularizedEvolutionConfig;
  private readonly space: SearchSpace;
  private readonly shape: InputShape;

  constructor(ctx: StrategyContext<RegularizedEvolutionConfig>, hooks: { scorer?: CandidateScorer } = {}) {
    this.cfg = ctx.config;
    this.space = ctx.space;
    this.shape = ctx.shape ?? { size: 0, channels: 0, classes: 0 };
    this.supernet = new SinglePathTraining(ctx.net, ctx.space, ctx.config);
    this.evolution = new AgingEvolution(ctx.space, ctx.config);
    this.scorer = scoreReadsOf(hooks.scorer, () => supernetScoreReads(ctx.net, ctx.space, ctx.config));
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      SinglePathTraining.phase(budget),
      {
        name: 'evolution',
        title: `evolve: ${this.cfg.cycles} architectures (population ${this.cfg.population}, tournament ${this.cfg.sampleSize})`,
        epochs: 1,
        stepsPerEpoch: this.cfg.cycles,
      },
    ];
  }

  step(ctx: StepContext): StepResult {
    return ctx.info.phase === 'supernet' ? this.supernet.step(ctx) : readNow(this.evolutionStep(ctx));
  }

  /** The same step, the candidate's score read asynchronously (webgpu; see SearchStrategy.stepAsync). */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return ctx.info.phase === 'supernet' ? this.supernet.step(ctx) : readAwaiting(this.evolutionStep(ctx));
  }

  /** Nothing to read ahead: the epoch-end hooks read only host values (scores, sampling counts). */
  async prefetchHostReads(): Promise<void> {}

  /** Phase 2's step as a host-reads program: the candidate's score is its one read. */
  private *evolutionStep(ctx: StepContext): HostReads<StepResult> {
    const p = this.evolution.propose(ctx.rng);
    const c = this.evolution.record(p, yield* this.scorer(p.arch, ctx));
    const members = this.evolution.members();
    const scores = members.map((m) => m.score);
    const metrics: StepMetrics = {
      score: c.score,
      valLoss: c.loss,
      bestScore: (this.evolution.best() as AgedCandidate).score,
      populationBest: Math.max(...scores),
      populationMean: scores.reduce((a, b) => a + b, 0) / scores.length,
    };
    return scoredCandidateStep(metrics, c, {
      valLoss: c.loss,
      valAcc: c.score,
      ...candidateCosts(this.space, this.shape, c.genotype),
    });
  }

  epochEnd(): StepMetrics {
    return {};
  }

  /** The best of the history; before phase 2 the discretised sampling frequencies stand in. */
  derive(): unknown {
    return bestOrSampled(this.evolution.best(), this.space, this.supernet);
  }

  /** Phase 1: how often each option was sampled; phase 2: how often the population uses it. */
  architecture(): ArchSnapshot {
    const members = this.evolution.members();
    if (!members.length) return snapshotOf(this.space, 'sampling', this.supernet.frequencies());
    const shares = choiceFrequencies(
      this.space,
      members.map((m) => m.genotype),
    );
    return snapshotOf(this.space, 'sampling', shares, 'share of the population');
  }

  /** The evolution's population (oldest first) and whole history. */
  get aging(): AgingEvolution {
    return this.evolution;
  }

  getState(): NamedTensorState {
    return withEvolutionState(this.supernet.getState(), this.evolution);
  }

  setState(state: NamedTensorState): void {
    this.supernet.setState(state);
    restoreEvolutionState(state, this.evolution);
  }

  dispose(): void {
    this.supernet.dispose();
  }
}
