import * as tf from '../tf';
import type { SessionSnapshot } from '../search/checkpoint';
import { readAwaiting, readNow, type HostReads } from '../search/host-reads';
import type { FinalNetwork } from '../search/supernet';
import { Rng } from '../util/rng';
import { WeightTrainer } from './weight-trainer';
import type { TrainConfig } from './train-config';
import { testBatches, type TrainData } from './train-data';
import { restoreNetworkTensors, restoreTrainerTensors, trainingTensors } from './snapshot-tensors';
import {
  StepwiseTraining,
  readStepScalars,
  type CheckpointState,
  type LoopCounters,
} from './stepwise-training';

/** One training step's metrics (the metrics log's train `step` record). */
export interface TrainStepMetrics {
  loss: number;
  acc: number;
  lr: number;
  dropPath: number;
}

export interface TrainEpochMetrics {
  trainLoss: number;
  trainAcc: number;
  testLoss: number;
  testAcc: number;
}

export interface TrainFinalMetrics {
  testAcc: number;
  /** confusion[true class][predicted class], counts over the test split. */
  confusion: number[][];
  perClassAcc: number[];
}

export interface TrainStepReport {
  step: number;
  epoch: number;
  stepInEpoch: number;
  metrics: TrainStepMetrics;
  /** After an epoch's last step: the epoch's mean training loss/accuracy and the test split's. */
  epochEnd?: TrainEpochMetrics;
  /** After the last step of the run. */
  final?: TrainFinalMetrics;
}

export interface TrainEvaluation {
  loss: number;
  acc: number;
  confusion: number[][];
  perClassAcc: number[];
}

/** The loop's counters, part of every checkpoint. */
interface TrainCounters extends LoopCounters {
  /** Running sums of the current epoch's step losses and accuracies (a mid-epoch resume continues them). */
  lossSum: number;
  accSum: number;
  stepsInSums: number;
}

/** Mean cross-entropy with PyTorch's label smoothing ((1 − ε)·one-hot + ε/K). */
function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, smoothing: number): tf.Scalar {
  return tf.tidy(() => {
    const oneHot = tf.oneHot(labels.toInt(), logits.shape[1]);
    return tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, smoothing) as tf.Scalar;
  });
}

/** Trainable values of a final network, the auxiliary head left out as the references count them. */
export function finalParameterCount(net: FinalNetwork): number {
  return net
    .namedParameters()
    .filter(([name]) => !name.startsWith('auxiliary_head.'))
    .reduce((n, [, v]) => n + v.size, 0);
}

/**
 * One architecture trained from scratch (DARTS cnn/train.py's loop, and the other papers' recipes):
 * SGD with momentum on the whole training split, cosine learning rate per epoch (or per step), the
 * auxiliary head's loss added with its weight, drop path ramped linearly over the epochs with masks
 * drawn from the loop's generator, cutout in the data loader; the test split evaluated after every
 * epoch, and a confusion matrix after the last. Advanced one step at a time, so the caller can pause at
 * any step boundary and checkpoint (capture / restore).
 */
export class TrainSession extends StepwiseTraining<TrainStepReport, TrainCounters> {
  /** An image classifier's session (lm-session.ts LmTrainSession is 'text'). */
  readonly kind = 'image';
  readonly network: FinalNetwork;
  readonly trainer: WeightTrainer;
  private readonly weights: tf.Variable[];
  protected override counters: TrainCounters;

  constructor(
    config: TrainConfig,
    readonly data: TrainData,
  ) {
    super(config, data.train, {
      size: data.imageSize,
      channels: data.inChannels,
      classes: data.classNames.length,
    });
    const r = config.recipe;
    this.network = this.buildNetwork();
    this.weights = this.network.parameters();
    this.trainer = new WeightTrainer(this.weights, {
      weightLr: r.lr,
      weightLrMin: r.lrMin,
      weightMomentum: r.momentum,
      weightDecay: r.weightDecay,
      gradClip: r.gradClip > 0 ? r.gradClip : Number.POSITIVE_INFINITY,
      weightNesterov: r.nesterov,
    });
    this.counters = { step: 0, rng: this.rng.getState(), lossSum: 0, accSum: 0, stepsInSums: 0 };
  }

  /** The drop-path probability of an epoch: the recipe's value ramped linearly, p·e/E (DARTS train.py). */
  dropPathAt(epoch: number): number {
    return (this.config.recipe.dropPath * epoch) / this.epochs;
  }

  /** The learning rate of a step (cosine per epoch, or per step for lrUpdate 'step'). */
  private lrAt(epoch: number, stepInEpoch: number): number {
    const t = this.config.recipe.lrUpdate === 'step' ? epoch + stepInEpoch / this.stepsPerEpoch : epoch;
    return this.trainer.startEpoch(t, this.epochs);
  }

  /** The step as a host-reads program: it yields the tensors it must read (see search/host-reads.ts). */
  protected override *stepProgram(): HostReads<TrainStepReport> {
    const { step, epoch, stepInEpoch, endsEpoch } = this.nextStep();
    const r = this.config.recipe;
    const lr = this.lrAt(epoch, stepInEpoch);
    const dropPath = this.dropPathAt(epoch);
    const batch = this.data.train.next();
    let out: tf.Tensor[];
    try {
      out = tf.tidy(() => {
        let logits: tf.Tensor2D | undefined;
        const { value, grads } = tf.variableGrads(() => {
          const o = this.network.run(batch.x, { training: true, dropPathProb: dropPath, rng: this.rng });
          logits = tf.keep(o.logits);
          let l = crossEntropy(o.logits, batch.y, r.labelSmoothing);
          if (o.auxLogits && r.auxiliaryWeight > 0)
            l = l.add(crossEntropy(o.auxLogits, batch.y, r.labelSmoothing).mul(r.auxiliaryWeight));
          return l;
        }, this.weights);
        const a = tf
          .equal(tf.argMax(logits as tf.Tensor2D, 1), batch.y.toInt())
          .toFloat()
          .mean();
        (logits as tf.Tensor2D).dispose();
        const only = this.weights.flatMap((v, i) => (grads[v.name] ? [i] : []));
        this.trainer.apply(
          this.weights.map((v) => grads[v.name]),
          only.length === this.weights.length ? undefined : only,
        );
        return [value, a];
      });
    } finally {
      // The step's work is queued: disposing its inputs now leaves the pending kernels their data.
      tf.dispose([batch.x, batch.y]);
    }
    const [loss, acc] = yield* readStepScalars(out);
    const c = this.counters;
    c.step += 1;
    c.lossSum += loss;
    c.accSum += acc;
    c.stepsInSums += 1;
    const report: TrainStepReport = { step, epoch, stepInEpoch, metrics: { loss, acc, lr, dropPath } };
    if (endsEpoch) {
      const test = yield* this.evaluateProgram();
      report.epochEnd = {
        trainLoss: c.lossSum / c.stepsInSums,
        trainAcc: c.accSum / c.stepsInSums,
        testLoss: test.loss,
        testAcc: test.acc,
      };
      c.lossSum = 0;
      c.accSum = 0;
      c.stepsInSums = 0;
      if (this.done)
        report.final = { testAcc: test.acc, confusion: test.confusion, perClassAcc: test.perClassAcc };
    }
    return report;
  }

  /** Loss, accuracy and confusion matrix of the network (BatchNorm running statistics) on the test split. */
  evaluate(): TrainEvaluation {
    return readNow(this.evaluateProgram());
  }

  /** evaluate() on every backend (one awaited read for the whole split). */
  evaluateAsync(): Promise<TrainEvaluation> {
    return readAwaiting(this.evaluateProgram());
  }

  /**
   * The evaluation as a host-reads program. Every batch's summed loss, predictions and labels stay on
   * the device until the split is done and are read in one go: a single round trip on webgpu, and the
   * same values, summed on the host in the same order, as reading each batch after its forward pass.
   */
  private *evaluateProgram(): HostReads<TrainEvaluation> {
    const K = this.shape.classes;
    const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
    const losses: tf.Tensor[] = [];
    const preds: tf.Tensor[] = [];
    const labels: tf.Tensor[] = [];
    let lossSum = 0;
    let n = 0;
    // Evaluation keeps no gradients: larger batches than training cost little memory and save time.
    const batch = Math.max(this.config.recipe.batchSize, 100);
    try {
      for (const b of testBatches(this.data.test, this.data.stats, batch)) {
        labels.push(b.y);
        try {
          const [lossT, predT] = tf.tidy(() => {
            const logits = this.network.run(b.x, { training: false }).logits;
            const oneHot = tf.oneHot(b.y, K);
            const l = tf.losses.softmaxCrossEntropy(oneHot, logits, undefined, 0, tf.Reduction.SUM);
            return [l, tf.argMax(logits, 1)];
          });
          losses.push(lossT);
          preds.push(predT);
        } finally {
          b.x.dispose();
        }
      }
      const values = yield [...losses, ...preds, ...labels];
      const m = losses.length;
      for (let j = 0; j < m; j++) {
        lossSum += values[j][0];
        const pred = values[m + j];
        const y = values[2 * m + j];
        for (let i = 0; i < y.length; i++) confusion[y[i]][pred[i]] += 1;
        n += y.length;
      }
    } finally {
      tf.dispose([...losses, ...preds, ...labels]);
    }
    const correct = confusion.reduce((s, row, k) => s + row[k], 0);
    const perClassAcc = confusion.map((row, k) => {
      const total = row.reduce((a, v) => a + v, 0);
      return total ? row[k] / total : 0;
    });
    return { loss: lossSum / Math.max(1, n), acc: correct / Math.max(1, n), confusion, perClassAcc };
  }

  protected override checkpointState(): CheckpointState {
    const st = this.trainer.getState();
    return { tensors: trainingTensors(this.network, st.tensors), scalars: st.scalars };
  }

  protected override restoreState(snap: SessionSnapshot): void {
    restoreNetworkTensors(this.network, snap);
    restoreTrainerTensors(this.trainer, snap);
  }

  dispose(): void {
    this.trainer.dispose();
    this.network.dispose();
  }
}

/**
 * Checks, before a run folder exists, that the network of `config` runs on the data's images: one
 * forward pass of two blank images in training mode (the auxiliary head too) and in evaluation mode.
 * A network that cannot take the images (the auxiliary head on anything but 32×32, a stride pattern
 * too deep for small images) is an error naming the image size and the network options.
 */
export function assertNetworkFits(config: TrainConfig, data: TrainData): void {
  const s = new TrainSession(config, data);
  const { imageSize: h, inChannels: c } = data;
  try {
    tf.tidy(() => {
      const x = tf.zeros([2, h, h, c]) as tf.Tensor4D;
      s.network.run(x, { training: true, frozenStats: true, dropPathProb: 0, rng: new Rng(0) });
      s.network.run(x, { training: false });
    });
  } catch (e) {
    throw new Error(
      `the ${config.space.name} network (options ${JSON.stringify(config.network)}) does not fit the data's ${h}×${h}×${c} images: ${(e as Error).message}`,
    );
  } finally {
    s.dispose();
  }
}
