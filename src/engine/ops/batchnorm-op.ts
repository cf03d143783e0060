import * as tf from '../tf';
import { activeBackendHas } from './custom-kernels';

/**
 * Training-mode BatchNorm's normalisation as one forward and one backward kernel over channels-last
 * tensors:
 *
 *   forward:  μ = mean(x), σ² = mean((x − μ)²) (biased), s = (σ² + ε)^−½, x̂ = (x − μ)·s
 *   backward: dx = (dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂))·s        (means per channel)
 *
 * Composed from tfjs ops the pair is about twenty kernel calls and ten passes over the tensor; the
 * supernet runs hundreds of BatchNorms per pass (removing them took ~19% off a small DARTS step on
 * wasm). The fused kernels are registered for wasm (SIMD loops, backend/wasm-kernels/simd-kernels.ts)
 * and cpu (the loops below); on other backends (tfjs-node's TensorFlow, CUDA included) the same
 * arithmetic runs as composed tfjs ops. Tested against each other and against autodiff of the plain
 * formula (batchnorm-op.test.ts, nn/batchnorm.test.ts).
 */
export const BATCH_NORM_TRAIN = 'NasStudioBatchNormTrain';
export const BATCH_NORM_TRAIN_GRAD = 'NasStudioBatchNormTrainGrad';
/** The running statistics' update, one kernel instead of six tiny ones (per BatchNorm per forward pass). */
export const BATCH_NORM_RUNNING_STATS = 'NasStudioBatchNormRunningStats';

export interface BatchNormTrainResult {
  xhat: tf.Tensor;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  invStd: tf.Tensor1D;
}

export function batchNormTrain(x: tf.Tensor, eps: number): BatchNormTrainResult {
  if (activeBackendHas(BATCH_NORM_TRAIN)) {
    const [xhat, mean, variance, invStd] = tf
      .engine()
      .runKernel(BATCH_NORM_TRAIN, { x }, { eps }) as tf.Tensor[];
    return {
      xhat,
      mean: mean as tf.Tensor1D,
      variance: variance as tf.Tensor1D,
      invStd: invStd as tf.Tensor1D,
    };
  }
  return tf.tidy(() => {
    const axes = x.shape.map((_, i) => i).slice(0, -1);
    const { mean, variance } = tf.moments(x, axes);
    const invStd = tf.rsqrt(variance.add(eps));
    return {
      xhat: x.sub(mean).mul(invStd),
      mean: mean as tf.Tensor1D,
      variance: variance as tf.Tensor1D,
      invStd: invStd as tf.Tensor1D,
    };
  });
}

export function batchNormTrainGrad(dy: tf.Tensor, xhat: tf.Tensor, invStd: tf.Tensor): tf.Tensor {
  if (activeBackendHas(BATCH_NORM_TRAIN_GRAD))
    return tf.engine().runKernel(BATCH_NORM_TRAIN_GRAD, { dy, xhat, invStd }, {}) as tf.Tensor;
  return tf.tidy(() => {
    const axes = dy.shape.map((_, i) => i).slice(0, -1);
    return dy
      .sub(dy.mean(axes))
      .sub(xhat.mul(dy.mul(xhat).mean(axes)))
      .mul(invStd);
  });
}

/**
 * The running statistics after one training batch (PyTorch's momentum convention):
 * mean ← (1 − m)·mean + m·μ, var ← (1 − m)·var + m·u·σ² with u = n/(n − 1) (σ² unbiased). New tensors.
 */
export function updatedRunningStats(
  runningMean: tf.Tensor,
  runningVar: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  momentum: number,
  unbias: number,
): [tf.Tensor, tf.Tensor] {
  if (activeBackendHas(BATCH_NORM_RUNNING_STATS))
    return tf
      .engine()
      .runKernel(
        BATCH_NORM_RUNNING_STATS,
        { runningMean, runningVar, mean, variance },
        { momentum, unbias },
      ) as [tf.Tensor, tf.Tensor];
  return tf.tidy(() => [
    runningMean.mul(1 - momentum).add(mean.mul(momentum)),
    runningVar.mul(1 - momentum).add(variance.mul(momentum * unbias)),
  ]);
}

/** The update above on flat data, rounded as the composed float32 ops round (the kernels' arithmetic). */
export function runningStatsValues(
  stats: { runningMean: Float32Array; runningVar: Float32Array; mean: Float32Array; variance: Float32Array },
  momentum: number,
  unbias: number,
  out: { mean: Float32Array; variance: Float32Array },
): void {
  const f = Math.fround;
  const [keep, m, mv] = [f(1 - momentum), f(momentum), f(momentum * unbias)];
  for (let c = 0; c < out.mean.length; c++) {
    out.mean[c] = f(f(stats.runningMean[c] * keep) + f(stats.mean[c] * m));
    out.variance[c] = f(f(stats.runningVar[c] * keep) + f(stats.variance[c] * mv));
  }
}

/** The forward arithmetic on flat channels-last data (float64 sums, two passes for σ²). */
export function batchNormTrainForward(
  x: Float32Array,
  eps: number,
  out: { xhat: Float32Array; mean: Float32Array; variance: Float32Array; invStd: Float32Array },
): void {
  const { xhat, mean, variance, invStd } = out;
  const C = mean.length;
  const n = x.length;
  const rows = n / C;
  const acc = new Float64Array(C);
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) acc[c] += x[i];
  for (let c = 0; c < C; c++) mean[c] = acc[c] / rows;
  acc.fill(0);
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) {
    const d = x[i] - mean[c];
    acc[c] += d * d;
  }
  for (let c = 0; c < C; c++) {
    variance[c] = acc[c] / rows;
    invStd[c] = 1 / Math.sqrt(variance[c] + eps);
  }
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) xhat[i] = (x[i] - mean[c]) * invStd[c];
}

/** The backward arithmetic: dx from dx̂, x̂ and s. */
export function batchNormTrainBackward(
  dy: Float32Array,
  xhat: Float32Array,
  invStd: Float32Array,
  dx: Float32Array,
): void {
  const C = invStd.length;
  const n = dy.length;
  const rows = n / C;
  const meanG = new Float64Array(C);
  const meanGx = new Float64Array(C);
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1) {
    meanG[c] += dy[i];
    meanGx[c] += dy[i] * xhat[i];
  }
  for (let c = 0; c < C; c++) {
    meanG[c] /= rows;
    meanGx[c] /= rows;
  }
  for (let i = 0, c = 0; i < n; i++, c = c + 1 === C ? 0 : c + 1)
    dx[i] = (dy[i] - meanG[c] - xhat[i] * meanGx[c]) * invStd[c];
}
