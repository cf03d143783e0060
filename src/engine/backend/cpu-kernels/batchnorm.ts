import * as tf from '../../tf';
import {
  BATCH_NORM_RUNNING_STATS,
  BATCH_NORM_TRAIN,
  BATCH_NORM_TRAIN_GRAD,
  batchNormTrainBackward,
  batchNormTrainForward,
  runningStatsValues,
} from '../../ops/batchnorm-op';
import { cpuValues, once, overrideKernel, type CpuBackendLike } from '../kernel-override';

/** BatchNorm's fused training kernels (ops/batchnorm-op.ts) for the cpu backend: three passes over the data instead of ten, and the running statistics' update. */
export function registerCpuBatchNormKernels(): string[] {
  return once('cpu-batchnorm', () => {
    const vector = (b: CpuBackendLike, C: number) => b.makeTensorInfo([C], 'float32', new Float32Array(C));
    overrideKernel<CpuBackendLike>(BATCH_NORM_TRAIN, 'cpu', ({ x }, b, attrs) => {
      const C = x.shape[x.shape.length - 1];
      const outs = [
        b.makeTensorInfo(x.shape, 'float32', new Float32Array(tf.util.sizeFromShape(x.shape))),
        vector(b, C),
        vector(b, C),
        vector(b, C),
      ];
      const [xhat, mean, variance, invStd] = outs.map((t) => cpuValues(b, t));
      batchNormTrainForward(cpuValues(b, x), attrs.eps as number, { xhat, mean, variance, invStd });
      return outs;
    });
    overrideKernel<CpuBackendLike>(BATCH_NORM_TRAIN_GRAD, 'cpu', ({ dy, xhat, invStd }, b) => {
      const dx = new Float32Array(tf.util.sizeFromShape(dy.shape));
      batchNormTrainBackward(cpuValues(b, dy), cpuValues(b, xhat), cpuValues(b, invStd), dx);
      return b.makeTensorInfo(dy.shape, 'float32', dx);
    });
    overrideKernel<CpuBackendLike>(
      BATCH_NORM_RUNNING_STATS,
      'cpu',
      ({ runningMean, runningVar, mean, variance }, b, attrs) => {
        const C = tf.util.sizeFromShape(mean.shape);
        const outs = [vector(b, C), vector(b, C)];
        const stats = {
          runningMean: cpuValues(b, runningMean),
          runningVar: cpuValues(b, runningVar),
          mean: cpuValues(b, mean),
          variance: cpuValues(b, variance),
        };
        runningStatsValues(stats, attrs.momentum as number, attrs.unbias as number, {
          mean: cpuValues(b, outs[0]),
          variance: cpuValues(b, outs[1]),
        });
        return outs;
      },
    );
    return [BATCH_NORM_TRAIN, BATCH_NORM_TRAIN_GRAD, BATCH_NORM_RUNNING_STATS];
  });
}
