import * as tf from '../tf';
import { activeBackendHas } from './custom-kernels';

/**
 * ReLU's gradient as one kernel, dx = dy·step(x) (dy where x > 0, 0 where x ≤ 0, NaN where x is NaN),
 * instead of tfjs's three (Step, Cast, Multiply, and two passes over the tensor). The supernet runs
 * thousands of ReLUs per step. The gradient registered here for tfjs's Relu kernel runs the fused
 * kernel when the active backend has one (wasm: a SIMD loop, backend/wasm-kernels/simd-kernels.ts;
 * cpu: reluGradValues below) and tfjs's own formula elsewhere (tfjs-node's TensorFlow, CUDA included),
 * so other backends compute exactly what they did. Tested in relu-grad.test.ts.
 */
export const RELU_GRAD = 'NasStudioReluGrad';

/** dx = dy·step(x) on flat data (the cpu kernel, and the wasm kernel's tail past the last full vector). */
export function reluGradValues(dy: Float32Array, x: Float32Array, dx: Float32Array, from = 0): void {
  for (let i = from; i < dx.length; i++) {
    const v = x[i];
    dx[i] = v > 0 ? dy[i] : v !== v ? NaN : 0;
  }
}

/** Installs the Relu gradient above (once per process; the gradient registry is global). */
export function installReluGradient(): void {
  const g = globalThis as { __nasStudioReluGrad?: boolean };
  if (g.__nasStudioReluGrad) return;
  g.__nasStudioReluGrad = true;
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved;
      const dyT = dy as tf.Tensor;
      if (activeBackendHas(RELU_GRAD) && dyT.dtype === 'float32' && x.dtype === 'float32')
        return { x: () => tf.engine().runKernel(RELU_GRAD, { dy: dyT, x }, {}) as tf.Tensor };
      return { x: () => tf.mul(dyT, tf.cast(tf.step(x), 'float32')) };
    },
  });
}
