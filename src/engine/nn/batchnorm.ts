import * as tf from '../tf';
import { Module, type ForwardContext } from './module';
import type { GraphBuilder, GraphValue } from './export-graph';
import { batchNormTrain, batchNormTrainGrad, updatedRunningStats } from '../ops/batchnorm-op';

/**
 * BatchNorm2d with PyTorch's semantics on NHWC: eps 1e-5, momentum 0.1; training mode normalises with
 * the batch mean and biased variance and updates running_mean / running_var (unbiased variance);
 * eval mode uses the running statistics. `affine` adds 'weight' (γ = 1) and 'bias' (β = 0); DARTS
 * turns it off inside mixed ops during search.
 */
export class BatchNorm extends Module {
  static readonly eps = 1e-5;
  static readonly momentum = 0.1;
  readonly weight?: tf.Variable;
  readonly bias?: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(
    readonly channels: number,
    readonly affine: boolean,
  ) {
    super();
    if (affine) {
      this.weight = this.addParam('weight', tf.ones([channels]));
      this.bias = this.addParam('bias', tf.zeros([channels]));
    }
    this.runningMean = this.addBuffer('running_mean', tf.zeros([channels]));
    this.runningVar = this.addBuffer('running_var', tf.ones([channels]));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const y = ctx.training
      ? this.normaliseBatch(x, !ctx.replay && !ctx.frozenStats, ctx.cumulativeStats)
      : x.sub(this.runningMean).mul(tf.rsqrt(this.runningVar.add(BatchNorm.eps)));
    return this.weight && this.bias ? y.mul(this.weight).add(this.bias) : y;
  }

  /** Inference BatchNorm: the running statistics, as forward with training false. */
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.batchNorm(x, {
      mean: this.runningMean,
      variance: this.runningVar,
      scale: this.weight,
      shift: this.bias,
      eps: BatchNorm.eps,
    });
  }

  /**
   * Training-mode normalisation with a hand-written gradient: autodiff of (x − μ)·(σ² + ε)^−½ keeps
   * several full-size intermediates per BatchNorm for the backward pass (the supernet has hundreds);
   * this keeps only x̂ and 1/σ. dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) / σ, per channel, as one fused
   * kernel where the backend has it (ops/batchnorm-op.ts). Also updates
   * the running statistics, unless `updateStats` is false (a recomputation for the backward pass:
   * the statistics were updated by the forward pass already). With `cumulative` (ForwardContext's
   * cumulativeStats) the update is the cumulative average: factor 1/k on this BatchNorm's k-th update.
   * Tested against the autodiff of the plain formula (batchnorm.test.ts).
   */
  private normaliseBatch(x: tf.Tensor, updateStats: boolean, cumulative?: Map<object, number>): tf.Tensor {
    const n = x.size / this.channels;
    const normalise = (input: tf.Tensor, save: tf.GradSaveFunc) => {
      const { xhat, mean, variance, invStd } = batchNormTrain(input, BatchNorm.eps);
      if (updateStats) {
        let m = BatchNorm.momentum;
        if (cumulative) {
          const k = (cumulative.get(this) ?? 0) + 1;
          cumulative.set(this, k);
          m = 1 / k;
        }
        const [rm, rv] = updatedRunningStats(
          this.runningMean,
          this.runningVar,
          mean,
          variance,
          m,
          n / Math.max(n - 1, 1),
        );
        this.runningMean.assign(rm);
        this.runningVar.assign(rv);
        tf.dispose([rm, rv]);
      }
      save([xhat, invStd]);
      return {
        value: xhat,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [xh, inv] = saved;
          return batchNormTrainGrad(dy as tf.Tensor, xh, inv);
        },
      };
    };
    return tf.customGrad(normalise as unknown as Parameters<typeof tf.customGrad>[0])(x);
  }
}
