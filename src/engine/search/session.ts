import * as tf from '../tf';
import type { SearchConfig } from './config';
import { spaceOf, spaceSpec } from '../catalog';
import { networksOf } from '../spaces/registry';
import { createStrategy } from '../strategies/registry';
import { isTextBatch, type AnyBatch, type Batch, type TextBatch } from '../data/batch';
import { Rng, type RngState } from '../util/rng';
import type { BatchSource } from './batch-source';
import type { InputShape, SearchSpace } from './space';
import type { Supernet } from './supernet';
import type {
  ArchSnapshot,
  CandidateScore,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepInfo,
  StepMetrics,
  StepResult,
  StrategyContext,
} from './strategy';
import { backendReadsSynchronously } from '../backend/webgpu';
import { epochEndParts } from './strategy';
import { explainBackendError } from '../backend/explain-error';
import type { Genotype } from '../spaces/darts/genotype-types';

export interface SearchData {
  train: BatchSource;
  val: BatchSource;
  inChannels: number;
  numClasses: number;
  /** Side of the (square) images, when known: the cost model needs it, the networks do not. */
  imageSize?: number;
  /**
   * Present for text data (a language-model space): train and val then yield TextBatch windows,
   * `numClasses` is the vocabulary size and `inChannels` 0. `valSplit` is one pass over the whole
   * validation split from its start.
   */
  text?: { vocabSize: number; valSplit(): Iterable<TextBatch> };
}

/**
 * `A` is the space's architecture type. It defaults to the DARTS Genotype (the first space) so that
 * code written for DARTS reads naturally; code for any space uses `SearchSession<unknown>`.
 */
export interface StepReport<A = Genotype> {
  info: StepInfo;
  metrics: StepMetrics;
  candidates?: CandidateScore[];
  /** Present after the last step of an epoch (and of a phase stopped early). */
  epochEnd?: {
    arch: ArchSnapshot;
    /** The strategy's architecture now, in the space's own JSON form (a DARTS Genotype, an NB201 cell). */
    genotype: A;
    /** The same in the field's text notation. */
    genotypeText: string;
    metrics: StepMetrics;
  };
  /** Present when this step ended a phase: which one, and why when it stopped early. */
  phaseEnd?: { phase: string; reason?: string };
}

/** Counters of the search loop, part of every checkpoint. */
export interface SessionCounters {
  globalStep: number;
  rng: RngState;
  /** The space configuration the supernet was last rebuilt on (absent: the config's). */
  space?: unknown;
  /** The phase and the steps done in it (absent in checkpoints of single-phase runs before phases). */
  phaseIndex?: number;
  phaseStep?: number;
}

/**
 * One search in progress: the space, its supernet, the strategy and the data, advanced one step at
 * a time so that a caller (worker, CLI, test) can report progress, pause at any step boundary and
 * checkpoint. The strategy's phases run in order; one may end its phase early.
 */
export class SearchSession<A = Genotype> {
  private currentSpace: SearchSpace;
  private currentNetwork: Supernet;
  /** The space configuration of a rebuilt supernet, or null while it is the config's. */
  private rebuiltSpace: { name: string } | null = null;
  private readonly shape: InputShape;
  readonly strategy: SearchStrategy<A>;
  readonly phases: readonly PhasePlan[];
  private globalStep = 0;
  private phaseIndex = 0;
  private phaseStep = 0;
  /** The loop's generator: forked once for initialisation, then handed to every step (checkpointed). */
  private readonly rng: Rng;

  /** `create` builds the strategy (the registry's factory; tests pass their own). */
  constructor(
    readonly config: SearchConfig,
    readonly data: SearchData,
    create: (ctx: StrategyContext<{ name: string }>) => SearchStrategy = createStrategy,
  ) {
    this.rng = new Rng(config.seed);
    const initRng = this.rng.fork();
    this.currentSpace = spaceOf(config.space);
    this.shape = { size: data.imageSize ?? 0, channels: data.inChannels, classes: data.numClasses };
    this.currentNetwork = networksOf(config.space.name).supernet(this.currentSpace, this.shape, initRng);
    this.strategy = create({
      config: config.strategy,
      space: this.currentSpace,
      net: this.currentNetwork,
      rng: initRng,
      shape: this.shape,
    }) as SearchStrategy<A>;
    this.phases = this.strategy.phases({
      epochs: config.epochs,
      stepsPerEpochCap: config.stepsPerEpoch,
      trainBatches: data.train.batchesPerEpoch,
      valBatches: data.val.batchesPerEpoch,
    });
    for (const p of this.phases)
      if (!(p.stepsPerEpoch >= 1 && p.epochs >= 1))
        throw new Error(
          `the search data yields no full batch for the phase '${p.title}': use a smaller batch size`,
        );
  }

  /** Steps of a phase as planned. */
  /** The space the supernet is built on now (the config's, or a rebuild's). */
  get space(): SearchSpace {
    return this.currentSpace;
  }

  get network(): Supernet {
    return this.currentNetwork;
  }

  /**
   * Builds the supernet anew on `spaceConfig` (validated by its space's schema), its initialisation
   * drawn from the loop's generator, and hands it to the strategy (on a resume too, before its state
   * is restored, so that what it builds for the new network — α of a new shape — is there to restore).
   */
  private rebuildOn(spaceConfig: unknown): void {
    const name = this.config.space.name;
    const parsed = spaceSpec(name).schema.safeParse(spaceConfig);
    if (!parsed.success)
      throw new Error(
        `the strategy asked for a supernet on an invalid ${name} space: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    const space = spaceOf(parsed.data as { name: string });
    const net = networksOf(name).supernet(space, this.shape, this.rng.fork());
    this.currentNetwork.dispose();
    this.currentNetwork = net;
    this.currentSpace = space;
    this.rebuiltSpace = parsed.data as { name: string };
    if (!this.strategy.rebuilt)
      throw new Error(
        `strategy '${this.strategy.name}' asked for a rebuilt supernet but cannot take one (no rebuilt())`,
      );
    this.strategy.rebuilt(net, space);
  }

  private planned(p: PhasePlan): number {
    return p.epochs * p.stepsPerEpoch;
  }

  get done(): boolean {
    return this.phaseIndex >= this.phases.length;
  }

  /** Steps run so far, over all phases. */
  get step(): number {
    return this.globalStep;
  }

  /** Steps run plus steps still planned (shrinks when a phase stops early). */
  get totalSteps(): number {
    const rest = this.phases.slice(this.phaseIndex).reduce((n, p) => n + this.planned(p), 0);
    return this.globalStep + rest - (this.done ? 0 : this.phaseStep);
  }

  /** Steps per epoch of the current phase (the first before any step, the last once done). */
  get stepsPerEpoch(): number {
    return this.phases[Math.min(this.phaseIndex, this.phases.length - 1)].stepsPerEpoch;
  }

  /** The current phase, or null once done. */
  get phase(): PhasePlan | null {
    return this.phases[this.phaseIndex] ?? null;
  }

  info(): StepInfo {
    const p = this.phases[Math.min(this.phaseIndex, this.phases.length - 1)];
    return {
      phase: p.name,
      phaseIndex: this.phaseIndex,
      epoch: Math.floor(this.phaseStep / p.stepsPerEpoch),
      stepInEpoch: this.phaseStep % p.stepsPerEpoch,
      stepsPerEpoch: p.stepsPerEpoch,
      totalEpochs: p.epochs,
      globalStep: this.globalStep,
    };
  }

  /**
   * Runs one search step (and the epoch-end hook after an epoch's last step), reading synchronously:
   * the cpu, wasm and tensorflow backends. On webgpu use runStepAsync.
   */
  runStep(): StepReport<A> {
    const { info, result } = this.stepTensors();
    if (result.metricsLater)
      throw new Error(
        `the ${tf.getBackend()} backend reads tensors only asynchronously: run the search with runStepAsync()`,
      );
    return this.report(info, result, result.metrics, this.advance(info, result));
  }

  /**
   * runStep for every backend: on webgpu it awaits the step's metrics at the step boundary and, before
   * the epoch-end hooks, the strategy's prefetchHostReads (see search/host-reads.ts). A strategy with
   * stepAsync (mid-step reads: candidate scoring) runs it, on every backend; its reads are awaited but
   * read the same values, so on backends that read synchronously it computes exactly what runStep does.
   */
  async runStepAsync(): Promise<StepReport<A>> {
    // Refused before its first step, not after an epoch of work: a strategy not ported to a backend
    // without synchronous reads (no prefetchHostReads) would fail there at its first read anyway.
    if (!backendReadsSynchronously() && !this.strategy.prefetchHostReads) this.refuseAsyncBackend();
    if (!this.done && !backendReadsSynchronously()) await this.strategy.prepareStepReads?.();
    const { info, result } = this.strategy.stepAsync
      ? await this.stepTensorsAsync(this.strategy.stepAsync.bind(this.strategy))
      : this.stepTensors();
    const metrics = result.metricsLater ? await result.metricsLater() : result.metrics;
    if (result.rebuildAfterReads) await this.prefetchHostReads();
    const epochEnds = this.advance(info, result);
    if (epochEnds) await this.prefetchHostReads();
    return this.report(info, result, metrics, epochEnds);
  }

  /**
   * Makes the strategy's epoch-end reads (derive, architecture) possible on a backend without
   * synchronous reads; also before a checkpoint or an architecture export there.
   */
  async prefetchHostReads(): Promise<void> {
    if (backendReadsSynchronously()) return;
    if (!this.strategy.prefetchHostReads) this.refuseAsyncBackend();
    await this.strategy.prefetchHostReads();
  }

  private refuseAsyncBackend(): never {
    throw new Error(
      `strategy '${this.strategy.name}' reads tensors synchronously and cannot run on the ${tf.getBackend()} backend yet (it has no prefetchHostReads): use --backend wasm or cpu`,
    );
  }

  /** The step itself: the strategy's tensor work on the batches it pulls (disposed after it). */
  private stepTensors(): { info: StepInfo; result: StepResult } {
    const { info, ctx, release } = this.stepContext();
    let result;
    try {
      result = this.strategy.step(ctx);
    } catch (e) {
      throw explainBackendError(e);
    } finally {
      release();
    }
    return { info, result };
  }

  /** stepTensors with the strategy's stepAsync (its mid-step reads awaited); the batches live until it ends. */
  private async stepTensorsAsync(
    stepAsync: (ctx: StepContext) => Promise<StepResult>,
  ): Promise<{ info: StepInfo; result: StepResult }> {
    const { info, ctx, release } = this.stepContext();
    let result;
    try {
      result = await stepAsync(ctx);
    } catch (e) {
      throw explainBackendError(e);
    } finally {
      release();
    }
    return { info, result };
  }

  /** A step's context: its position, the loop's generator and the batch streams; `release` disposes what it pulled. */
  private stepContext(): { info: StepInfo; ctx: StepContext; release: () => void } {
    if (this.done) throw new Error('the search is already complete');
    const info = this.info();
    const taken: AnyBatch[] = [];
    const pull = (source: BatchSource) => () => {
      const b = source.next();
      taken.push(b);
      return b;
    };
    const image = (source: BatchSource, split: string) => (): Batch => {
      const b = pull(source)();
      if (isTextBatch(b))
        throw new Error(
          `strategy '${this.strategy.name}' reads image batches, but the ${split} data is text: it cannot run on a language-model space`,
        );
      return b;
    };
    const text = (source: BatchSource) => () => pull(source)() as TextBatch;
    const ctx: StepContext = {
      info,
      rng: this.rng,
      train: image(this.data.train, 'search-train'),
      val: image(this.data.val, 'search-val'),
    };
    const t = this.data.text;
    if (t)
      ctx.text = {
        train: text(this.data.train),
        val: text(this.data.val),
        valSplit: function* () {
          for (const b of t.valSplit()) {
            taken.push(b);
            yield b;
          }
        },
      };
    return { info, ctx, release: () => tf.dispose(taken.flatMap((b) => [b.x, b.y])) };
  }

  /** Advances the counters after a step (and rebuilds the supernet if asked); returns whether the epoch-end hooks run. */
  private advance(info: StepInfo, result: StepResult): boolean {
    this.globalStep += 1;
    this.phaseStep += 1;
    const rebuild = result.rebuild ?? result.rebuildAfterReads?.();
    if (rebuild) this.rebuildOn(rebuild.space);
    return info.stepInEpoch === info.stepsPerEpoch - 1 || this.phaseOver(result);
  }

  private phaseOver(result: StepResult): boolean {
    return !!result.stopPhase || this.phaseStep >= this.planned(this.phases[this.phaseIndex]);
  }

  /** The step's report, with the epoch-end hooks' results when `epochEnds`; moves to the next phase after the last step of one. */
  private report(
    info: StepInfo,
    result: StepResult,
    metrics: StepMetrics,
    epochEnds: boolean,
  ): StepReport<A> {
    const report: StepReport<A> = { info, metrics };
    if (result.candidates?.length) report.candidates = result.candidates;
    let phaseOver = this.phaseOver(result);
    let stopReason = result.stopPhase;
    if (epochEnds) {
      const end = epochEndParts(this.strategy.epochEnd(info));
      // An epoch-end stop (the collapse alarm) ends the phase here; at its planned end it is no early stop.
      if (end.stopPhase && !phaseOver) {
        phaseOver = true;
        stopReason = end.stopPhase;
      }
      const genotype = this.strategy.derive();
      report.epochEnd = {
        arch: this.strategy.architecture(),
        genotype,
        genotypeText: this.space.toText(genotype),
        metrics: end.metrics,
      };
    }
    if (phaseOver) {
      report.phaseEnd = { phase: info.phase, ...(stopReason ? { reason: stopReason } : {}) };
      this.phaseIndex += 1;
      this.phaseStep = 0;
    }
    return report;
  }

  /** Ends the current phase now (the user skips ahead, e.g. from supernet training to evaluation). */
  endPhase(): void {
    if (this.done) throw new Error('the search is already complete');
    this.phaseIndex += 1;
    this.phaseStep = 0;
  }

  counters(): SessionCounters {
    return {
      globalStep: this.globalStep,
      rng: this.rng.getState(),
      phaseIndex: this.phaseIndex,
      phaseStep: this.phaseStep,
      ...(this.rebuiltSpace ? { space: this.rebuiltSpace } : {}),
    };
  }

  /** Before tensors are restored: the supernet a checkpoint was written on (after a rebuild). */
  restoreNetwork(c: SessionCounters): void {
    if (c.space !== undefined) this.rebuildOn(c.space);
  }

  restoreCounters(c: SessionCounters): void {
    this.globalStep = c.globalStep;
    this.rng.setState(c.rng);
    // Checkpoints written before phases existed come from single-phase (DARTS) runs.
    this.phaseIndex = c.phaseIndex ?? 0;
    this.phaseStep = c.phaseStep ?? c.globalStep;
    if (
      this.phaseIndex === 0 &&
      this.phases.length > 0 &&
      this.phaseStep >= this.planned(this.phases[0]) &&
      c.phaseIndex === undefined
    ) {
      this.phaseIndex = 1;
      this.phaseStep = 0;
    }
  }

  dispose(): void {
    this.strategy.dispose();
    this.currentNetwork.dispose();
  }
}
