import type { z } from 'zod';
import type { Batch, TextBatch } from '../data/batch';
import type { NamedTensorState } from '../optim/state';
import type { Rng } from '../util/rng';
import type { InputShape, SearchSpace } from './space';
import type { Supernet } from './supernet';

export type { Batch, TextBatch } from '../data/batch';

/** Where a step sits: the phase, and the epoch and step within that phase. */
export interface StepInfo {
  /** The phase's name ('search', 'supernet', 'evaluate'); one-phase strategies have one. */
  phase: string;
  phaseIndex: number;
  epoch: number;
  stepInEpoch: number;
  stepsPerEpoch: number;
  /** Epochs of this phase. */
  totalEpochs: number;
  /** Steps of the whole search before this one, over all phases. */
  globalStep: number;
}

/** Scalars a strategy reports after each step (names are stable keys of the metrics log). */
export type StepMetrics = Record<string, number>;

/** A phase of a strategy with its budget, fixed when the search starts (progress and ETA cover all). */
export interface PhasePlan {
  name: string;
  /** How the app names it ('train the supernet'). */
  title: string;
  epochs: number;
  stepsPerEpoch: number;
}

/** What a strategy's phases are sized from. */
export interface PhaseBudget {
  /** The config's `epochs` and `stepsPerEpoch` (cap). */
  epochs: number;
  stepsPerEpochCap?: number;
  /** Full batches per pass over each split. */
  trainBatches: number;
  valBatches: number;
}

/**
 * What one step may use. Batches are pulled (a strategy takes as many as it needs) and disposed by
 * the loop after the step; `rng` is the loop's generator, saved in every checkpoint, so sampling
 * strategies resume on the same random stream.
 */
export interface StepContext {
  info: StepInfo;
  /** Image batches; on text data these throw (a strategy that reads text uses `text`). */
  train(): Batch;
  val(): Batch;
  rng: Rng;
  /** Present when the search data is text (a language-model space): BPTT windows instead of images. */
  text?: TextStreams;
}

/**
 * The text side of a step's data: the next BPTT window of the search-train and search-val streams
 * (consecutive calls continue each stream; see TextBatch), and one pass over the whole validation
 * split from its start (perplexity over a split). Windows are disposed by the loop after the step,
 * like image batches; a long pass should dispose each window as soon as it is used.
 */
export interface TextStreams {
  train(): TextBatch;
  val(): TextBatch;
  valSplit(): Iterable<TextBatch>;
}

/** A candidate architecture a strategy scored (random search, evolution): logged and charted. */
export interface CandidateScore {
  /** The space's architecture (plain JSON) and its text notation. */
  genotype: unknown;
  text: string;
  /** Higher is better (accuracy, angle, reward). */
  score: number;
  metrics: StepMetrics;
  /** Which round scored it ('sample', 'rescore', a generation number). */
  round: string;
}

export interface StepResult {
  metrics: StepMetrics;
  /**
   * On a backend that cannot read synchronously (webgpu), the step's metrics still on the device:
   * the loop (SearchSession.runStepAsync) awaits this at the step boundary and reports it in place of
   * `metrics`. Strategies get it from search/host-reads.ts scalarMetrics, which reads synchronously
   * (and returns no metricsLater) everywhere else.
   */
  metricsLater?: () => Promise<StepMetrics>;
  /** Candidates scored during this step. */
  candidates?: CandidateScore[];
  /** Ends the current phase now (early stop: DARTS+, the Hessian alarm), with the reason for the log. */
  stopPhase?: string;
  /**
   * Rebuilds the supernet on another configuration of the same space after this step (P-DARTS:
   * the next stage is deeper and keeps fewer ops). The loop validates it with the space's schema,
   * builds the new supernet from its checkpointed generator and hands it to `rebuilt`; checkpoints
   * record the configuration so that a resumed run rebuilds the same network.
   */
  rebuild?: { space: unknown };
  /**
   * `rebuild` computed from what the step left on the device (P-DARTS prunes each edge's ops by
   * softmax(α) after the step's α update): the loop calls it after the step, on webgpu after its
   * metrics and the strategy's prefetchHostReads, so that its reads find their values on the host.
   */
  rebuildAfterReads?: () => { space: unknown };
}

/** What `epochEnd` returns to stop its phase: the epoch's metrics and the reason for the log. */
export interface EpochEndResult {
  metrics: StepMetrics;
  stopPhase?: string;
}

/** An `epochEnd` return value as metrics and an optional stop (bare metrics have number values only). */
export function epochEndParts(r: StepMetrics | EpochEndResult): EpochEndResult {
  return typeof (r as EpochEndResult).metrics === 'object'
    ? (r as EpochEndResult)
    : { metrics: r as StepMetrics };
}

/** How to read a label's rows in charts. */
export type SnapshotKind = 'softmax' | 'sigmoid' | 'sampling' | 'controller';

/** The strategy's current belief over one label's decisions: one row per decision, one column per option. */
export interface LabelSnapshot {
  kind: SnapshotKind;
  title: string;
  /**
   * What the values are, where the kind's generic name would mislead (PC-DARTS: softmax(α)·softmax(β);
   * SPOS's phase 2: the top-k's share of each option). The dashboard names the heatmap with it.
   */
  caption?: string;
  rows: string[];
  options: string[];
  values: number[][];
}

/** Per label, in the order of the space's choice points. */
export type ArchSnapshot = Record<string, LabelSnapshot>;

/**
 * The contract every search strategy implements (docs/strategies.md). A strategy sees the supernet
 * only through assignments per label, owns its optimisers and any controller or population, and can
 * be checkpointed and restored exactly. `A` is the space's architecture type.
 */
export interface SearchStrategy<A = unknown> {
  readonly name: string;
  /** The phases and their budgets; the loop runs them in order. */
  phases(budget: PhaseBudget): PhasePlan[];
  step(ctx: StepContext): StepResult;
  /**
   * The same step with its mid-step host reads awaited (candidate scores, RLNAS's angle sums): what
   * SearchSession.runStepAsync runs, on every backend, when a strategy has it. Strategies write the
   * step once as a host-reads program (search/host-reads.ts) and run it with readNow in `step` and
   * readAwaiting here, so both compute bit-identical results where both can run. Metrics that are
   * only reported may still come as metricsLater.
   */
  stepAsync?(ctx: StepContext): Promise<StepResult>;
  /**
   * After the last step of each epoch of a phase (schedules, early stopping): extra metrics, or
   * metrics and `stopPhase` to end the phase after this epoch (the collapse alarm).
   */
  epochEnd(info: StepInfo): StepMetrics | EpochEndResult;
  /** The discrete architecture the strategy would return now. */
  derive(): A;
  architecture(): ArchSnapshot;
  /** Everything needed to continue exactly (the strategy's parameters, optimiser states, counters). */
  getState(): NamedTensorState;
  setState(state: NamedTensorState): void;
  /**
   * Reads asynchronously what epochEnd, derive and architecture will read synchronously (α), so that
   * their dataSync finds the values cached (search/host-reads.ts). Called by runStepAsync before the
   * epoch-end hooks on a backend without synchronous reads (webgpu); a strategy without it cannot run
   * there, and the loop says so.
   */
  prefetchHostReads?(): Promise<void>;
  /**
   * Reads asynchronously what the next step must know on the host of the state the previous one
   * left (GDAS: α, whose Gumbel sample's argmax picks the ops that run). Awaited by runStepAsync
   * before every step on a backend without synchronous reads (webgpu); never called elsewhere.
   */
  prepareStepReads?(): Promise<void>;
  /** Takes over a rebuilt supernet (required of strategies that ask for a rebuild). */
  rebuilt?(net: Supernet, space: SearchSpace): void;
  dispose(): void;
}

/** What the factory of a strategy receives. */
export interface StrategyContext<C, A = unknown> {
  config: C;
  space: SearchSpace<A>;
  net: Supernet;
  /** Initialisation randomness (α, controllers), drawn once at construction. */
  rng: Rng;
  /** The data's shape (size 0 when the data did not say): cost constraints need it (SPOS's FLOPs limit). */
  shape?: InputShape;
}

/** A metric a strategy emits and the chart it belongs on. */
export interface MetricSpec {
  key: string;
  title: string;
  /** Dashboard panel: 'loss', 'accuracy', 'lr', 'score', or a strategy's own. */
  chart: string;
}

/**
 * What a strategy file declares for the registry (timm-style). tfjs-free, so that the app builds its
 * wizard, run descriptions and dashboard from it; the factory sits in strategies/registry.ts.
 */
export interface StrategySpec<S extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The paper and the reference code (repository and file). */
  readonly reference: string;
  /** A zod object with a literal `name`, every field `.meta({ title, description })`d (description: the paper's value and why). */
  readonly schema: S;
  /** Names of the spaces it runs on. */
  readonly spaces: readonly string[];
  /** One line for the runs list ('DARTS (second order)'). */
  summary(config: z.infer<S>): string;
  readonly metrics: readonly MetricSpec[];
  /**
   * Config fields that cap a candidate metric, by the metric's key (SPOS: `{ mflops: 'maxMFlops' }`):
   * the dashboard draws each set limit on its cost-against-score chart.
   */
  readonly candidateLimits?: Readonly<Record<string, string>>;
  /** Field values sized for a CPU (merged over the defaults by the wizard's preset button). */
  readonly cpuPreset?: Partial<z.infer<S>>;
  /**
   * Defaults that differ by space, by space name (ENAS on the RNN cell: ENAS-pytorch's controller and
   * reward instead of the CNN reference's). Parsing a config puts them under the strategy fields the
   * config sets (a set field wins); the wizard applies them when the strategy or the space is chosen.
   */
  readonly spacePresets?: Readonly<Record<string, Partial<z.infer<S>>>>;
  /**
   * The labels the search data must have, when the strategy needs particular ones (RLNAS: 'random');
   * a config with other `data.labels` is refused, naming the field.
   */
  readonly labels?: 'true' | 'random';
  /**
   * What the strategy needs changed in a space config it runs on, if anything (FairDARTS: no 'none'
   * op): the fields to set and why. A config that needs the change is refused naming the field; the
   * wizard applies it when the strategy is chosen.
   */
  spaceRequirement?(space: { name: string } & Record<string, unknown>): SpaceRequirement | null;
  /**
   * A strategy that searches in stages on rebuilt supernets (P-DARTS) declares its stages here: the
   * dashboard then shows its stage timeline (dashboard/StageTimelinePanel.tsx), from this plan and the
   * epoch metrics of strategies/stage-timeline-spec.ts.
   */
  stageTimeline?(
    config: z.infer<S>,
    run: { space: Record<string, unknown>; epochs: number },
  ): StageTimelinePlan;
}

/** One stage of a staged search, as planned from the config. */
export interface StagePlan {
  /** The phase it runs as (PhasePlan.name), which the log's phase and epoch records name. */
  phase: string;
  cells: number;
  opsPerEdge: number;
  epochs: number;
  /** Its first epochs train the weights alone, α frozen. */
  warmupEpochs: number;
  /** Ops each edge keeps at the stage's end (1 after the last stage: the final cell). */
  keepOps: number;
}

export interface StageTimelinePlan {
  stages: StagePlan[];
  /** The final cell's limit on skip connections (P-DARTS: at most 2 in the normal cell), if any. */
  skipLimit?: { label: string; max: number };
}

/** The strategy's defaults on `space` (its space preset), or none. */
export function spacePresetOf(spec: StrategySpec, space: string): Record<string, unknown> {
  return { ...(spec.spacePresets?.[space] ?? {}) };
}

/** A change a strategy needs in the space config: `patch` merges over it. */
export interface SpaceRequirement {
  patch: Record<string, unknown>;
  why: string;
}
