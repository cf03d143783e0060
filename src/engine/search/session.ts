import * as tf from '../tf';
import type { SearchConfig } from '../../shared/search-config';
import { SearchNetwork } from '../spaces/darts/supernet';
import type { ArchSnapshot, SearchStrategy, StepInfo, StepMetrics } from '../strategies/strategy';
import { createStrategy } from '../strategies/registry';
import { Rng, type RngState } from '../util/rng';
import type { BatchSource } from './batch-source';
import type { Genotype } from '../spaces/darts/genotype-types';
import { explainBackendError } from '../backend/explain-error';

export interface SearchData {
  train: BatchSource;
  val: BatchSource;
  inChannels: number;
  numClasses: number;
}

export interface StepReport {
  info: StepInfo;
  metrics: StepMetrics;
  /** Present after the last step of an epoch. */
  epochEnd?: { arch: ArchSnapshot; genotype: Genotype; metrics: StepMetrics };
}

/** Counters of the search loop, part of every checkpoint. */
export interface SessionCounters {
  globalStep: number;
  rng: RngState;
}

/**
 * One search in progress: the supernet, the strategy and the data, advanced one step at a time so that
 * a caller (worker, CLI, test) can report progress, pause at any step boundary and checkpoint.
 */
export class SearchSession {
  readonly network: SearchNetwork;
  readonly strategy: SearchStrategy;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private globalStep = 0;
  private readonly rng: Rng;

  constructor(
    readonly config: SearchConfig,
    readonly data: SearchData,
  ) {
    this.rng = new Rng(config.seed);
    const initRng = this.rng.fork();
    this.network = new SearchNetwork(config.space, data.inChannels, data.numClasses, initRng);
    this.strategy = createStrategy(config.strategy, this.network, initRng);
    this.stepsPerEpoch = Math.min(
      config.stepsPerEpoch ?? Number.POSITIVE_INFINITY,
      data.train.batchesPerEpoch,
      data.val.batchesPerEpoch,
    );
    if (!(this.stepsPerEpoch >= 1)) throw new Error('the search data yields no full batch: use a smaller batch size');
    this.totalSteps = this.stepsPerEpoch * config.epochs;
  }

  get done(): boolean {
    return this.globalStep >= this.totalSteps;
  }

  get step(): number {
    return this.globalStep;
  }

  info(): StepInfo {
    return {
      epoch: Math.floor(this.globalStep / this.stepsPerEpoch),
      stepInEpoch: this.globalStep % this.stepsPerEpoch,
      globalStep: this.globalStep,
      stepsPerEpoch: this.stepsPerEpoch,
      totalEpochs: this.config.epochs,
    };
  }

  /** Runs one search step (and the epoch-end hook after an epoch's last step). */
  runStep(): StepReport {
    if (this.done) throw new Error('the search is already complete');
    const info = this.info();
    const train = this.data.train.next();
    const val = this.data.val.next();
    let metrics: StepMetrics;
    try {
      metrics = this.strategy.step(train, val, info);
    } catch (e) {
      throw explainBackendError(e);
    } finally {
      tf.dispose([train.x, train.y, val.x, val.y]);
    }
    this.globalStep += 1;
    const report: StepReport = { info, metrics };
    if (info.stepInEpoch === info.stepsPerEpoch - 1) {
      const extra = this.strategy.epochEnd(info.epoch);
      report.epochEnd = { arch: this.strategy.architecture(), genotype: this.strategy.derive(), metrics: extra };
    }
    return report;
  }

  counters(): SessionCounters {
    return { globalStep: this.globalStep, rng: this.rng.getState() };
  }

  restoreCounters(c: SessionCounters): void {
    this.globalStep = c.globalStep;
    this.rng.setState(c.rng);
  }

  dispose(): void {
    this.strategy.dispose();
    this.network.dispose();
  }
}
