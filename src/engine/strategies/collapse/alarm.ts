import * as tf from '../../tf';
import type { Batch } from '../../data/batch';
import type { NamedTensorState } from '../../optim/state';
import type { ChoiceWeights, SearchSpace } from '../../search/space';
import type { EpochEndResult, StepInfo, StepMetrics } from '../../search/strategy';
import type { Supernet } from '../../search/supernet';
import { learnableRanking, sameRanking, skipCounts, watchedLabels } from './darts-plus';
import { addReading, emptyRuleState, type EigenvalueRuleState } from './eigenvalue-rule';
import { ALARM_KEYS, skipMetricKey, type CollapseAlarmConfig } from '../collapse-alarm-spec';
import {
  dominantEigenvalue,
  dominantEigenvalueAsync,
  type EigenEstimate,
  type PowerIterationOptions,
} from './hessian';

/**
 * What a strategy hands the alarm at an epoch's end: its architecture parameters, the validation
 * loss as a function of them, its derivation and weights as they are now.
 */
export interface CollapseProbe {
  /** The α whose Hessian is read (DARTS, GDAS: α per label; PC-DARTS: α, β held fixed). */
  alphas: readonly tf.Variable[];
  /**
   * The validation loss on `batch` at the current α, differentiable in α. Must leave the supernet
   * as it found it: training-mode BatchNorm with frozen statistics (ForwardContext.frozenStats), no
   * draw from the search's generator.
   */
  valLoss(batch: Batch): tf.Scalar;
  /** The strategy's own derivation now (not a rolled-back genotype). */
  derive(): unknown;
  /** Per label, the weights the ranking criterion reads (softmax(α); any per-row monotone map will do). */
  weights(): ChoiceWeights;
  /** L2 on α in the α optimiser: the reference's Hessian is that of L_val + wd/2·‖α‖², so λ + wd. */
  weightDecay: number;
  /**
   * Whether α moved in this epoch (default true; false in a warm-up that trains the weights only).
   * An epoch without is logged but not judged: DARTS+ raises no alarm on an α nobody trained (its
   * ranking is trivially stable, its skips those of the initialisation), and the ranking's stable
   * count starts again from the first epoch α moves.
   */
  archStep?: boolean;
  /**
   * The architecture DARTS+'s skip rule counts, where it is not derive()'s (P-DARTS: its cell before
   * the `maxSkips` cap, which would hide the very collapse the rule looks for). Default: derive().
   */
  skipArchitecture?(): unknown;
  /**
   * What else a Hessian stop must return to, stored with each reading's genotype (P-DARTS: the
   * softmax(α) that prunes the stage's ops); `rollbackKept()` gives the stop epoch's. Plain JSON.
   */
  keep?(): unknown;
}

/** Everything the alarm must carry across a pause (the checkpoint's `collapseAlarm` scalar, JSON). */
interface AlarmState {
  rule: EigenvalueRuleState;
  /** The derived architecture at each reading's epoch: a Hessian stop returns one of them. */
  genotypes: Record<string, unknown>;
  ranking: Record<string, number[][]> | null;
  stableEpochs: number;
  /** Set once the alarm has stopped the search (stop mode). */
  stopped: { reason: string; genotype: unknown | null; kept?: unknown } | null;
  /** Per reading's epoch, what the probe's `keep` gave (only for probes that have one). */
  kept?: Record<string, unknown>;
}

const STATE_KEY = 'collapseAlarm';

/**
 * The collapse alarm of the DARTS family (docs/strategies.md, "Collapse alarm"): a strategy builds
 * one from its config, hands it the last validation batch of each epoch (`keepBatch`, from `step`)
 * and calls `epochEnd` from its own `epochEnd`; `rollback()` is what its `derive` returns once a
 * Hessian stop has chosen an earlier genotype. Off, it computes nothing and returns no metrics.
 */
export class CollapseAlarm {
  private state: AlarmState = CollapseAlarm.fresh();
  private batch: Batch | null = null;
  /** The Hessian reading of the kept batch, computed ahead by prefetchReading (webgpu), for epochEnd. */
  private ahead: EigenEstimate | null = null;
  /** Per label and row, the options that own parameters (DARTS+'s learnable ops). */
  private readonly parameterised: Record<string, number[][]>;

  constructor(
    private readonly cfg: CollapseAlarmConfig,
    private readonly space: SearchSpace,
    net: Supernet,
    private readonly owner: string,
  ) {
    this.parameterised = Object.fromEntries(
      space.choicePoints.map((cp) => [
        cp.label,
        cp.rows.map((_, r) =>
          cp.options.map((_, k) => k).filter((k) => net.optionParameters(cp.label, r, k).length > 0),
        ),
      ]),
    );
  }

  private static fresh(): AlarmState {
    return { rule: emptyRuleState(), genotypes: {}, ranking: null, stableEpochs: 0, stopped: null };
  }

  get enabled(): boolean {
    return this.cfg.collapseAlarm !== 'off';
  }

  /** Whether this epoch ends with an eigenvalue reading (every `hessianEvery` epochs and the last). */
  readsHessian(info: StepInfo): boolean {
    const every = this.cfg.hessianEvery;
    return this.enabled && every > 0 && (info.epoch % every === 0 || info.epoch === info.totalEpochs - 1);
  }

  /**
   * From `step`, with the validation batch it used (null when it used none, e.g. PC-DARTS's warm-up):
   * on the last step of an epoch with a reading, a copy is kept for `epochEnd` (the reference reads
   * the Hessian on the epoch's last search batch). No batch is drawn, so the data stream is unchanged.
   */
  keepBatch(info: StepInfo, val: Batch | null): void {
    if (!val || info.stepInEpoch !== info.stepsPerEpoch - 1 || !this.readsHessian(info)) return;
    this.dropBatch();
    this.batch = { x: val.x.clone(), y: val.y.clone() };
  }

  private dropBatch(): void {
    if (this.batch) tf.dispose([this.batch.x, this.batch.y]);
    this.batch = null;
    this.ahead = null;
  }

  /** ∇α of the probe's validation loss on `batch`, at α's current values. */
  private gradientOf(probe: Pick<CollapseProbe, 'alphas' | 'valLoss'>, batch: Batch): () => tf.Tensor[] {
    return () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(() => probe.valLoss(batch), [...probe.alphas]);
        return probe.alphas.map((a) => grads[a.name] ?? tf.zerosLike(a));
      });
  }

  private powerOptions(): PowerIterationOptions {
    return {
      iterations: this.cfg.hessianIterations,
      epsilon: this.cfg.hessianEpsilon,
      // One start vector per reading, independent of the search's generator (resumes alike).
      seed: 0x5eed + this.state.rule.readings.length,
    };
  }

  /**
   * On a backend without synchronous reads (webgpu), before the epoch end (the strategy's
   * prefetchHostReads): the Hessian reading epochEnd would take, with its Rayleigh quotients awaited.
   * The same tensor work in the same order as epochEnd's own (hessian.ts powerIteration), so the
   * reading is the one a synchronous backend gives up to rounding. Nothing when no reading is due.
   */
  async prefetchReading(probe: Pick<CollapseProbe, 'alphas' | 'valLoss'>): Promise<void> {
    if (!this.batch || this.ahead) return;
    this.ahead = await dominantEigenvalueAsync(
      probe.alphas,
      this.gradientOf(probe, this.batch),
      this.powerOptions(),
    );
  }

  /** The epoch's readings and verdicts; in stop mode, the reason to end the phase when a criterion fires. */
  epochEnd(info: StepInfo, probe: CollapseProbe): EpochEndResult {
    if (!this.enabled) return { metrics: {} };
    const metrics: StepMetrics = {};
    const reasons: string[] = [];
    let rollback: unknown | null = null;
    let rollbackKept: unknown;
    const genotype = probe.derive();
    const judged = probe.archStep ?? true;
    const lastEpoch = info.epoch === info.totalEpochs - 1;

    if (this.batch && this.readsHessian(info)) {
      const estimate =
        this.ahead ??
        dominantEigenvalue(probe.alphas, this.gradientOf(probe, this.batch), this.powerOptions());
      this.dropBatch();
      const value = estimate.value + probe.weightDecay;
      metrics.hessianEigenvalue = value;
      metrics.hessianProducts = estimate.products;
      this.state.genotypes[String(info.epoch)] = genotype;
      if (probe.keep) (this.state.kept ??= {})[String(info.epoch)] = probe.keep();
      const verdict = addReading(
        this.state.rule,
        {
          window: this.cfg.hessianWindow,
          delta: this.cfg.hessianDelta,
          factor: this.cfg.hessianFactor,
          startEpoch: this.cfg.hessianStartEpoch,
        },
        { epoch: info.epoch, value },
        lastEpoch,
      );
      if (verdict.localAverage !== undefined) metrics.hessianLocalAverage = verdict.localAverage;
      if (verdict.stop) {
        metrics[ALARM_KEYS.hessian] = 1;
        metrics.hessianStopEpoch = verdict.stop.epoch;
        reasons.push(
          `the Hessian's dominant eigenvalue grew ×${verdict.stop.ratio.toFixed(2)} (local average over ${this.cfg.hessianWindow} readings, ${this.cfg.hessianDelta} readings apart; more than ×${this.cfg.hessianFactor}): genotype of epoch ${verdict.stop.epoch} kept (DARTS-ES)`,
        );
        rollback = this.state.genotypes[String(verdict.stop.epoch)] ?? null;
        rollbackKept = this.state.kept?.[String(verdict.stop.epoch)];
      }
    }

    const skips = skipCounts(this.space, probe.skipArchitecture ? probe.skipArchitecture() : genotype);
    for (const [label, n] of Object.entries(skips)) metrics[skipMetricKey(label)] = n;
    const limit = this.cfg.dartsPlusSkips;
    const crowded = watchedLabels(this.space).filter((l) => judged && limit > 0 && (skips[l] ?? 0) >= limit);
    if (crowded.length) {
      metrics[ALARM_KEYS.skips] = 1;
      reasons.push(
        `the derived ${crowded.join(', ')} cell has ${crowded.map((l) => skips[l]).join(', ')} skip connections (DARTS+: at least ${limit})`,
      );
    }

    const ranking = learnableRanking(probe.weights(), this.parameterised);
    this.state.stableEpochs =
      judged && this.state.ranking && sameRanking(ranking, this.state.ranking)
        ? this.state.stableEpochs + 1
        : 0;
    this.state.ranking = ranking;
    metrics.rankingStableEpochs = this.state.stableEpochs;
    const stable = this.cfg.dartsPlusStableEpochs;
    if (stable > 0 && this.state.stableEpochs >= stable) {
      metrics[ALARM_KEYS.ranking] = 1;
      reasons.push(
        `the ranking of α over the parameterised ops has not changed for ${this.state.stableEpochs} epochs (DARTS+: ${stable})`,
      );
    }

    if (!reasons.length) return { metrics };
    metrics.collapseAlarm = 1;
    if (this.cfg.collapseAlarm !== 'stop' || this.state.stopped) return { metrics };
    const reason = `collapse alarm (${this.owner}): ${reasons.join('; ')}`;
    this.state.stopped = {
      reason,
      genotype: rollback,
      ...(rollbackKept !== undefined ? { kept: rollbackKept } : {}),
    };
    return { metrics, stopPhase: reason };
  }

  /** The genotype a Hessian stop kept (the strategy's `derive` returns it), or null. */
  rollback(): unknown | null {
    return this.state.stopped?.genotype ?? null;
  }

  /** What the probe's `keep` gave at a Hessian stop's epoch, or null (no stop, or no `keep`). */
  rollbackKept(): unknown | null {
    return this.state.stopped?.kept ?? null;
  }

  /** The alarm's checkpoint entry (none while it is off, so checkpoints stay as they were). */
  scalars(): NamedTensorState['scalars'] {
    return this.enabled ? { [STATE_KEY]: JSON.stringify(this.state) } : {};
  }

  restore(scalars: NamedTensorState['scalars']): void {
    const s = scalars[STATE_KEY];
    if (s === undefined || s === null) {
      this.state = CollapseAlarm.fresh();
      return;
    }
    if (typeof s !== 'string') throw new Error(`${this.owner} state: ${STATE_KEY} must be a JSON string`);
    this.state = JSON.parse(s) as AlarmState;
  }

  dispose(): void {
    this.dropBatch();
  }
}
