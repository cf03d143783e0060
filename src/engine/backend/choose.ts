import * as tf from '../tf';
import { cpus } from 'node:os';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

/** What happened to each candidate backend, for `nas-studio doctor` and the app's first screen. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was rejected, or what was loaded. */
  detail: string;
}

/** Facts about the running backend that decide its speed (see describeActiveBackend). */
export interface BackendFlags {
  /** wasm: the SIMD binary is in use. */
  wasmSimd?: boolean;
  /** wasm: the multi-threaded binary is in use with more than one thread (see wasm-threads.ts). */
  wasmThreads?: boolean;
  /** tensorflow: libtensorflow places ops on a CUDA GPU (false: it computes on the CPU). */
  tensorflowGpu?: boolean;
  /** webgpu: the adapter is a software rasteriser (llvmpipe/lavapipe, SwiftShader): a smoke test, not speed. */
  webgpuSoftware?: boolean;
}

export interface BackendReport {
  chosen: BackendName;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** Plain sentence: why a faster backend is not in use (empty when the fastest is). */
  whyNotFaster: string;
  /** Plain words: what computes (a GPU through CUDA, the CPU through WebAssembly with SIMD, ...). */
  device: string;
  flags: BackendFlags;
}

/**
 * Loads a backend's package and registers it with tfjs; throws with a reason when it cannot. `ctx`
 * says whether the backend was asked for by name and what the work needs (webgpu judges its adapter by both).
 */
export type BackendLoader = (ctx?: LoaderContext) => Promise<string>;

export interface LoaderContext {
  requested: boolean;
  memoryNeedBytes?: number | null;
}

type UtilModule = Record<string, unknown>;

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined and util.isArray, which Node 23+ (Electron 40+ runs
 * Node 24) removed. Adds them to `target` where they are missing and leaves existing ones alone.
 */
export function installNodeUtilShims(target: UtilModule): void {
  if (typeof target.isNullOrUndefined !== 'function')
    target.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  if (typeof target.isArray !== 'function') target.isArray = Array.isArray;
}

/** Provides the util functions tfjs-node needs; must run before it loads. */
export async function polyfillNodeUtil(): Promise<void> {
  const util = (await import('node:util')) as unknown as { default?: UtilModule } & UtilModule;
  // The ESM namespace is read-only; its `default` is the CommonJS module object, the very object that
  // tfjs-node's `require('util')` returns.
  installNodeUtilShims(util.default ?? util);
}

const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/**
 * The `tensorflow` loader: tfjs-node-gpu (CUDA), else tfjs-node (libtensorflow on the CPU).
 * `importPackage` is injectable so that tests can simulate a package that is missing, broken, or bound
 * to another copy of tfjs-core.
 */
export function nativeLoader(
  importPackage: (name: string) => Promise<unknown> = (name) => import(/* @vite-ignore */ name),
): BackendLoader {
  return async () => {
    await polyfillNodeUtil();
    const errors: string[] = [];
    for (const pkg of NATIVE_PACKAGES) {
      try {
        await importPackage(pkg);
      } catch (e) {
        errors.push(
          isModuleNotFound(e)
            ? `${pkg} is not installed${pkg.endsWith('-gpu') ? ' (an optional dependency: its install downloads libtensorflow, which failed or was skipped)' : ''}`
            : `${pkg} failed to load: ${firstLine(e)}`,
        );
        continue;
      }
      // tfjs-node(-gpu) registers 'tensorflow' with the @tensorflow/tfjs-core that IT resolves. npm
      // deduplicates that with the engine's only when the versions match (both 4.22.0 here); with two
      // copies the engine's ops would never reach libtensorflow, so refuse rather than pretend.
      if (!tf.findBackendFactory('tensorflow'))
        throw new Error(
          `${pkg} loaded but registered its backend with another copy of @tensorflow/tfjs-core than the engine's (${tf.version_core}); install matching versions so that npm deduplicates them`,
        );
      return `${pkg} loaded`;
    }
    throw new Error(
      `${errors.join('; ')}. GPU search needs @tensorflow/tfjs-node-gpu with an NVIDIA driver, CUDA 11.2 and cuDNN 8.1`,
    );
  };
}

/** Kernels that training the DARTS supernet needs beyond forward inference. */
export const TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

/**
 * Threads for the wasm backend: NAS_STUDIO_WASM_THREADS when set (1 turns threading off), else one
 * per logical core, 1 to 4. Measured on a 2-vCPU machine (docs/performance.md): with the gradients
 * on XNNPACK, two threads beat one on every config and order (small, second order: 31.9 → 24.9–28.7 s);
 * before that, when scalar loops dominated, the second thread's spinning slowed the tiny config.
 */
export function wasmThreadCount(env: Record<string, string | undefined>, cores = cpus().length): number {
  const v = env.NAS_STUDIO_WASM_THREADS;
  if (v !== undefined && v !== '') {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > 64)
      throw new Error(`NAS_STUDIO_WASM_THREADS: expected a whole number from 1 to 64, got '${v}'`);
    return n;
  }
  return Math.max(1, Math.min(4, cores));
}

async function loadWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { createRequire } = await import('node:module');
  const { dirname, sep } = await import('node:path');
  const require = createRequire(import.meta.url);
  // In Node the package's main file is dist/tf-backend-wasm.node.js, next to the .wasm binaries.
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep;
  wasm.setWasmPaths(dist);
  // tfjs-backend-wasm 4.22 ships no gradient kernels for convolutions: add ours, then check.
  const { registerWasmTrainingKernels } = await import('./wasm-kernels');
  const added = registerWasmTrainingKernels();
  const missing = TRAINING_KERNELS.filter((k) => !tf.getKernel(k, 'wasm'));
  if (missing.length) throw new Error(`the wasm backend lacks training kernels ${missing.join(', ')}`);
  // XNNPACK on more than one core when asked (tfjs-backend-wasm turns threads off under Node; see wasm-threads.ts).
  const { initWasmWithThreads } = await import('./wasm-threads');
  let threads;
  try {
    threads = await initWasmWithThreads(wasmThreadCount(process.env));
  } catch (e) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    threads = { threads: 1, why: `the threaded binary failed to start (${firstLine(e)})` };
  }
  const threading = `${threads.threads} thread${threads.threads > 1 ? 's' : ''}${threads.why ? ` (${threads.why})` : ''}`;
  // The SIMD kernels work on the backend's own memory, which exists once it is initialised.
  if (!(await tf.setBackend('wasm'))) throw new Error(`tf.setBackend('wasm') failed`);
  const { installSimdKernels } = await import('./wasm-kernels/simd-kernels');
  const simd = await installSimdKernels(tf.backend()).catch((e: unknown) => ({
    kernels: [],
    why: `they failed to load: ${firstLine(e)}`,
  }));
  const simdNote = simd.why ? `no SIMD kernels (${simd.why})` : `SIMD kernels: ${simd.kernels.join(', ')}`;
  return `wasm binaries from ${dist}; ${threading}; kernels added or replaced (convolution gradients on XNNPACK): ${added.join(', ') || 'none'}; ${simdNote}`;
}

async function loadCpu(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  const { registerFastCpuKernels } = await import('./cpu-kernels/conv-grads');
  const { registerFastElementwiseKernels } = await import('./cpu-kernels/elementwise');
  const { registerFastSpaceBatchKernels } = await import('./cpu-kernels/space-batch');
  const { registerCpuBatchNormKernels } = await import('./cpu-kernels/batchnorm');
  const replaced = [
    ...registerCpuBatchNormKernels(),
    ...registerFastCpuKernels(),
    ...registerFastElementwiseKernels(),
    ...registerFastSpaceBatchKernels(),
  ];
  return `pure-JavaScript kernels, with faster ${replaced.join(', ')}`;
}

/** Device memory of an NVIDIA GPU from nvidia-smi (WebGPU does not expose it), else null. */
async function nvidiaMemoryBytes(): Promise<number | null> {
  const { detectGpus } = await import('./doctor');
  const m = /([\d.]+)\s*MiB/.exec(detectGpus().devices[0]?.memory ?? '');
  return m ? Number(m[1]) * 2 ** 20 : null;
}

async function loadWebGpuBackend(ctx?: LoaderContext): Promise<string> {
  const { loadWebGpu } = await import('./webgpu');
  return loadWebGpu({
    requested: ctx?.requested === true,
    memoryNeedBytes: ctx?.memoryNeedBytes,
    deviceMemoryBytes: ctx?.memoryNeedBytes ? await nvidiaMemoryBytes() : null,
  });
}

export const DEFAULT_LOADERS: Record<BackendName, BackendLoader> = {
  tensorflow: nativeLoader(),
  webgpu: loadWebGpuBackend,
  wasm: loadWasm,
  cpu: loadCpu,
};

/**
 * What computes on the active backend and the flags that decide its speed. Read after setBackend:
 * tfjs-node's backend object says whether libtensorflow found a GPU, and the wasm flags are the ones
 * tfjs-backend-wasm evaluated to pick its binary.
 */
export async function describeActiveBackend(
  backend: BackendName,
): Promise<{ device: string; flags: BackendFlags }> {
  if (backend === 'tensorflow') {
    const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean; isGPUPackage?: boolean };
    const gpu = b.isUsingGpuDevice === true;
    return {
      device: gpu
        ? 'NVIDIA GPU through CUDA (libtensorflow)'
        : b.isGPUPackage
          ? 'CPU through libtensorflow: tfjs-node-gpu found no usable GPU (CUDA 11.2 and cuDNN 8.1 libraries, NVIDIA driver)'
          : 'CPU through libtensorflow (tfjs-node)',
      flags: { tensorflowGpu: gpu },
    };
  }
  if (backend === 'wasm') {
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
    const count = getThreadsCount();
    const threads = count > 1;
    return {
      device: `CPU through WebAssembly (${simd ? 'SIMD' : 'no SIMD'}, ${threads ? `${count} threads` : 'one thread'})`,
      flags: { wasmSimd: simd, wasmThreads: threads },
    };
  }
  if (backend === 'webgpu') {
    const { webgpuState, adapterName } = await import('./webgpu');
    const a = webgpuState.adapter;
    const software = a?.software === true;
    return {
      device: `${software ? 'software GPU (CPU rasteriser)' : 'GPU'} through WebGPU (Dawn): ${a ? adapterName(a) : 'unknown adapter'}`,
      flags: { webgpuSoftware: software },
    };
  }
  return { device: 'CPU through pure-JavaScript kernels (one thread)', flags: {} };
}

/** The wasm heap is 32-bit: leave room below 4 GB for the runtime and fragmentation. */
export const WASM_HEAP_BUDGET_BYTES = 3.5e9;

export interface ChooseOptions {
  /** Force one backend (CLI --backend, config, or NAS_STUDIO_BACKEND); otherwise the fastest that works. */
  prefer?: BackendName;
  loaders?: Partial<Record<BackendName, BackendLoader>>;
  env?: Record<string, string | undefined>;
  /** Estimated peak memory of the work (see search/memory.ts); wasm is skipped when it cannot hold it. */
  memoryNeedBytes?: number | null;
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

export function parseBackendName(v: string | undefined, source: string): BackendName | undefined {
  if (v === undefined || v === '' || v === 'auto') return undefined;
  if ((BACKEND_ORDER as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`${source}: unknown backend '${v}'; use one of ${BACKEND_ORDER.join(', ')} or auto`);
}

/**
 * Picks the tfjs backend: tensorflow (CUDA through tfjs-node-gpu, or tfjs-node) when it loads, else
 * wasm, else cpu. A preferred backend is tried first; if it fails, the others follow in order and the
 * report says why.
 */
export async function chooseBackend(opts: ChooseOptions = {}): Promise<BackendReport> {
  const env = opts.env ?? process.env;
  const prefer = opts.prefer ?? parseBackendName(env.NAS_STUDIO_BACKEND, 'NAS_STUDIO_BACKEND');
  const loaders = { ...DEFAULT_LOADERS, ...opts.loaders };
  const order = prefer ? [prefer, ...BACKEND_ORDER.filter((b) => b !== prefer)] : [...BACKEND_ORDER];
  const attempts: BackendAttempt[] = [];
  for (const backend of order) {
    try {
      if (backend === 'wasm' && opts.memoryNeedBytes && opts.memoryNeedBytes > WASM_HEAP_BUDGET_BYTES)
        throw new Error(
          `this search needs about ${(opts.memoryNeedBytes / 1e9).toFixed(1)} GB per step, more than the wasm heap's 4 GB; reduce batchSize or channels to use it`,
        );
      const detail = await loaders[backend]({
        requested: backend === prefer,
        memoryNeedBytes: opts.memoryNeedBytes,
      });
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
      attempts.push({ backend, ok: true, detail });
      const rejected = attempts.filter((a) => !a.ok);
      const whyNotFaster = rejected.length
        ? rejected.map((a) => `${a.backend} unavailable: ${a.detail}`).join('; ')
        : prefer && BACKEND_ORDER.indexOf(backend) > 0
          ? `${backend} was requested explicitly`
          : '';
      const { device, flags } = await describeActiveBackend(backend);
      return { chosen: backend, attempts, tfjsVersion: tf.version_core, whyNotFaster, device, flags };
    } catch (e) {
      attempts.push({ backend, ok: false, detail: firstLine(e) });
    }
  }
  throw new Error(
    `no tfjs backend could be started: ${attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ')}`,
  );
}
