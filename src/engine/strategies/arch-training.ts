import * as tf from '../tf';
import type { NamedTensorState } from '../optim/state';
import type { SearchSpace } from '../search/space';
import type { ArchAssignment, Supernet } from '../search/supernet';
import type { Batch, PhaseBudget } from '../search/strategy';
import { accuracy, crossEntropy } from '../train/loss';
import { WeightTrainer, type WeightTrainerConfig } from '../train/weight-trainer';
import { ArchParameters, type ArchOptimiserConfig, type RowMap } from './arch-params';
import { CollapseAlarm, type CollapseProbe } from './collapse/alarm';
import type { CollapseAlarmConfig } from './collapse-alarm-spec';

/** What the three parts read of a DARTS-family config. */
export type ArchTrainingConfig = WeightTrainerConfig & ArchOptimiserConfig & CollapseAlarmConfig;

/**
 * What every DARTS-family strategy trains on one supernet, and checkpoints together: the weights'
 * trainer (SGD), the architecture parameters (α groups and their Adam) and the collapse alarm. A
 * strategy holds one (P-DARTS: one per stage) and adds its own scalars to the checkpoint.
 *
 * The checkpoint layout is fixed (old run folders resume with it): scalars `adamStep`, `lr`, then
 * the strategy's own, then the alarm's `collapseAlarm` (only while it is on); tensors `<group>.<label>`,
 * `sgd.*`, `adam.*`.
 */
export class ArchTraining {
  readonly trainer: WeightTrainer;
  readonly arch: ArchParameters;
  readonly alarm: CollapseAlarm;

  /** Takes the supernet's parameters as the weights (call after any rebuild of its ops, e.g. PC-DARTS). */
  constructor(
    net: Supernet,
    space: SearchSpace,
    groups: ConstructorParameters<typeof ArchParameters>[0],
    cfg: ArchTrainingConfig,
    owner: string,
  ) {
    this.trainer = new WeightTrainer(net.parameters(), cfg);
    this.arch = new ArchParameters(groups, cfg, owner);
    this.alarm = new CollapseAlarm(cfg, space, net, owner);
  }

  /** The supernet's weights, in the trainer's order. */
  get weights(): tf.Variable[] {
    return this.trainer.weights;
  }

  /**
   * The checkpoint entry, with the strategy's own scalars (`own`) after `adamStep` and `lr`. `lr` is
   * the trainer's unless given (P-DARTS reports its last stage's across a rebuild).
   */
  getState(own: NamedTensorState['scalars'] = {}, lr: number = this.trainer.lr): NamedTensorState {
    const a = this.arch.state(this.trainer.getState().tensors);
    return { scalars: { adamStep: a.adamStep, lr, ...own, ...this.alarm.scalars() }, tensors: a.tensors };
  }

  /** Restores all three from getState's entry (the strategy restores its own scalars). */
  setState(state: NamedTensorState): void {
    this.arch.restore(state);
    this.alarm.restore(state.scalars);
    this.trainer.setState(state);
  }

  /**
   * The epoch end's reads, done ahead asynchronously on a backend without synchronous reads (webgpu):
   * the alarm's Hessian reading when one is due — first, since it moves α and restores it, which
   * gives α new data and would make a read of softmax(α) before it stale — then softmax(α) (or σ)
   * of every group.
   */
  async prefetchHostReads(
    probe: Pick<CollapseProbe, 'alphas' | 'valLoss'>,
    map: RowMap = 'softmax',
  ): Promise<void> {
    await this.alarm.prefetchReading(probe);
    await this.arch.prefetchRows(map);
  }

  dispose(): void {
    this.alarm.dispose();
    this.arch.dispose();
    this.trainer.dispose();
  }
}

/** Steps per epoch of a search phase: the cap, the training batches and (when it draws them) the validation batches. */
export function searchStepsPerEpoch(budget: PhaseBudget, drawsVal = true): number {
  return Math.min(
    budget.stepsPerEpochCap ?? Number.POSITIVE_INFINITY,
    budget.trainBatches,
    drawsVal ? budget.valBatches : Number.POSITIVE_INFINITY,
  );
}

/**
 * The collapse alarm's loss for strategies that search by sampling (GDAS, SNAS) or by a discrete
 * projection (NASP): the cross-entropy of the supernet mixed by `mix(α)` per label (softmax by
 * default), training-mode BatchNorm with frozen statistics.
 */
export function mixedValLoss(
  net: Supernet,
  alphas: ReadonlyMap<string, tf.Variable>,
  mix: (a: tf.Variable) => tf.Tensor2D = (a) => tf.softmax(a) as tf.Tensor2D,
): (b: Batch) => tf.Scalar {
  return (b) => {
    const assignment: ArchAssignment = {};
    for (const [label, a] of alphas) assignment[label] = { kind: 'mix', weights: mix(a) };
    return crossEntropy(net.logits(b.x, assignment, { training: true, frozenStats: true }), b.y);
  };
}

/**
 * The collapse probe's loss part for those strategies (GDAS, SNAS): every α (the Hessian's
 * variables) and mixedValLoss under softmax(α).
 */
export function mixedAlarmLoss(
  net: Supernet,
  alphas: ReadonlyMap<string, tf.Variable>,
): Pick<CollapseProbe, 'alphas' | 'valLoss'> {
  return { alphas: [...alphas.values()], valLoss: mixedValLoss(net, alphas) };
}

/** A supernet pass's mean cross-entropy, accuracy and gradients (aligned with the variables asked for). */
// A type, not an interface: tf.tidy's TensorContainer needs the implicit index signature.
export type SupernetGradients = {
  loss: tf.Scalar;
  acc: tf.Scalar;
  grads: tf.Tensor[];
};

/**
 * The cross-entropy of the supernet on `batch` under `assignment()` (training-mode BatchNorm) and its
 * gradients w.r.t. `vars`, a variable it does not reach getting zeros (DARTS, PC-DARTS, P-DARTS, GDAS).
 * The assignment is built inside the gradient scope, so that the gradient flows through it to α.
 */
export function supernetGradients(
  net: Supernet,
  batch: Batch,
  assignment: () => ArchAssignment,
  vars: tf.Variable[],
): SupernetGradients {
  let logits: tf.Tensor2D | undefined;
  const { value, grads } = tf.variableGrads(() => {
    // Kept past the gradient scope so that accuracy needs no second forward pass; it joins the caller's scope below.
    logits = tf.keep(net.logits(batch.x, assignment(), { training: true }));
    return crossEntropy(logits, batch.y);
  }, vars);
  const acc = accuracy(logits as tf.Tensor2D, batch.y);
  (logits as tf.Tensor2D).dispose();
  return { loss: value, acc, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
}
