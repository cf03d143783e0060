import * as tf from '../tf';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** What happened to each candidate backend, for `nas-studio doctor` and the app's first screen. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it was rejected, or what was loaded. */
  detail: string;
}

export interface BackendReport {
  chosen: BackendName;
  attempts: BackendAttempt[];
  tfjsVersion: string;
  /** Plain sentence: why a faster backend is not in use (empty when the fastest is). */
  whyNotFaster: string;
  flags: Record<string, unknown>;
}

/** Loads a backend's package and registers it with tfjs; throws with a reason when it cannot. */
export type BackendLoader = () => Promise<string>;

/**
 * tfjs-node 4.22 calls util.isNullOrUndefined and util.isArray, which Node 23+ (Electron 40+) removed.
 * Provide them before loading it.
 */
export async function polyfillNodeUtil(): Promise<void> {
  const util = (await import('node:util')) as unknown as { default?: Record<string, unknown> } & Record<string, unknown>;
  const target = (util.default ?? util) as Record<string, unknown>;
  if (typeof target.isNullOrUndefined !== 'function') target.isNullOrUndefined = (v: unknown) => v === null || v === undefined;
  if (typeof target.isArray !== 'function') target.isArray = Array.isArray;
}

async function loadNative(): Promise<string> {
  await polyfillNodeUtil();
  const errors: string[] = [];
  // Both packages register the 'tensorflow' backend with the tfjs-core instance that @tensorflow/tfjs
  // (4.22.0, deduplicated with ours) provides, so the engine's ops run on it.
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      return `${pkg} loaded`;
    } catch (e) {
      errors.push(`${pkg}: ${firstLine(e)}`);
    }
  }
  throw new Error(
    `${errors.join('; ')}. GPU search needs @tensorflow/tfjs-node-gpu (installed with the app where libtensorflow can be downloaded) with an NVIDIA driver, CUDA 11.2 and cuDNN 8.1`,
  );
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

async function loadWasm(): Promise<string> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const { createRequire } = await import('node:module');
  const { dirname, sep } = await import('node:path');
  const require = createRequire(import.meta.url);
  const dist = dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep;
  wasm.setWasmPaths(dist);
  // tfjs-backend-wasm 4.22 ships no gradient kernels for convolutions: add ours, then check.
  const { registerWasmTrainingKernels } = await import('./wasm-kernels');
  const added = registerWasmTrainingKernels();
  const missing = TRAINING_KERNELS.filter((k) => !tf.getKernel(k, 'wasm'));
  if (missing.length) throw new Error(`the wasm backend lacks training kernels ${missing.join(', ')}`);
  return `wasm binaries from ${dist}; training kernels added: ${added.join(', ') || 'none'}`;
}

async function loadCpu(): Promise<string> {
  await import('@tensorflow/tfjs-backend-cpu');
  const { registerFastCpuKernels } = await import('./cpu-kernels/conv-grads');
  const { registerFastElementwiseKernels } = await import('./cpu-kernels/elementwise');
  const { registerFastSpaceBatchKernels } = await import('./cpu-kernels/space-batch');
  const replaced = [...registerFastCpuKernels(), ...registerFastElementwiseKernels(), ...registerFastSpaceBatchKernels()];
  return `pure-JavaScript kernels, with faster ${replaced.join(', ')}`;
}

export const DEFAULT_LOADERS: Record<BackendName, BackendLoader> = {
  tensorflow: loadNative,
  wasm: loadWasm,
  cpu: loadCpu,
};

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
      const detail = await loaders[backend]();
      if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
      await tf.ready();
      attempts.push({ backend, ok: true, detail });
      const rejected = attempts.filter((a) => !a.ok);
      const whyNotFaster = rejected.length
        ? rejected.map((a) => `${a.backend} unavailable: ${a.detail}`).join('; ')
        : prefer && BACKEND_ORDER.indexOf(backend) > 0
          ? `${backend} was requested explicitly`
          : '';
      return { chosen: backend, attempts, tfjsVersion: tf.version_core, whyNotFaster, flags: tf.env().getFlags() };
    } catch (e) {
      attempts.push({ backend, ok: false, detail: firstLine(e) });
    }
  }
  throw new Error(`no tfjs backend could be started: ${attempts.map((a) => `${a.backend}: ${a.detail}`).join('; ')}`);
}
