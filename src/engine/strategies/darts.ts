import * as tf from '../tf';
import { linearCombination, sumOfSquares } from '../optim/multi-tensor';
import type { DartsStrategyConfig } from '../../shared/search-config';
import { Adam } from '../optim/adam';
import { clipByGlobalNorm } from '../optim/clip';
import { cosineLr } from '../optim/schedule';
import { Sgd } from '../optim/sgd';
import type { NamedTensorState } from '../optim/state';
import { deriveGenotype } from '../spaces/darts/genotype';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { ArchChoice, SearchNetwork } from '../spaces/darts/supernet';
import { accuracy, crossEntropy } from '../train/loss';
import type { Rng } from '../util/rng';
import type { ArchSnapshot, Batch, SearchStrategy, StepInfo, StepMetrics } from './strategy';

/**
 * DARTS (Liu et al., ICLR 2019): continuous relaxation with softmax(α) on every edge, alternating an α
 * step on a validation batch and a weight step on a training batch.
 * First order: ∇α L_val(w, α). Second order: ∇α L_val(w', α) − ξ·∇²α,w L_train(w, α)·∇w' L_val(w', α)
 * with w' = w − ξ·(μ·buf + ∇w L_train + wd·w) (ξ = current weight lr, as the reference) and the
 * Hessian-vector product by central differences at w ± ε·∇w' L_val, ε = 0.01/‖∇w' L_val‖.
 */
export class Darts implements SearchStrategy {
  readonly name = 'darts';
  readonly alphaNormal: tf.Variable;
  readonly alphaReduce: tf.Variable;
  private readonly weights: tf.Variable[];
  private readonly wOpt: Sgd;
  private readonly aOpt: Adam;
  private lr: number;

  constructor(
    private readonly net: SearchNetwork,
    private readonly cfg: DartsStrategyConfig,
    rng: Rng,
  ) {
    const shape: [number, number] = [net.numEdges, net.space.ops.length];
    const init = () => tf.tensor2d(rng.fillNormal(shape[0] * shape[1], cfg.alphaInitScale), shape);
    this.alphaNormal = tf.variable(init(), true);
    this.alphaReduce = tf.variable(init(), true);
    this.weights = net.parameters();
    this.wOpt = new Sgd(this.weights, { momentum: cfg.weightMomentum, weightDecay: cfg.weightDecay });
    this.aOpt = new Adam([this.alphaNormal, this.alphaReduce], {
      beta1: cfg.alphaBetas[0],
      beta2: cfg.alphaBetas[1],
      eps: 1e-8,
      weightDecay: cfg.alphaWeightDecay,
    });
    this.lr = cfg.weightLr;
  }

  /** The supernet's view of the current architecture: softmax(α) on every edge. */
  archChoice(): ArchChoice {
    return {
      normal: { kind: 'mix', weights: tf.softmax(this.alphaNormal) as tf.Tensor2D },
      reduce: { kind: 'mix', weights: tf.softmax(this.alphaReduce) as tf.Tensor2D },
    };
  }

  /** Mean cross-entropy of the supernet on a batch (training-mode BatchNorm, as during search). */
  loss(batch: Batch): tf.Scalar {
    return crossEntropy(this.net.logits(batch.x, this.archChoice(), { training: true }), batch.y);
  }

  step(train: Batch, val: Batch, info: StepInfo): StepMetrics {
    this.lr = cosineLr(this.cfg.weightLr, this.cfg.weightLrMin, info.epoch, info.totalEpochs);
    const alphas = [this.alphaNormal, this.alphaReduce];
    const out = tf.tidy(() => {
      const alpha =
        this.cfg.order === 'first' ? this.gradients(val, alphas) : this.unrolledAlphaGradients(train, val);
      this.aOpt.step(alpha.grads, this.cfg.alphaLr);
      const w = this.gradients(train, this.weights);
      const clipped = clipByGlobalNorm(w.grads, this.cfg.gradClip);
      this.wOpt.step(clipped.grads, this.lr);
      return [alpha.loss, alpha.acc, w.loss, w.acc, clipped.norm];
    });
    const [valLoss, valAcc, trainLoss, trainAcc, gradNorm] = out.map((t) => t.dataSync()[0]);
    tf.dispose(out);
    return { trainLoss, trainAcc, valLoss, valAcc, gradNorm, lrWeights: this.lr, lrAlpha: this.cfg.alphaLr };
  }

  /** Loss, accuracy and gradients of the loss on `batch` w.r.t. `vars` (missing gradients are zeros). */
  gradients(batch: Batch, vars: tf.Variable[]): { loss: tf.Scalar; acc: tf.Scalar; grads: tf.Tensor[] } {
    let logits: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      // Kept past the gradient scope so that accuracy needs no second forward pass; it joins the caller's scope below.
      logits = tf.keep(this.net.logits(batch.x, this.archChoice(), { training: true }));
      return crossEntropy(logits, batch.y);
    }, vars);
    const acc = accuracy(logits as tf.Tensor2D, batch.y);
    (logits as tf.Tensor2D).dispose();
    return { loss: value, acc, grads: vars.map((v) => grads[v.name] ?? tf.zerosLike(v)) };
  }

  /** Second-order α gradient (see the class comment). Leaves the weights exactly as it found them. */
  unrolledAlphaGradients(train: Batch, val: Batch): { loss: tf.Scalar; acc: tf.Scalar; grads: tf.Tensor[] } {
    const alphas = [this.alphaNormal, this.alphaReduce];
    const xi = this.lr;
    const { momentum, weightDecay } = this.wOpt.config;
    const saved = this.weights.map((w) => w.clone());
    try {
      // Each pass runs in its own tidy so that only its results outlive it (peak memory ~ one pass).
      tf.tidy(() => {
        // w' = w − ξ·(g + wd·w + μ·buf): one SGD step without changing the optimiser's state.
        const gTrain = this.gradients(train, this.weights).grads;
        const bufs = this.weights.map((w) => this.wOpt.momentumBuffer(w) ?? tf.zerosLike(w));
        linearCombination([saved, gTrain, bufs], [1 - xi * weightDecay, -xi, -xi * momentum]).forEach((t, i) => this.weights[i].assign(t));
      });
      const unrolled = this.gradients(val, [...alphas, ...this.weights]);
      const dAlpha = unrolled.grads.slice(0, 2);
      const v = unrolled.grads.slice(2);
      const eps = tf.tidy(() => tf.div(0.01, tf.sqrt(sumOfSquares(v))));
      const alphaGradAt = (sign: 1 | -1) =>
        tf.tidy(() => {
          const coefs = tf.concat([tf.ones([1]), eps.mul(sign).reshape([1])]) as tf.Tensor1D;
          linearCombination([saved, v], coefs).forEach((t, i) => this.weights[i].assign(t));
          return this.gradients(train, alphas).grads;
        });
      const gPlus = alphaGradAt(1);
      const gMinus = alphaGradAt(-1);
      const grads = dAlpha.map((g, i) => g.sub(gPlus[i].sub(gMinus[i]).div(eps.mul(2)).mul(xi)));
      tf.dispose([...v, ...gPlus, ...gMinus]);
      return { loss: unrolled.loss, acc: unrolled.acc, grads };
    } finally {
      this.weights.forEach((w, i) => w.assign(saved[i]));
      tf.dispose(saved);
    }
  }

  epochEnd(): StepMetrics {
    return {};
  }

  /** Rows of softmax(α) as plain arrays. */
  probabilities(): { normal: number[][]; reduce: number[][] } {
    return tf.tidy(() => ({
      normal: tf.softmax(this.alphaNormal).arraySync() as number[][],
      reduce: tf.softmax(this.alphaReduce).arraySync() as number[][],
    }));
  }

  derive(): Genotype {
    const p = this.probabilities();
    return deriveGenotype(p.normal, p.reduce, this.net.space.ops, this.net.space.nodes, this.net.space.nodes);
  }

  architecture(): ArchSnapshot {
    return { ops: [...this.net.space.ops], ...this.probabilities(), kind: 'softmax' };
  }

  getState(): NamedTensorState {
    const w = this.wOpt.getState();
    const a = this.aOpt.getState();
    const tensors: NamedTensorState['tensors'] = { 'alpha.normal': this.alphaNormal, 'alpha.reduce': this.alphaReduce };
    for (const [k, t] of Object.entries(w.tensors)) tensors[`sgd.${k}`] = t;
    for (const [k, t] of Object.entries(a.tensors)) tensors[`adam.${k}`] = t;
    return { scalars: { adamStep: a.scalars.t as number, lr: this.lr }, tensors };
  }

  setState(state: NamedTensorState): void {
    const pick = (prefix: string) =>
      Object.fromEntries(
        Object.entries(state.tensors)
          .filter(([k]) => k.startsWith(prefix))
          .map(([k, t]) => [k.slice(prefix.length), t]),
      );
    for (const [key, v] of [
      ['alpha.normal', this.alphaNormal],
      ['alpha.reduce', this.alphaReduce],
    ] as const) {
      const t = state.tensors[key];
      if (!t) throw new Error(`DARTS state is missing ${key}`);
      v.assign(t);
    }
    this.wOpt.setState({ scalars: {}, tensors: pick('sgd.') });
    this.aOpt.setState({ scalars: { t: state.scalars.adamStep ?? 0 }, tensors: pick('adam.') });
    this.lr = Number(state.scalars.lr ?? this.cfg.weightLr);
  }

  dispose(): void {
    this.alphaNormal.dispose();
    this.alphaReduce.dispose();
    this.wOpt.dispose();
    this.aOpt.dispose();
  }
}
