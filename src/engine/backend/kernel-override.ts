import * as tf from '../tf';

/**
 * Replaces (or adds) one kernel of a backend with `run`; when `run` returns null the previous kernel
 * (if any) handles the call, so a fast path can cover only the shapes it knows. Returns whether a
 * kernel was installed.
 */
export function overrideKernel<B>(
  kernelName: string,
  backendName: string,
  run: (
    inputs: Record<string, tf.TensorInfo>,
    backend: B,
    attrs: Record<string, unknown>,
  ) => tf.TensorInfo | tf.TensorInfo[] | null,
): boolean {
  const previous = tf.getKernel(kernelName, backendName);
  if (previous) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    // The previous kernel may need its backend setup (wasm binds its C function there), which tfjs
    // runs for registered kernels when the backend initialises.
    setupFunc: previous?.setupFunc,
    disposeFunc: previous?.disposeFunc,
    kernelFunc: (args) => {
      const out = run(
        args.inputs as Record<string, tf.TensorInfo>,
        args.backend as unknown as B,
        (args.attrs ?? {}) as Record<string, unknown>,
      );
      if (out) return out;
      if (!previous) throw new Error(`${kernelName} on ${backendName}: these inputs are not supported`);
      return previous.kernelFunc(args);
    },
  });
  return true;
}

/** The parts of tfjs-backend-cpu the engine's cpu kernels use. */
export interface CpuBackendLike {
  data: { get(id: unknown): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
}

export function cpuValues(b: CpuBackendLike, t: tf.TensorInfo): Float32Array {
  return b.data.get(t.dataId).values as Float32Array;
}

/** Registers each kernel once per process (the registry is global); remembers what it installed. */
export function once(key: string, install: () => string[]): string[] {
  const g = globalThis as unknown as Record<string, string[] | undefined>;
  const k = `__nasStudioKernels_${key}`;
  g[k] ??= install();
  return g[k] as string[];
}
