import * as tf from '../tf';
import { Module, type ForwardContext } from './module';

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
    let y: tf.Tensor;
    if (ctx.training) {
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      y = x.sub(mean).mul(tf.rsqrt(variance.add(BatchNorm.eps)));
      const n = x.size / this.channels;
      const m = BatchNorm.momentum;
      // Running statistics carry no gradient; compute them outside the tape's concern with stopGradient-like copies.
      tf.tidy(() => {
        this.runningMean.assign(this.runningMean.mul(1 - m).add(mean.mul(m)));
        this.runningVar.assign(this.runningVar.mul(1 - m).add(variance.mul((m * n) / Math.max(n - 1, 1))));
      });
    } else {
      y = x.sub(this.runningMean).mul(tf.rsqrt(this.runningVar.add(BatchNorm.eps)));
    }
    return this.weight && this.bias ? y.mul(this.weight).add(this.bias) : y;
  }
}
