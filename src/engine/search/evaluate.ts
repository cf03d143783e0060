import * as tf from '../tf';
import type { Batch } from '../data/batch';
import type { ForwardContext } from '../nn/module';
import { accuracy, crossEntropy } from '../train/loss';
import type { Choices } from './space';
import { readNow, type HostReads } from './host-reads';
import { sampleAssignment, type ArchAssignment, type Supernet } from './supernet';

/**
 * How BatchNorm behaves while one architecture is scored with the supernet's weights:
 * - 'running': the supernet's running statistics (eval mode: the reference's `model.eval()`);
 * - 'batch': each scoring batch's own statistics, the running ones left untouched;
 * - 'recalibrate': SPOS's BN recalibration (megvii-model/SinglePathOneShot src/Search/tester.py):
 *   reset the running statistics, forward training batches through the candidate in training mode
 *   without gradients, then score in eval mode with the statistics so gathered. The supernet's own
 *   statistics are restored afterwards, so scoring one candidate never changes the next one's score.
 */
export type ScoringBatchNorm = 'running' | 'batch' | 'recalibrate';

export interface EvaluateOptions {
  /** Validation batches to score on (pulled from `val`, disposed as soon as they are used). */
  batches: number;
  val: () => Batch;
  batchNorm: ScoringBatchNorm;
  /** For 'recalibrate': how many training batches, and where they come from. */
  recalibration?: { batches: number; train: () => Batch };
}

/** Accuracy (fraction correct) and mean cross-entropy over every image of the scoring batches. */
export interface Evaluation {
  accuracy: number;
  loss: number;
}

/**
 * Validation accuracy and loss of one discrete architecture (its choices) with the supernet's
 * inherited weights, over `batches` validation batches: the candidate scorer of random search, SPOS
 * and regularized evolution. Accuracies and losses are averaged per image (batch sizes may differ).
 * Reads synchronously; evaluationReads is the same scoring for an asynchronous step (webgpu).
 */
export function evaluateChoices(net: Supernet, choices: Choices, opts: EvaluateOptions): Evaluation {
  return readNow(evaluationReads(net, choices, opts));
}

/**
 * evaluateChoices as a host-reads program (search/host-reads.ts): every batch's loss and accuracy
 * are computed first (the supernet's BatchNorm statistics restored after a recalibration), then read
 * in one go, then averaged on the host exactly as evaluateChoices does.
 */
export function* evaluationReads(
  net: Supernet,
  choices: Choices,
  opts: EvaluateOptions,
): HostReads<Evaluation> {
  const assignment = sampleAssignment(choices);
  let scores: BatchScores;
  if (opts.batchNorm !== 'recalibrate')
    scores = scoreBatches(net, assignment, { training: opts.batchNorm === 'batch', frozenStats: true }, opts);
  else {
    const r = opts.recalibration;
    if (!r || !(r.batches >= 1)) throw new Error('BatchNorm recalibration needs at least one training batch');
    const saved = net.namedBuffers().map(([, v]) => [v, v.clone()] as const);
    try {
      recalibrateBatchNorm(net, assignment, r.batches, r.train);
      scores = scoreBatches(net, assignment, { training: false }, opts);
    } finally {
      for (const [v, copy] of saved) {
        v.assign(copy);
        copy.dispose();
      }
    }
  }
  const tensors = scores.flatMap((b) => [b.loss, b.acc]);
  let values: tf.TypedArray[];
  try {
    values = yield tensors;
  } finally {
    tf.dispose(tensors);
  }
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  scores.forEach(({ size }, i) => {
    correct += values[2 * i + 1][0] * size;
    lossSum += values[2 * i][0] * size;
    n += size;
  });
  return { accuracy: correct / n, loss: lossSum / n };
}

/** Per scoring batch: its mean cross-entropy and accuracy (scalars on the device) and its size. */
type BatchScores = { loss: tf.Tensor; acc: tf.Tensor; size: number }[];

function scoreBatches(
  net: Supernet,
  assignment: ArchAssignment,
  forward: ForwardContext,
  opts: EvaluateOptions,
): BatchScores {
  const out: BatchScores = [];
  for (let i = 0; i < opts.batches; i++) {
    const b = opts.val();
    const [loss, acc] = tf.tidy(() => {
      const logits = net.logits(b.x, assignment, forward);
      return [crossEntropy(logits, b.y), accuracy(logits, b.y)];
    });
    out.push({ loss, acc, size: b.y.shape[0] });
    // Done with it: a whole-split score would otherwise hold every batch until the step ends.
    tf.dispose([b.x, b.y]);
  }
  return out;
}

/**
 * BatchNorm recalibration of one architecture: every BatchNorm's running statistics are reset (mean 0,
 * variance 1, as the reference's tester.py), then `batches` training batches run through the
 * architecture in training mode without gradients, each BatchNorm on the path updating its statistics
 * as a cumulative average (ForwardContext.cumulativeStats, PyTorch's momentum=None): afterwards its
 * running mean is the mean of its per-batch means and its running variance the mean of its per-batch
 * unbiased variances. BatchNorms off the path keep the reset values. Leaves the new statistics in
 * place: the caller restores the supernet's own (evaluateChoices does).
 */
export function recalibrateBatchNorm(
  net: Supernet,
  assignment: ArchAssignment,
  batches: number,
  train: () => Batch,
): void {
  tf.tidy(() => {
    for (const [name, v] of net.namedBuffers()) {
      if (name.endsWith('running_mean')) v.assign(tf.zerosLike(v));
      else if (name.endsWith('running_var')) v.assign(tf.onesLike(v));
    }
  });
  const ctx: ForwardContext = { training: true, cumulativeStats: new Map() };
  for (let i = 0; i < batches; i++) {
    const b = train();
    tf.tidy(() => {
      net.logits(b.x, assignment, ctx);
    });
    tf.dispose([b.x, b.y]);
  }
}
