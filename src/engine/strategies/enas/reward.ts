import * as tf from '../../tf';
import type { Batch, TextBatch } from '../../data/batch';
import type { ArchAssignment, LanguageModelSupernet, Supernet } from '../../search/supernet';
import type { HostReads } from '../../search/host-reads';
import type { StepMetrics } from '../../search/strategy';
import { HiddenCarry, languageModelReward, lmLoss } from '../../train/language-model';
import { accuracy, crossEntropy } from '../../train/loss';

/**
 * What the controller is rewarded with for one sampled child on one validation batch — the seam
 * between ENAS and the task. 'accuracy' is the CNN reference's (micro_controller.py build_trainer:
 * valid_shuffle_acc / batch_size, the child run with batch statistics as its search graph always
 * is); 'perplexity' is the RNN reference's (ENAS-pytorch trainer.py get_reward: c / perplexity on a
 * validation window, c = 80), `perplexityReward` below. Image rewards are in REWARDS; the text one
 * needs the carried hidden state as well.
 */
export type RewardName = 'accuracy' | 'perplexity';

export interface RewardResult {
  /** The task reward before the entropy bonus. */
  reward: number;
  metrics: StepMetrics;
}

/**
 * A reward computed on the device and not read yet: its scalar tensors, and how their host values
 * make the RewardResult. A controller step computes its M rewards first and reads them all in one go
 * (one round trip on webgpu; see search/host-reads.ts); `rewardRead` reads one alone.
 */
export interface PendingReward {
  tensors: tf.Tensor[];
  finish(values: readonly tf.TypedArray[]): RewardResult;
}

export type RewardFn = (net: Supernet, arch: ArchAssignment, batch: Batch) => PendingReward;

/** Reads pending rewards in one read (then disposes their tensors) into their results, in order. */
export function* rewardsRead(pending: readonly PendingReward[]): HostReads<RewardResult[]> {
  const tensors = pending.flatMap((p) => p.tensors);
  let values: tf.TypedArray[];
  try {
    values = yield tensors;
  } finally {
    tf.dispose(tensors);
  }
  let at = 0;
  return pending.map((p) => {
    const mine = values.slice(at, at + p.tensors.length);
    at += p.tensors.length;
    return p.finish(mine);
  });
}

/** Accuracy of the sampled child on the batch; BatchNorm on batch statistics, running statistics untouched. */
export const accuracyReward: RewardFn = (net, arch, batch) => {
  const tensors = tf.tidy(() => {
    const logits = net.logits(batch.x, arch, { training: true, frozenStats: true });
    return [accuracy(logits, batch.y), crossEntropy(logits, batch.y)];
  });
  return {
    tensors,
    finish: ([acc, loss]) => ({
      reward: acc[0],
      metrics: { childValAcc: acc[0], childValLoss: loss[0] },
    }),
  };
};

/** The rewards on image batches, by name. */
export const REWARDS: Record<Exclude<RewardName, 'perplexity'>, RewardFn> = { accuracy: accuracyReward };

/**
 * c / perplexity of the sampled child on one validation window (ENAS-pytorch get_reward), the window's
 * hidden state taken from `carry` and the state after it put back (the reference carries its reward
 * hidden state from one controller step to the next, and starts from zeros where the validation
 * data wraps around: the window marked `first`). Eval mode: no dropout (the reference keeps the
 * shared model in train mode here, see docs). Perplexity = exp(mean token cross-entropy). The carry
 * moves on the device, so the next reward may be computed before this one is read.
 */
export function perplexityReward(
  net: LanguageModelSupernet,
  arch: ArchAssignment,
  window: TextBatch,
  carry: HiddenCarry,
  c: number,
): PendingReward {
  const h0 = carry.take(net, window);
  const [loss, next] = tf.tidy(() => {
    const out = net.lmLogits(window.x, h0, arch, { training: false });
    return [lmLoss(out.logits, window.y), out.hidden] as const;
  });
  h0.dispose();
  carry.put(next);
  return {
    tensors: [loss],
    finish: ([l]) => ({
      reward: languageModelReward(l[0], c),
      metrics: { childValLoss: l[0], childValPpl: Math.exp(l[0]) },
    }),
  };
}

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
