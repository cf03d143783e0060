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
  runWebGPUProgram(
    program: object,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms: Array<{ type: 'int32'; data: number[] }>,
  ): tf.TensorInfo;
}

/**
 * AddN with more inputs than a shader stage may bind storage buffers: tfjs-backend-webgpu builds one
 * program binding every input, which the device rejects (a validation error, and the result silently
 * stays zero). The engine sums hundreds of tensors at once (the gradient norm over every weight, a
 * supernet node's many edges), so sum in chunks that fit, then sum the partial sums.
 */
export function registerWebGpuKernels(): string[] {
  return [registerChunkedAddN(), registerFirstMaxPoolGrad()];
}

function registerChunkedAddN(): string {
  const stock = tf.getKernel('AddN', 'webgpu');
  if (!stock) throw new Error('tfjs-backend-webgpu registered no AddN kernel');
  if ((stock as { nasStudioChunked?: boolean }).nasStudioChunked) return 'AddN (chunked)';
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
  return 'AddN (chunked)';
}

const FIRST_MAX = 'MaxPoolGrad (first max)';

/**
 * MaxPoolGrad with the cpu backend's rule on ties: each window's gradient goes to the first input in
 * row-major scan order that equals the window's maximum (backend/cpu-kernels/max-pool-grad.ts).
 * tfjs-backend-webgpu's kernel finds the position with `value >= max`, i.e. the last of equal inputs,
 * so wherever a window holds its maximum twice — plateaus, as after a ReLU and a 1×1 convolution,
 * where every all-negative pixel becomes the same value — the gradient lands elsewhere than on cpu
 * and wasm. Found by NASP, whose first discrete network is max pooling on every edge.
 *
 * One thread per input element: it visits the windows that contain it (at most ⌈k/s⌉² of them),
 * finds each window's first maximum and adds that window's dy when it is this element. y, the
 * pooled output MaxPoolGrad receives, gives each window's maximum.
 */
function registerFirstMaxPoolGrad(): string {
  const stock = tf.getKernel('MaxPoolGrad', 'webgpu');
  if (!stock) throw new Error('tfjs-backend-webgpu registered no MaxPoolGrad kernel');
  if ((stock as { nasStudioFirstMax?: boolean }).nasStudioFirstMax) return FIRST_MAX;
  tf.unregisterKernel('MaxPoolGrad', 'webgpu');
  const config: tf.KernelConfig & { nasStudioFirstMax: boolean } = {
    kernelName: 'MaxPoolGrad',
    backendName: 'webgpu',
    nasStudioFirstMax: true,
    kernelFunc: (args) => {
      const { dy, input, output } = args.inputs as unknown as Record<string, tf.TensorInfo>;
      const backend = args.backend as unknown as WebGpuBackendLike;
      const a = args.attrs as Record<string, unknown>;
      const ci = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        a.filterSize as number,
        a.strides as number,
        1,
        a.pad as 'valid',
        a.dimRoundingMode as 'floor' | undefined,
      );
      const shape = [...input.shape];
      const workgroup = 64;
      const program = {
        variableNames: ['dy', 'x', 'y'],
        uniforms: 'strides : vec2<i32>, pads : vec2<i32>, filterDims : vec2<i32>, outDims : vec2<i32>,',
        workgroupSize: [workgroup, 1, 1],
        outputShape: shape,
        dispatchLayout: { x: shape.map((_, i) => i) },
        dispatch: [Math.ceil(shape.reduce((p, d) => p * d, 1) / workgroup), 1, 1],
        size: true,
        shaderKey: 'nasStudioMaxPoolGradFirstMax',
        getUserCode: () => FIRST_MAX_POOL_GRAD_WGSL,
      };
      return backend.runWebGPUProgram(program, [dy, input, output], input.dtype, [
        { type: 'int32', data: [ci.strideHeight, ci.strideWidth] },
        { type: 'int32', data: [ci.padInfo.top, ci.padInfo.left] },
        { type: 'int32', data: [ci.filterHeight, ci.filterWidth] },
        { type: 'int32', data: [ci.outHeight, ci.outWidth] },
      ]);
    },
  };
  tf.registerKernel(config);
  return FIRST_MAX;
}

/** The shader of registerFirstMaxPoolGrad, in tfjs-backend-webgpu's program conventions (main(index), getX, uniforms). */
const FIRST_MAX_POOL_GRAD_WGSL = `
  fn main(index : i32) {
    if (index < uniforms.size) {
      let coords = getCoordsFromIndex(index);
      let b = coords[0];
      let xR = coords[1];
      let xC = coords[2];
      let d = coords[3];
      let H = uniforms.xShape[1];
      let W = uniforms.xShape[2];
      let s = uniforms.strides;
      let p = uniforms.pads;
      let k = uniforms.filterDims;
      // Windows (yR, yC) with yR·s − p ≤ xR < yR·s − p + k: from ⌈(xR + p − k + 1)/s⌉ (at least 0)
      // to ⌊(xR + p)/s⌋ (at most the last); the numerators are clamped to ≥ 0 before dividing.
      let r0 = (max(xR + p.x - k.x + 1, 0) + s.x - 1) / s.x;
      let r1 = min((xR + p.x) / s.x, uniforms.outDims.x - 1);
      let c0 = (max(xC + p.y - k.y + 1, 0) + s.y - 1) / s.y;
      let c1 = min((xC + p.y) / s.y, uniforms.outDims.y - 1);
      var grad = 0.0;
      for (var yR = r0; yR <= r1; yR++) {
        for (var yC = c0; yC <= c1; yC++) {
          let m = getY(b, yR, yC, d);
          let h0 = max(yR * s.x - p.x, 0);
          let h1 = min(yR * s.x - p.x + k.x, H);
          let w0 = max(yC * s.y - p.y, 0);
          let w1 = min(yC * s.y - p.y + k.y, W);
          var firstR = -1;
          var firstC = -1;
          for (var ih = h0; ih < h1 && firstR < 0; ih++) {
            for (var iw = w0; iw < w1; iw++) {
              if (getX(b, ih, iw, d) == m) {
                firstR = ih;
                firstC = iw;
                break;
              }
            }
          }
          if (firstR == xR && firstC == xC) {
            grad += getDy(b, yR, yC, d);
          }
        }
      }
      setOutputAtIndex(index, grad);
    }
  }
`;
