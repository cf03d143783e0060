import * as tf from '../../tf';
import type { Batch } from '../../data/batch';
import type { ArchAssignment, Supernet } from '../../search/supernet';
import type { StepMetrics } from '../../search/strategy';
import { accuracy, crossEntropy } from '../../train/loss';

/**
 * What the controller is rewarded with for one sampled child on one validation batch — the seam
 * between ENAS and the task. 'accuracy' is the CNN reference's (micro_controller.py build_trainer:
 * valid_shuffle_acc / batch_size, the child run with batch statistics as its search graph always
 * is). A language-model space adds its own here (the RNN reference's c/perplexity, c = 80) together
 * with its `childLoss`.
 */
export type RewardName = 'accuracy';

export interface RewardResult {
  /** The task reward before the entropy bonus. */
  reward: number;
  metrics: StepMetrics;
}

export type RewardFn = (net: Supernet, arch: ArchAssignment, batch: Batch) => RewardResult;

/** Accuracy of the sampled child on the batch; BatchNorm on batch statistics, running statistics untouched. */
export const accuracyReward: RewardFn = (net, arch, batch) => {
  const [acc, loss] = tf.tidy(() => {
    const logits = net.logits(batch.x, arch, { training: true, frozenStats: true });
    return [accuracy(logits, batch.y), crossEntropy(logits, batch.y)];
  });
  const out = {
    reward: acc.dataSync()[0],
    metrics: { childValAcc: acc.dataSync()[0], childValLoss: loss.dataSync()[0] },
  };
  tf.dispose([acc, loss]);
  return out;
};

export const REWARDS: Record<RewardName, RewardFn> = { accuracy: accuracyReward };

/**
 * The shared weights' training loss of one sampled child on a training batch (image classification:
 * mean cross-entropy, training-mode BatchNorm) and its accuracy; call inside variableGrads.
 */
export function childLoss(
  net: Supernet,
  arch: ArchAssignment,
  batch: Batch,
): { loss: tf.Scalar; acc: tf.Scalar } {
  const logits = net.logits(batch.x, arch, { training: true });
  return { loss: crossEntropy(logits, batch.y), acc: accuracy(logits, batch.y) };
}
