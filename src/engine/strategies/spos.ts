import type { NamedTensorState } from '../optim/state';
import { evaluationReads, type Evaluation } from '../search/evaluate';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import type { InputShape, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import type { Supernet } from '../search/supernet';
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
import type { SposConfig } from './spos-spec';
import {
  bestOrSampled,
  restoreEvolutionState,
  scoredCandidateStep,
  withEvolutionState,
} from './evolution-phase';
import { choiceFrequencies, flopsBandSampler, SinglePathTraining, type PathSampler } from './single-path';

/** Scores one architecture (validation accuracy, higher is better); tests pass a scripted one. */
export type CandidateScorer = (arch: unknown, ctx: StepContext) => Evaluation;

/** A scorer as a host-reads program (search/host-reads.ts), for steps that run on webgpu too. */
export type CandidateScoreReads = (arch: unknown, ctx: StepContext) => HostReads<Evaluation>;

/** The default scorer: inherited weights on the validation stream, BatchNorm as the config says. */
export function supernetScoreReads(
  net: Supernet,
  space: SearchSpace,
  cfg: { scoreBatches: number; batchNorm: SposConfig['batchNorm']; recalibrationBatches: number },
): CandidateScoreReads {
  return (arch, ctx) =>
    evaluationReads(net, space.choices(arch), {
      batches: cfg.scoreBatches,
      val: ctx.val,
      batchNorm: cfg.batchNorm,
      recalibration: { batches: cfg.recalibrationBatches, train: ctx.train },
    });
}

/** A scripted (host-side) scorer as a program with nothing to read; the default one when none is given. */
export function scoreReadsOf(
  scorer: CandidateScorer | undefined,
  fallback: () => CandidateScoreReads,
): CandidateScoreReads {
  if (!scorer) return fallback();
  // eslint-disable-next-line require-yield
  return function* (arch, ctx) {
    return scorer(arch, ctx);
  };
}

/** Where a candidate of the evolution came from. */
export type Origin = 'random' | 'mutation' | 'crossover';

/** A scored candidate as the evolution keeps it (checkpointed as JSON). */
export interface EvolvedCandidate {
  genotype: unknown;
  /** The space's text notation: the key that skips duplicates. */
  text: string;
  score: number;
  /** The scorer's loss where it has one (SPOS: the validation loss; RLNAS's angle has none). */
  loss?: number;
  generation: number;
  origin: Origin;
}

export interface SposEvolutionConfig {
  population: number;
  generations: number;
  topK: number;
  mutants: number;
  crossovers: number;
  mutationProbability: number;
}

/** A drawn candidate, not yet scored. */
export interface Proposal {
  arch: unknown;
  text: string;
  origin: Origin;
}

/** Consecutive random draws that may be rejected (seen before or outside the limits) before the search gives up. */
export const RANDOM_DRAW_LIMIT = 10_000;

/**
 * SPOS's evolutionary search as plain data, one candidate at a time (megvii-model/SinglePathOneShot
 * src/Search/search.py, EvolutionSearcher). Generation 0 is `population` random candidates; after
 * each generation the top-k (best `topK` ever scored, a stable sort: earlier ones first on ties) is
 * updated, and the next generation is `mutants` mutations of uniformly chosen top-k parents (each
 * decision redrawn with `mutationProbability`), then `crossovers` of two uniformly chosen top-k
 * parents (the same one may be drawn twice, as the reference), then random candidates up to the
 * population. A candidate already scored or outside the limits (`admissible`) is rejected and
 * redrawn; as the reference, the mutation and crossover stages give up after 10 draws per wanted
 * candidate (the random fill takes their place). Every draw uses the generator it is given (the
 * loop's), and the whole state is JSON, so a resumed search continues exactly.
 */
export class SposEvolution {
  /** Every scored candidate, in order. */
  history: EvolvedCandidate[] = [];
  /** Indices into `history`: the best `topK` seen, best first. */
  topK: number[] = [];
  /** The generation being filled (0: the random initial population). */
  generation = 0;
  /** Indices into `history` of the current generation's scored members. */
  members: number[] = [];
  /** The members of every completed generation (indices into `history`). */
  populations: number[][] = [];
  private stage: Origin = 'random';
  private made = 0;
  private tries = 0;
  private seen = new Set<string>();

  constructor(
    private readonly space: SearchSpace,
    private readonly cfg: SposEvolutionConfig,
    private readonly admissible: (arch: unknown) => boolean = () => true,
  ) {}

  /** Candidates the whole evolution scores: the initial population and `generations` more. */
  get totalCandidates(): number {
    return this.cfg.population * (1 + this.cfg.generations);
  }

  get done(): boolean {
    return this.generation > this.cfg.generations;
  }

  /** The next candidate to score, or null when no admissible unseen one was found. */
  propose(rng: Rng): Proposal | null {
    if (this.done) return null;
    let randomDraws = 0;
    for (;;) {
      if (
        this.generation > 0 &&
        this.stage === 'mutation' &&
        (this.made >= this.cfg.mutants || this.tries >= 10 * this.cfg.mutants)
      )
        this.enter('crossover');
      if (
        this.generation > 0 &&
        this.stage === 'crossover' &&
        (this.made >= this.cfg.crossovers || this.tries >= 10 * this.cfg.crossovers)
      )
        this.enter('random');
      if (this.stage === 'random' && randomDraws >= RANDOM_DRAW_LIMIT) return null;
      const arch = this.draw(rng);
      this.tries += 1;
      if (this.stage === 'random') randomDraws += 1;
      const text = this.space.toText(arch);
      if (this.seen.has(text) || !this.admissible(arch)) continue;
      return { arch, text, origin: this.stage };
    }
  }

  private enter(stage: Origin): void {
    this.stage = stage;
    this.made = 0;
    this.tries = 0;
  }

  private parent(rng: Rng): unknown {
    return this.history[this.topK[rng.int(this.topK.length)]].genotype;
  }

  private draw(rng: Rng): unknown {
    switch (this.stage) {
      case 'mutation':
        return this.space.mutate(this.parent(rng), rng, { probability: this.cfg.mutationProbability });
      case 'crossover': {
        const a = this.parent(rng);
        const b = this.parent(rng);
        return this.space.crossover(a, b, rng);
      }
      case 'random':
        return this.space.sample(rng);
    }
  }

  /**
   * Records the score of the last proposal (higher is better: SPOS's accuracy, RLNAS's angle); ends
   * the generation when its population is complete.
   */
  record(p: Proposal, e: { accuracy: number; loss?: number }): EvolvedCandidate {
    const c: EvolvedCandidate = {
      genotype: p.arch,
      text: p.text,
      score: e.accuracy,
      ...(e.loss !== undefined ? { loss: e.loss } : {}),
      generation: this.generation,
      origin: p.origin,
    };
    this.history.push(c);
    this.seen.add(p.text);
    this.members.push(this.history.length - 1);
    this.made += 1;
    if (this.members.length >= this.cfg.population) {
      this.populations.push(this.members);
      const merged = [...this.topK, ...this.members].sort(
        (a, b) => this.history[b].score - this.history[a].score,
      );
      this.topK = merged.slice(0, this.cfg.topK);
      this.generation += 1;
      this.members = [];
      this.enter(this.cfg.mutants > 0 ? 'mutation' : this.cfg.crossovers > 0 ? 'crossover' : 'random');
    }
    return c;
  }

  /** The best candidate ever scored (ties: the first), or null before any. */
  best(): EvolvedCandidate | null {
    let best: EvolvedCandidate | null = null;
    for (const c of this.history) if (!best || c.score > best.score) best = c;
    return best;
  }

  /** The members of every completed generation as text, in order (SPOS's and RLNAS's `populations()`). */
  populationTexts(): string[][] {
    return this.populations.map((g) => g.map((i) => this.history[i].text));
  }

  /** The architectures of the current top-k, best first. */
  parents(): unknown[] {
    return this.topK.map((i) => this.history[i].genotype);
  }

  toJSON(): string {
    const { history, topK, generation, members, populations, stage, made, tries } = this;
    return JSON.stringify({ history, topK, generation, members, populations, stage, made, tries });
  }

  restore(json: string): void {
    const s = JSON.parse(json);
    this.history = s.history;
    this.topK = s.topK;
    this.generation = s.generation;
    this.members = s.members;
    this.populations = s.populations;
    this.stage = s.stage;
    this.made = s.made;
    this.tries = s.tries;
    this.seen = new Set(this.history.map((c) => c.text));
  }
}

/**
 * A candidate's parameters and, when the image size is known, FLOPs (multiply-adds), in millions, by
 * the space's cost model: `mparams`, `mflops` in candidate records (the dashboard's cost charts).
 */
export function candidateCosts(space: SearchSpace, shape: InputShape, arch: unknown): StepMetrics {
  const m: StepMetrics = { mparams: space.cost.archParams(arch, shape) / 1e6 };
  if (shape.size > 0) m.mflops = space.cost.archFlops(arch, shape) / 1e6;
  return m;
}

/** The limits a candidate must meet (multiply-adds and parameters at the data's shape). */
export function costLimit(
  space: SearchSpace,
  shape: InputShape,
  limits: { maxMFlops?: number; maxMParams?: number },
): (arch: unknown) => boolean {
  const { maxMFlops, maxMParams } = limits;
  return (arch) =>
    (maxMFlops === undefined || space.cost.archFlops(arch, shape) <= maxMFlops * 1e6) &&
    (maxMParams === undefined || space.cost.archParams(arch, shape) <= maxMParams * 1e6);
}

/**
 * The evolution's next proposal, or the step that ends its phase: every generation complete, or no
 * admissible unseen candidate left after RANDOM_DRAW_LIMIT random draws (SPOS and RLNAS).
 */
export function proposeOrStop(
  evolution: SposEvolution,
  rng: Rng,
): Proposal | (StepResult & { stopPhase: string }) {
  const p = evolution.propose(rng);
  if (p) return p;
  const best = evolution.best();
  return {
    metrics: best ? { bestScore: best.score } : {},
    stopPhase: evolution.done
      ? 'every generation is complete'
      : `no unseen candidate within the limits after ${RANDOM_DRAW_LIMIT} random draws`,
  };
}

/** The best score ever and, once a generation is complete, the top-k's mean (after a record). */
export function evolutionMetrics(evolution: SposEvolution): StepMetrics {
  const best = evolution.best() as EvolvedCandidate;
  const top = evolution.topK.map((i) => evolution.history[i].score);
  const m: StepMetrics = { bestScore: best.score };
  if (top.length) m.topKMean = top.reduce((a, b) => a + b, 0) / top.length;
  return m;
}

/**
 * SPOS, Single Path One-Shot NAS with uniform sampling (Guo et al. 2020), two phases:
 * 1. 'supernet': one uniformly sampled path per training batch, only its weights move
 *    (single-path.ts); with a FLOPs band, the path is drawn within it by rejection, as the reference.
 * 2. 'evolution': one candidate scored per step (SposEvolution above), `population` steps per epoch,
 *    one epoch per generation. Scoring: BatchNorm recalibrated on training batches, then validation
 *    accuracy in eval mode (search/evaluate.ts). The answer is the best candidate ever scored.
 */
export class Spos implements SearchStrategy {
  readonly name = 'spos';
  private readonly supernet: SinglePathTraining;
  private readonly evolution: SposEvolution;
  private readonly sampler?: PathSampler;
  private readonly scorer: CandidateScoreReads;
  private readonly shape: InputShape;
  private readonly cfg: SposConfig;
  private readonly space: SearchSpace;

  constructor(ctx: StrategyContext<SposConfig>, hooks: { scorer?: CandidateScorer } = {}) {
    const { net, config: cfg, space } = ctx;
    this.cfg = cfg;
    this.space = space;
    this.shape = ctx.shape ?? { size: 0, channels: 0, classes: 0 };
    const needsSize = cfg.maxMFlops !== undefined || cfg.flopsBandMin !== undefined;
    if (needsSize && !(this.shape.size > 0))
      throw new Error(
        "SPOS's FLOPs limit and FLOPs band need the data's image size, which this data source did not give",
      );
    this.supernet = new SinglePathTraining(net, space, cfg);
    if (cfg.flopsBandMin !== undefined && cfg.flopsBandMax !== undefined)
      this.sampler = flopsBandSampler(space, (a) => space.cost.archFlops(a, this.shape) / 1e6, {
        min: cfg.flopsBandMin,
        max: cfg.flopsBandMax,
        bins: cfg.flopsBins,
      });
    this.evolution = new SposEvolution(space, cfg, costLimit(space, this.shape, cfg));
    this.scorer = scoreReadsOf(hooks.scorer, () => supernetScoreReads(net, space, cfg));
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    const band = this.sampler ? ` within ${this.cfg.flopsBandMin}–${this.cfg.flopsBandMax} MFLOPs` : '';
    return [
      SinglePathTraining.phase(budget, `train the supernet (one random path per batch${band})`),
      {
        name: 'evolution',
        title: `evolve: ${this.cfg.population} candidates × ${this.cfg.generations + 1} generations (the first random)`,
        epochs: this.cfg.generations + 1,
        stepsPerEpoch: this.cfg.population,
      },
    ];
  }

  step(ctx: StepContext): StepResult {
    return ctx.info.phase === 'supernet'
      ? this.supernet.step(ctx, this.sampler)
      : readNow(this.evolutionStep(ctx));
  }

  /** The same step, the candidate's score read asynchronously (webgpu; see SearchStrategy.stepAsync). */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return ctx.info.phase === 'supernet'
      ? this.supernet.step(ctx, this.sampler)
      : readAwaiting(this.evolutionStep(ctx));
  }

  /** Nothing to read ahead: the epoch-end hooks read only host values (scores, sampling counts). */
  async prefetchHostReads(): Promise<void> {}

  /** Phase 2's step as a host-reads program: the candidate's score is its one read. */
  private *evolutionStep(ctx: StepContext): HostReads<StepResult> {
    const p = proposeOrStop(this.evolution, ctx.rng);
    if ('stopPhase' in p) return p;
    const e = yield* this.scorer(p.arch, ctx);
    const c = this.evolution.record(p, e);
    const cost = candidateCosts(this.space, this.shape, p.arch);
    const { bestScore, topKMean } = evolutionMetrics(this.evolution);
    const metrics: StepMetrics = { score: c.score, valLoss: e.loss, bestScore, ...cost };
    if (topKMean !== undefined) metrics.topKMean = topKMean;
    return scoredCandidateStep(metrics, c, {
      valLoss: e.loss,
      valAcc: c.score,
      generation: c.generation,
      ...cost,
    });
  }

  epochEnd(): StepMetrics {
    return {};
  }

  /** The best candidate ever scored, else phase 1's sampling frequencies discretised (bestOrSampled). */
  derive(): unknown {
    return bestOrSampled(this.evolution.best(), this.space, this.supernet);
  }

  /** Phase 1: how often each option was sampled; once a generation is complete: how often the top-k uses it. */
  architecture(): ArchSnapshot {
    const parents = this.evolution.parents();
    return parents.length
      ? snapshotOf(this.space, 'sampling', choiceFrequencies(this.space, parents), 'share of the top-k')
      : snapshotOf(this.space, 'sampling', this.supernet.frequencies());
  }

  /** The completed generations' members as text (the same seed gives the same sequence). */
  populations(): string[][] {
    return this.evolution.populationTexts();
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
