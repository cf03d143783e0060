import * as tf from '../tf';
import { spaceOf } from '../catalog';
import { explainBackendError } from '../backend/explain-error';
import type { NamedTensorState } from '../optim/state';
import type { SessionSnapshot } from '../search/checkpoint';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import type { InputShape, SearchSpace } from '../search/space';
import type { FinalNetwork } from '../search/supernet';
import { networksOf } from '../spaces/registry';
import { Rng, type RngState } from '../util/rng';
import { readSnapshotTensors } from './snapshot-tensors';
import { resolveArchitecture, type TrainConfig } from './train-config';

/** What every training session's checkpoint counters begin with; a session adds its running sums. */
export interface LoopCounters {
  step: number;
  rng: RngState;
}

/** Where the step about to run stands in the schedule. */
export interface StepPosition {
  step: number;
  epoch: number;
  stepInEpoch: number;
  /** The epoch's last step: the session evaluates after it. */
  endsEpoch: boolean;
}

/** The training split's stream as the loop sees it: its length and its checkpointed position. */
export interface TrainStream {
  readonly batchesPerEpoch: number;
  getPosition(): unknown;
  restorePosition(position: unknown): void;
}

/** What a session's checkpoint holds besides the loop's counters: named tensors and the optimiser's scalars. */
export interface CheckpointState {
  tensors: Array<[string, tf.Tensor]>;
  scalars: NamedTensorState['scalars'];
}

/**
 * The loop that both final-training sessions run (session.ts trains an image classifier,
 * lm-session.ts a language model), written once so that the two cannot drift apart: one architecture
 * of a space built from the config's seed, advanced one step at a time for `epochs` epochs of
 * `stepsPerEpoch` steps, each step a host-reads program (search/host-reads.ts) that the caller drives
 * synchronously (runStep: cpu, wasm, tensorflow) or awaiting its reads (runStepAsync: every backend,
 * the only way on webgpu), and checkpointed at any step boundary: counters, generator and data
 * position in the meta layout that existing run folders hold (it must not change). A session
 * supplies the step, the tensors it checkpoints and how it restores them.
 */
export abstract class StepwiseTraining<Report, Counters extends LoopCounters> {
  readonly space: SearchSpace;
  readonly arch: unknown;
  readonly stepsPerEpoch: number;
  readonly epochs: number;
  /** The loop's generator (dropout and drop-path masks); its state is checkpointed with the counters. */
  protected readonly rng: Rng;
  protected abstract counters: Counters;

  protected constructor(
    readonly config: TrainConfig,
    private readonly train: TrainStream,
    /** The data's input (images' size and channels, or none for text) and its classes (or vocabulary). */
    readonly shape: InputShape,
  ) {
    const r = config.recipe;
    this.rng = new Rng(config.seed);
    this.space = spaceOf(config.space);
    this.arch = resolveArchitecture(config.space, config.architecture);
    this.epochs = r.epochs;
    this.stepsPerEpoch = Math.min(r.stepsPerEpoch ?? Number.POSITIVE_INFINITY, train.batchesPerEpoch);
  }

  /**
   * The architecture's final network, initialised from a fork of the loop's generator taken before
   * the loop draws anything (so the masks of a run do not depend on how many values the
   * initialisation drew). Called once, by the session's constructor.
   */
  protected buildNetwork(): FinalNetwork {
    const initRng = this.rng.fork();
    return networksOf(this.config.space.name).buildFinal(
      this.space,
      this.arch,
      this.shape,
      initRng,
      this.config.network,
    );
  }

  get step(): number {
    return this.counters.step;
  }
  get totalSteps(): number {
    return this.epochs * this.stepsPerEpoch;
  }
  get done(): boolean {
    return this.counters.step >= this.totalSteps;
  }

  /** Where the next step stands; refuses a step past the end. */
  protected nextStep(): StepPosition {
    if (this.done) throw new Error('the training is already complete');
    const { step } = this.counters;
    const stepInEpoch = step % this.stepsPerEpoch;
    return {
      step,
      epoch: Math.floor(step / this.stepsPerEpoch),
      stepInEpoch,
      endsEpoch: stepInEpoch === this.stepsPerEpoch - 1,
    };
  }

  /**
   * One step on a backend that reads synchronously (cpu, wasm, tensorflow). On webgpu use
   * runStepAsync; both run the same program (stepProgram) and read the same values.
   */
  runStep(): Report {
    try {
      return readNow(this.stepProgram());
    } catch (e) {
      throw explainBackendError(e);
    }
  }

  /**
   * runStep for every backend: the step's tensors computed as runStep computes them, its scalars
   * read with one awaited data() at its end (an epoch-end evaluation with one more per split). On
   * cpu, wasm and tensorflow it gives exactly runStep's report (search/host-reads.ts, HostReads).
   */
  async runStepAsync(): Promise<Report> {
    try {
      return await readAwaiting(this.stepProgram());
    } catch (e) {
      throw explainBackendError(e);
    }
  }

  /** The step as a host-reads program: it yields the tensors it must read (see search/host-reads.ts). */
  protected abstract stepProgram(): HostReads<Report>;

  /** Everything needed to continue exactly, read to host memory (the checkpoint file's layout). */
  capture(): SessionSnapshot {
    return readNow(this.captureProgram());
  }

  /** capture() on every backend: every tensor read with one awaited data(). */
  captureAsync(): Promise<SessionSnapshot> {
    return readAwaiting(this.captureProgram());
  }

  /** The session's tensors under their checkpoint names (snapshot-tensors.ts) and its optimiser's scalars. */
  protected abstract checkpointState(): CheckpointState;

  private *captureProgram(): HostReads<SessionSnapshot> {
    const state = this.checkpointState();
    const tensors = yield* readSnapshotTensors(state.tensors);
    this.counters.rng = this.rng.getState();
    return {
      tensors,
      meta: {
        counters: { ...this.counters } as never,
        strategyScalars: state.scalars,
        dataPosition: { train: this.train.getPosition(), val: null },
        genotype: this.space.toJson(this.arch),
        genotypeText: this.space.toText(this.arch),
      },
    };
  }

  /** Continues from a checkpoint that capture() wrote: the session's tensors, then the loop's counters. */
  restore(snap: SessionSnapshot): void {
    this.restoreState(snap);
    const c = snap.meta.counters as unknown as Counters;
    this.counters = { ...c };
    this.rng.setState(c.rng);
    this.train.restorePosition(snap.meta.dataPosition.train);
  }

  /** Restores what checkpointState() captured (the network, the optimiser, any carried state). */
  protected abstract restoreState(snap: SessionSnapshot): void;
}

/**
 * A host-reads step that reads a step's scalar tensors in one go (one round trip on webgpu) and
 * disposes them, read or not: their first values, in order.
 */
export function* readStepScalars(tensors: tf.Tensor[]): HostReads<number[]> {
  try {
    return (yield tensors).map((v) => v[0]);
  } finally {
    tf.dispose(tensors);
  }
}
