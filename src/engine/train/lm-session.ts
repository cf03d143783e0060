import * as tf from '../tf';
import type { TextBatch } from '../data/batch';
import { clipByGlobalNorm } from '../optim/clip';
import { Sgd } from '../optim/sgd';
import type { SessionSnapshot } from '../search/checkpoint';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import type { LanguageModelNetwork } from '../search/supernet';
import { Rng } from '../util/rng';
import { HiddenCarry, lmLoss } from './language-model';
import type { LmTrainData } from './lm-train-data';
import {
  restoreNetworkTensors,
  restoreTrainerTensors,
  trainingTensors,
  withCheckpointTensors,
} from './snapshot-tensors';
import {
  StepwiseTraining,
  readStepScalars,
  type CheckpointState,
  type LoopCounters,
} from './stepwise-training';
import type { TrainConfig } from './train-config';

/** One step's metrics (the metrics log's train `step` record of a language model). */
export interface LmStepMetrics {
  /** Mean cross-entropy per target token of the window (nats). */
  loss: number;
  perplexity: number;
  lr: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface LmEpochMetrics {
  trainLoss: number;
  trainPerplexity: number;
  valLoss: number;
  valPerplexity: number;
  testLoss: number;
  testPerplexity: number;
}

export interface LmStepReport {
  step: number;
  epoch: number;
  stepInEpoch: number;
  metrics: LmStepMetrics;
  epochEnd?: LmEpochMetrics;
  final?: { valPerplexity: number; testPerplexity: number; testLoss: number };
}

export interface LmEvaluation {
  loss: number;
  perplexity: number;
  tokens: number;
}

interface LmCounters extends LoopCounters {
  /** The current epoch's Σ token cross-entropy and tokens so far (a mid-epoch resume continues them). */
  lossSum: number;
  tokens: number;
}

/**
 * The slowness penalty of a window's cell outputs y [B, T, H]: Σ_{b,t} ‖y_{t+1} − y_t‖² / (B·T).
 * The TF child adds rnn_slowness_reg·Σ‖Δy‖²/B to a loss of Σ token CE / B, i.e. T times our mean
 * cross-entropy; dividing its penalty by T too keeps the reference's balance between the two.
 */
export function slownessPenalty(y: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => {
    const [B, T, H] = y.shape;
    if (T < 2) return tf.scalar(0);
    const later = tf.slice(y, [0, 1, 0], [B, T - 1, H]);
    const earlier = tf.slice(y, [0, 0, 0], [B, T - 1, H]);
    return tf.div(tf.sum(tf.square(tf.sub(later, earlier))), B * T) as tf.Scalar;
  });
}

function isLanguageModelNetwork(n: unknown): n is LanguageModelNetwork {
  return typeof (n as Partial<LanguageModelNetwork>).lmForward === 'function';
}

/** Checkpoint key of the hidden state carried between training windows. */
const HIDDEN_KEY = 'lm.hidden';

/**
 * A found recurrent cell trained from scratch as a language model (melodyguan/enas src/ptb with a
 * fixed_arc, ENAS-pytorch's shared-weight step on one cell): truncated BPTT over the training
 * streams, the hidden state carried from window to window (zeros when a pass starts); plain SGD with
 * L2 decay, gradients clipped to a global norm, the learning rate lr·decay^max(0, epoch − after)
 * floored at lrMin; dropout masks from the loop's generator. After every epoch the whole valid and
 * test splits are scored in eval mode: perplexity = exp(Σ token CE / tokens). Advanced one step at
 * a time, so the caller can pause at any step boundary (capture / restore, the carried state included).
 */
export class LmTrainSession extends StepwiseTraining<LmStepReport, LmCounters> {
  readonly kind = 'text';
  readonly network: LanguageModelNetwork;
  private readonly weights: tf.Variable[];
  private readonly sgd: Sgd;
  private readonly carry = new HiddenCarry(HIDDEN_KEY);
  protected override counters: LmCounters;

  constructor(
    config: TrainConfig,
    readonly data: LmTrainData,
  ) {
    super(config, data.train, { size: 0, channels: 0, classes: data.vocab.length });
    const r = config.recipe;
    const net = this.buildNetwork();
    if (!isLanguageModelNetwork(net)) {
      net.dispose();
      throw new Error(`the ${config.space.name} final network is not a language model (it has no lmForward)`);
    }
    this.network = net;
    this.weights = net.parameters();
    this.sgd = new Sgd(this.weights, { momentum: 0, weightDecay: r.weightDecay });
    this.counters = { step: 0, rng: this.rng.getState(), lossSum: 0, tokens: 0 };
  }

  /** The learning rate of an epoch: lr·decay^max(0, epoch − after), never below lrMin (ptb_final.sh). */
  lrAt(epoch: number): number {
    const r = this.config.recipe;
    const decayed = r.lr * (r.lrDecay ?? 1) ** Math.max(0, epoch - (r.lrDecayAfter ?? 0));
    return Math.max(r.lrMin, decayed);
  }

  /** The step as a host-reads program: it yields the tensors it must read (see search/host-reads.ts). */
  protected override *stepProgram(): HostReads<LmStepReport> {
    const { step, epoch, stepInEpoch, endsEpoch } = this.nextStep();
    const r = this.config.recipe;
    const lr = this.lrAt(epoch);
    const clip = r.gradClip > 0 ? r.gradClip : Number.POSITIVE_INFINITY;
    const batch = this.data.train.next();
    const n = batch.y.size;
    const h0 = this.carry.take(this.network, batch);
    let next: tf.Tensor2D | undefined;
    // The cross-entropy alone when a penalty is added (the reported loss and perplexity are the data's).
    let ceValue: tf.Scalar | undefined;
    let out: tf.Tensor[];
    try {
      out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const o = this.network.lmForward(batch.x, h0, { training: true, rng: this.rng });
          next = tf.keep(o.hidden);
          const ce = lmLoss(o.logits, batch.y);
          const weight = r.slowness ?? 0;
          if (!(weight > 0 && o.outputs)) return ce;
          ceValue = tf.keep(ce);
          return tf.add(ce, tf.mul(weight, slownessPenalty(o.outputs))) as tf.Scalar;
        }, this.weights);
        const g = this.weights.map((v) => grads[v.name] ?? tf.zerosLike(v));
        const clipped = clipByGlobalNorm(g, clip);
        this.sgd.step(clipped.grads, lr);
        return [ceValue ?? value, clipped.norm];
      });
    } catch (e) {
      next?.dispose();
      ceValue?.dispose();
      throw e;
    } finally {
      // The step's work is queued: disposing its inputs now leaves the pending kernels their data.
      h0.dispose();
      tf.dispose([batch.x, batch.y]);
    }
    // The carried state is the step's output whether or not its metrics are read yet.
    this.carry.put(next as tf.Tensor2D);
    const [loss, gradNorm] = yield* readStepScalars(out);
    const c = this.counters;
    c.step += 1;
    c.lossSum += loss * n;
    c.tokens += n;
    const report: LmStepReport = {
      step,
      epoch,
      stepInEpoch,
      metrics: { loss, perplexity: Math.exp(loss), lr, gradNorm },
    };
    if (endsEpoch) {
      const val = yield* this.evaluateProgram(this.data.valid.fromStart());
      const test = yield* this.evaluateProgram(this.data.test.fromStart());
      const trainLoss = c.lossSum / c.tokens;
      report.epochEnd = {
        trainLoss,
        trainPerplexity: Math.exp(trainLoss),
        valLoss: val.loss,
        valPerplexity: val.perplexity,
        testLoss: test.loss,
        testPerplexity: test.perplexity,
      };
      c.lossSum = 0;
      c.tokens = 0;
      if (this.done)
        report.final = {
          valPerplexity: val.perplexity,
          testPerplexity: test.perplexity,
          testLoss: test.loss,
        };
    }
    return report;
  }

  /**
   * Loss and perplexity over a whole split in eval mode (no dropout), windows in order, the state
   * carried between them from zeros: exp(Σ token CE / tokens), ENAS-pytorch evaluate()'s total.
   */
  evaluate(windows: Iterable<TextBatch>): LmEvaluation {
    return readNow(this.evaluateProgram(windows));
  }

  /** evaluate() on every backend (one awaited read for the whole split). */
  evaluateAsync(windows: Iterable<TextBatch>): Promise<LmEvaluation> {
    return readAwaiting(this.evaluateProgram(windows));
  }

  /**
   * The evaluation as a host-reads program. Every window's mean loss stays on the device until the
   * split is done and all are read in one go: a single round trip on webgpu, and the same values,
   * summed on the host in the same order, as reading each window after its forward pass.
   */
  private *evaluateProgram(windows: Iterable<TextBatch>): HostReads<LmEvaluation> {
    const carry = new HiddenCarry('eval');
    const losses: tf.Tensor[] = [];
    const sizes: number[] = [];
    let sum = 0;
    let tokens = 0;
    try {
      for (const w of windows) {
        try {
          const h0 = carry.take(this.network, w);
          const [lossT, next] = tf.tidy(() => {
            const o = this.network.lmForward(w.x, h0, { training: false });
            return [lmLoss(o.logits, w.y), o.hidden] as const;
          });
          h0.dispose();
          carry.put(next);
          losses.push(lossT);
          sizes.push(w.y.size);
        } finally {
          tf.dispose([w.x, w.y]);
        }
      }
      const values = yield losses;
      values.forEach((v, i) => {
        sum += v[0] * sizes[i];
        tokens += sizes[i];
      });
    } finally {
      carry.dispose();
      tf.dispose(losses);
    }
    if (tokens === 0) throw new Error('no text to evaluate the language model on');
    return { loss: sum / tokens, perplexity: Math.exp(sum / tokens), tokens };
  }

  /** The weights, the optimiser and the hidden state carried into the next window. */
  protected override checkpointState(): CheckpointState {
    const st = this.sgd.getState();
    return { tensors: trainingTensors(this.network, st.tensors, this.carry.tensors()), scalars: st.scalars };
  }

  protected override restoreState(snap: SessionSnapshot): void {
    restoreNetworkTensors(this.network, snap);
    restoreTrainerTensors(this.sgd, snap);
    withCheckpointTensors(
      snap,
      (name) => (name === HIDDEN_KEY ? name : null),
      (tensors) => this.carry.restore(tensors),
    );
  }

  dispose(): void {
    this.carry.dispose();
    this.sgd.dispose();
    this.network.dispose();
  }
}

/**
 * Checks, before a run folder exists, that the language model runs on the corpus: one forward of a
 * two-token window of two streams in training and in eval mode. Returns nothing; throws naming the
 * network options.
 */
export function assertLanguageModelFits(config: TrainConfig, data: LmTrainData): void {
  const s = new LmTrainSession(config, data);
  try {
    tf.tidy(() => {
      const x = tf.zeros([2, 2], 'int32') as tf.Tensor2D;
      s.network.lmForward(x, s.network.initHidden(2), { training: true, rng: new Rng(0) });
      s.network.lmForward(x, s.network.initHidden(2), { training: false });
    });
  } catch (e) {
    throw new Error(
      `the ${config.space.name} language model (options ${JSON.stringify(config.network)}, vocabulary ${data.vocab.length}) does not run: ${(e as Error).message}`,
    );
  } finally {
    s.dispose();
  }
}
