import type { NamedTensorState } from '../../optim/state';
import type { InputShape, SearchSpace } from '../../search/space';
import { snapshotOf } from '../../search/snapshot';
import type {
  ArchSnapshot,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepMetrics,
  StepResult,
  StrategyContext,
} from '../../search/strategy';
import type { RlnasConfig } from '../rlnas-spec';
import {
  bestOrSampled,
  restoreEvolutionState,
  scoredCandidateStep,
  withEvolutionState,
} from '../evolution-phase';
import { readAwaiting, readNow, type HostReads } from '../../search/host-reads';
import { choiceFrequencies, SinglePathTraining, type PathSampler } from '../single-path';
import {
  candidateCosts,
  costLimit,
  evolutionMetrics,
  proposeOrStop,
  RANDOM_DRAW_LIMIT,
  SposEvolution,
} from '../spos';
import { AngleMetric, type RlnasSpaceParts } from './angle';
import { rlnasSpaceSupport } from './spaces';

/** Checkpoint tensors of the initial weights: `strategy.initial.<parameter name>`. */
const INITIAL = 'initial.';

/**
 * The space's uniform sampler, redrawn until the architecture is one the reference trains (NB201:
 * every node fed by a non-`none` op; DARTS: no `none` input); rejection keeps it uniform over those.
 */
export function trainingSampler(space: SearchSpace, trainable?: RlnasSpaceParts['trainable']): PathSampler {
  if (!trainable) return (rng) => space.sample(rng);
  return (rng) => {
    for (let i = 0; i < RANDOM_DRAW_LIMIT; i++) {
      const arch = space.sample(rng);
      if (trainable(space.choices(arch))) return arch;
    }
    throw new Error(
      `RLNAS: ${RANDOM_DRAW_LIMIT} random architectures of the ${space.name} space were all ones the reference does not train (a node fed only by 'none'): choose fewer 'none'-heavy candidate operations`,
    );
  };
}

/**
 * RLNAS, Neural Architecture Search with Random Labels (Zhang et al., CVPR 2021), two phases:
 * 1. 'supernet': SPOS's single-path training (single-path.ts) on the random labels the data layer
 *    draws (the config must say data.labels "random"), paths redrawn until the reference would train
 *    them (the space's `trainable`).
 * 2. 'evolution': SPOS's evolution (SposEvolution: population, top-k, mutation, crossover, limits),
 *    each candidate's fitness the angle between its weight vector at initialisation and now (angle.ts,
 *    the vector as the space's module builds it); no data is used. The initial weights are copied
 *    before the first step and checkpointed, so a resumed run scores exactly as it would have.
 */
export class Rlnas implements SearchStrategy {
  readonly name = 'rlnas';
  private readonly supernet: SinglePathTraining;
  private readonly evolution: SposEvolution;
  private readonly angle: AngleMetric;
  private readonly parts: RlnasSpaceParts;
  private readonly sampler: PathSampler;
  private readonly shape: InputShape;
  private readonly cfg: RlnasConfig;
  private readonly space: SearchSpace;

  constructor(ctx: StrategyContext<RlnasConfig>) {
    const { net, config: cfg, space } = ctx;
    this.cfg = cfg;
    this.space = space;
    this.shape = ctx.shape ?? { size: 0, channels: 0, classes: 0 };
    if (cfg.maxMFlops !== undefined && !(this.shape.size > 0))
      throw new Error("RLNAS's FLOPs limit needs the data's image size, which this data source did not give");
    this.parts = rlnasSpaceSupport(space.name)(net, space);
    // Before the first training step: the strategy is built right after the supernet's initialisation.
    this.angle = new AngleMetric(net);
    this.supernet = new SinglePathTraining(net, space, cfg);
    this.sampler = trainingSampler(space, this.parts.trainable);
    const limits = costLimit(space, this.shape, cfg);
    const searchable = this.parts.searchable;
    this.evolution = new SposEvolution(
      space,
      cfg,
      searchable ? (a) => limits(a) && searchable(space.choices(a)) : limits,
    );
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      SinglePathTraining.phase(budget, 'train the supernet on random labels (one random path per batch)'),
      {
        name: 'evolution',
        title: `evolve by angle: ${this.cfg.population} candidates × ${this.cfg.generations + 1} generations (the first random)`,
        epochs: this.cfg.generations + 1,
        stepsPerEpoch: this.cfg.population,
      },
    ];
  }

  step(ctx: StepContext): StepResult {
    if (ctx.info.phase !== 'supernet') return readNow(this.evolutionStep(ctx));
    return this.supernetStep(ctx);
  }

  /** The same step, the angle's weights read asynchronously (webgpu; see SearchStrategy.stepAsync). */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    if (ctx.info.phase !== 'supernet') return readAwaiting(this.evolutionStep(ctx));
    return this.supernetStep(ctx);
  }

  /** Nothing to read ahead: the epoch-end hooks read only host values (angles, sampling counts). */
  async prefetchHostReads(): Promise<void> {}

  private supernetStep(ctx: StepContext): StepResult {
    this.angle.weightsChanged();
    return this.supernet.step(ctx, this.sampler);
  }

  /** The angle θ (radians) of one architecture with the supernet's weights as they are now. */
  angleOf(arch: unknown): number {
    return readNow(this.angleReads(arch));
  }

  private angleReads(arch: unknown): HostReads<number> {
    return this.angle.angleReads(this.parts.blocks(this.space.choices(arch)));
  }

  /** Phase 2's step as a host-reads program: the weights its angle needs (uncached) are its one read. */
  private *evolutionStep(ctx: StepContext): HostReads<StepResult> {
    const p = proposeOrStop(this.evolution, ctx.rng);
    if ('stopPhase' in p) return p;
    const c = this.evolution.record(p, { accuracy: yield* this.angleReads(p.arch) });
    const cost = candidateCosts(this.space, this.shape, p.arch);
    const { bestScore, topKMean } = evolutionMetrics(this.evolution);
    const metrics: StepMetrics = { score: c.score, bestScore, ...cost };
    if (topKMean !== undefined) metrics.topKMean = topKMean;
    return scoredCandidateStep(metrics, c, { angle: c.score, generation: c.generation, ...cost });
  }

  epochEnd(): StepMetrics {
    return {};
  }

  /** The candidate with the largest angle ever scored, else phase 1's sampling frequencies discretised (bestOrSampled). */
  derive(): unknown {
    return bestOrSampled(this.evolution.best(), this.space, this.supernet);
  }

  /** Phase 1: how often each option was sampled; once a generation is complete: how often the top-k uses it. */
  architecture(): ArchSnapshot {
    const parents = this.evolution.parents();
    return snapshotOf(
      this.space,
      'sampling',
      parents.length ? choiceFrequencies(this.space, parents) : this.supernet.frequencies(),
    );
  }

  /** The completed generations' members as text (the same seed gives the same sequence). */
  populations(): string[][] {
    return this.evolution.populationTexts();
  }

  /** SGD's state, the sampling counts and the evolution (as SPOS), and the initial weights (`initial.*`). */
  getState(): NamedTensorState {
    const w = this.supernet.getState();
    return withEvolutionState(w, this.evolution, { ...w.tensors, ...this.angle.tensors(INITIAL) });
  }

  setState(state: NamedTensorState): void {
    this.supernet.setState(state);
    this.angle.restore(state.tensors, INITIAL);
    restoreEvolutionState(state, this.evolution);
  }

  dispose(): void {
    this.supernet.dispose();
    this.angle.dispose();
  }
}
