import * as tf from '../tf';

/**
 * Fixes to tfjs-backend-webgpu 4.22's kernels that the engine needs. The engine's own fused ops
 * (ops/: weighted sum, BatchNorm, ReLU gradient, multi-tensor arithmetic, dilated depthwise
 * convolution) register kernels for cpu and wasm only; on webgpu they take their composed tfjs path
 * (ops/custom-kernels.ts hasKernel), which webgpu-parity.test.ts checks against cpu.
 */

interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object): void;
}

/**
 * AddN with more inputs than a shader stage may bind storage buffers: tfjs-backend-webgpu builds one
 * program binding every input, which the device rejects (a validation error, and the result silently
 * stays zero). The engine sums hundreds of tensors at once (the gradient norm over every weight, a
 * supernet node's many edges), so sum in chunks that fit, then sum the partial sums.
 */
export function registerWebGpuKernels(): string[] {
  const stock = tf.getKernel('AddN', 'webgpu');
  if (!stock) throw new Error('tfjs-backend-webgpu registered no AddN kernel');
  if ((stock as { nasStudioChunked?: boolean }).nasStudioChunked) return ['AddN (chunked)'];
  tf.unregisterKernel('AddN', 'webgpu');
  const config: tf.KernelConfig & { nasStudioChunked: boolean } = {
    kernelName: 'AddN',
    backendName: 'webgpu',
    nasStudioChunked: true,
    kernelFunc: (args) => {
      const inputs = args.inputs as unknown as tf.TensorInfo[];
      const backend = args.backend as unknown as WebGpuBackendLike;
      // One binding is the output.
      const fit = Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
      const sum = (ts: tf.TensorInfo[]) =>
        stock.kernelFunc({ ...args, inputs: ts as unknown as tf.NamedTensorInfoMap }) as tf.TensorInfo;
      let level = inputs;
      // Partial sums are ours to free; the inputs are the caller's, also where a chunk of one input
      // passes through to the next level (freeing it too disposed a caller's tensor twice).
      const partial = new Set<tf.TensorInfo>();
      while (level.length > fit) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += fit) {
          const chunk = level.slice(i, i + fit);
          if (chunk.length === 1) next.push(chunk[0]);
          else {
            const s = sum(chunk);
            partial.add(s);
            next.push(s);
          }
        }
        for (const t of level) if (partial.has(t) && !next.includes(t)) backend.disposeData(t.dataId);
        level = next;
      }
      const out = sum(level);
      for (const t of level) if (partial.has(t)) backend.disposeData(t.dataId);
      return out;
    },
  };
  tf.registerKernel(config);
  return ['AddN (chunked)'];
}
