import * as tf from '../tf';
import type { TextBatch } from '../data/batch';
import { clipByGlobalNorm } from '../optim/clip';
import { Sgd } from '../optim/sgd';
import type { NamedTensorState } from '../optim/state';
import { readNow, type HostReads } from '../search/host-reads';
import type { ArchAssignment, LanguageModelNet, LanguageModelSupernet } from '../search/supernet';
import type { Rng } from '../util/rng';
import { crossEntropy } from './loss';
import type { LmTrainerConfig } from './lm-fields';

/**
 * The ENAS reward of a language model: c / perplexity with c = 80 (ENAS-pytorch config.py reward_c,
 * from Zoph & Le 2017; trainer.py get_reward), perplexity = exp(mean token cross-entropy) on a
 * validation window. Random search on a language-model space scores candidates with it too.
 */
export const LM_REWARD_C = 80;
export function languageModelReward(loss: number, c = LM_REWARD_C): number {
  return c / Math.exp(loss);
}

/**
 * Mean cross-entropy per token of logits [batch·len, vocab] against the window's targets [batch, len]
 * (flattened batch-major, as the logits are): PyTorch's nn.CrossEntropyLoss over every token.
 */
export function lmLoss(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => crossEntropy(logits, tf.reshape(targets, [-1]) as tf.Tensor1D));
}

/**
 * The hidden state a stream carries from one window to the next (truncated BPTT): a kept tensor,
 * detached by construction (each window's gradient is taken inside its own tape, where the carried
 * state is a constant, as the references' hidden.detach_()). It starts from zeros on a window marked
 * `first` (a pass over the split begins: the references re-initialise the hidden state there) and
 * when the batch size changes.
 */
export class HiddenCarry {
  private h: tf.Tensor2D | null = null;

  constructor(readonly key: string) {}

  /** The state for `batch` (a new tensor the caller disposes, or uses inside its tidy). */
  take(net: LanguageModelNet, batch: TextBatch): tf.Tensor2D {
    const B = batch.x.shape[0];
    if (batch.first || !this.h || this.h.shape[0] !== B) return net.initHidden(B);
    return this.h.clone();
  }

  /** Keeps `h` (taking ownership) as the state after the window, disposing the previous one. */
  put(h: tf.Tensor2D): void {
    this.h?.dispose();
    this.h = h;
  }

  reset(): void {
    this.h?.dispose();
    this.h = null;
  }

  /** Checkpoint entry `<key>` (absent before the first window). */
  tensors(): Record<string, tf.Tensor> {
    return this.h ? { [this.key]: this.h } : {};
  }

  restore(tensors: Record<string, tf.Tensor>): void {
    const t = tensors[this.key];
    this.reset();
    if (t) this.h = t.clone() as tf.Tensor2D;
  }

  dispose(): void {
    this.reset();
  }
}

/** Loss and perplexity over a set of windows, every target token weighted equally. */
export interface LmEvaluation {
  /** Mean cross-entropy per token. */
  loss: number;
  perplexity: number;
  tokens: number;
}

/**
 * Perplexity of one architecture over the windows of a split, in order, in eval mode (no dropout):
 * the hidden state starts from zeros and is carried from window to window (reset again at a window
 * marked `first`). The result is exp(Σ token CE / number of tokens) over all windows, not a mean of
 * per-window perplexities (ENAS-pytorch evaluate(): total_loss weighted by window length / len(data)).
 * Each window is disposed as soon as it is scored.
 */
export function evaluateLanguageModel(
  net: LanguageModelSupernet,
  assignment: ArchAssignment,
  windows: Iterable<TextBatch>,
): LmEvaluation {
  return readNow(languageModelEvaluationReads(net, assignment, windows));
}

/**
 * evaluateLanguageModel as a host-reads program (search/host-reads.ts): every window's loss is
 * computed first (the hidden state carried on the device), then all are read in one go and summed
 * on the host in window order, exactly as evaluateLanguageModel does.
 */
export function* languageModelEvaluationReads(
  net: LanguageModelSupernet,
  assignment: ArchAssignment,
  windows: Iterable<TextBatch>,
): HostReads<LmEvaluation> {
  const carry = new HiddenCarry('eval');
  const losses: tf.Tensor[] = [];
  const sizes: number[] = [];
  let values: tf.TypedArray[];
  try {
    try {
      for (const w of windows) {
        const h0 = carry.take(net, w);
        const [loss, next] = tf.tidy(() => {
          const out = net.lmLogits(w.x, h0, assignment, { training: false });
          return [lmLoss(out.logits, w.y), out.hidden] as const;
        });
        h0.dispose();
        carry.put(next);
        losses.push(loss);
        sizes.push(w.y.size);
        tf.dispose([w.x, w.y]);
      }
    } finally {
      carry.dispose();
    }
    values = yield losses;
  } finally {
    tf.dispose(losses);
  }
  let sum = 0;
  let tokens = 0;
  sizes.forEach((n, i) => {
    sum += values[i][0] * n;
    tokens += n;
  });
  if (tokens === 0) throw new Error('no windows to evaluate the language model on');
  const loss = sum / tokens;
  return { loss, perplexity: Math.exp(loss), tokens };
}

/**
 * Shared-weight training of a language model as ENAS-pytorch does it (trainer.py train_shared):
 * plain SGD (no momentum) with L2 weight decay, the learning rate lr·decay^max(0, epoch − decayAfter)
 * (epochs counted from 0: 20 for epochs 0..15, then ×0.96 per epoch), gradients clipped to a global
 * norm first. With `only`, just those weights take part (the sampled cell's), clipping included.
 */
export class LmTrainer {
  readonly sgd: Sgd;
  private currentLr: number;

  constructor(
    readonly weights: tf.Variable[],
    readonly config: LmTrainerConfig,
  ) {
    this.sgd = new Sgd(weights, { momentum: 0, weightDecay: config.lmWeightDecay });
    this.currentLr = config.lmLr;
  }

  get lr(): number {
    return this.currentLr;
  }

  startEpoch(epoch: number): number {
    const c = this.config;
    this.currentLr = c.lmLr * c.lmLrDecay ** Math.max(0, epoch - c.lmLrDecayAfter);
    return this.currentLr;
  }

  /** One update; returns the global gradient norm before clipping. Call inside the caller's tidy. */
  apply(grads: tf.Tensor[], only?: readonly number[]): tf.Scalar {
    const used = only ? only.map((i) => grads[i]) : grads;
    const clipped = clipByGlobalNorm(used, this.config.lmGradClip);
    let aligned = clipped.grads;
    if (only) {
      aligned = grads.slice();
      only.forEach((i, k) => (aligned[i] = clipped.grads[k]));
    }
    this.sgd.step(aligned, this.currentLr, only);
    return clipped.norm;
  }

  getState(): NamedTensorState {
    return { scalars: { lr: this.currentLr }, tensors: {} };
  }

  setState(state: NamedTensorState): void {
    this.currentLr = Number(state.scalars.lr ?? this.config.lmLr);
  }

  dispose(): void {
    this.sgd.dispose();
  }
}

/**
 * One truncated-BPTT training step of a language model on one window under `assignment`: the
 * carried state in, mean token cross-entropy, gradients for `weights` (only those the forward
 * used move), the state out kept for the next window. Returns the loss and the gradient norm.
 */
export function lmTrainStep(
  net: LanguageModelSupernet,
  trainer: LmTrainer,
  carry: HiddenCarry,
  batch: TextBatch,
  assignment: ArchAssignment,
  rng: Rng,
): { loss: number; gradNorm: number } {
  const out = lmTrainStepTensors(net, trainer, carry, batch, assignment, rng);
  const [loss, gradNorm] = [out.loss, out.gradNorm].map((t) => t.dataSync()[0]);
  tf.dispose([out.loss, out.gradNorm]);
  return { loss, gradNorm };
}

/** lmTrainStep with its loss and gradient norm left on the device (the caller reads and disposes them). */
export function lmTrainStepTensors(
  net: LanguageModelSupernet,
  trainer: LmTrainer,
  carry: HiddenCarry,
  batch: TextBatch,
  assignment: ArchAssignment,
  rng: Rng,
): { loss: tf.Scalar; gradNorm: tf.Scalar } {
  const weights = trainer.weights;
  const h0 = carry.take(net, batch);
  let next: tf.Tensor2D | undefined;
  const [loss, gradNorm] = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => {
      const r = net.lmLogits(batch.x, h0, assignment, { training: true, rng });
      next = tf.keep(r.hidden);
      return lmLoss(r.logits, batch.y);
    }, weights);
    const only = weights.flatMap((v, i) => (grads[v.name] ? [i] : []));
    const norm = trainer.apply(
      weights.map((v) => grads[v.name]),
      only,
    );
    return [value, norm];
  });
  h0.dispose();
  carry.put(next as tf.Tensor2D);
  return { loss, gradNorm };
}
