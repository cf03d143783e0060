import * as tf from '../tf';
import { webgpuMemoryRefusal, type WebGpuAdapterReport } from './webgpu-limits';

export { webgpuMemoryRefusal, LARGEST_TENSOR_SHARE, type WebGpuAdapterReport } from './webgpu-limits';

/**
 * The webgpu backend: tfjs-backend-webgpu on Dawn's Node bindings (the `webgpu` npm package), both
 * optional dependencies. Everything here is imported lazily, from the loader, so that the app (the
 * Electron utility process included) starts without them and pays nothing for them until the chooser
 * reaches webgpu.
 */

/** The subset of the WebGPU API the probe touches (the `webgpu` package's types are not needed to compile). */
interface AdapterLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  features: Iterable<string> & { has(f: string): boolean };
  limits: Record<string, number>;
  requestDevice(desc?: unknown): Promise<unknown>;
}
interface GpuLike {
  requestAdapter(opts?: unknown): Promise<AdapterLike | null>;
}

/** Names that mark a software adapter when the driver does not set isFallbackAdapter. */
const SOFTWARE_ADAPTER =
  /llvmpipe|lavapipe|swiftshader|softpipe|\bwarp\b|basic render|microsoft basic|software/i;

export function isSoftwareAdapter(info: AdapterLike['info']): boolean {
  if (!info) return false;
  if (info.isFallbackAdapter === true) return true;
  return SOFTWARE_ADAPTER.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

/**
 * Limits below which tfjs-backend-webgpu's shaders do not compile or the engine's tensors do not fit.
 * tfjs's matmul/conv programs use workgroups of up to 256 invocations and 16 KB of shared memory and
 * bind up to 8 storage buffers; the WebGPU spec's defaults meet all of them, so only a device below
 * the spec's minimums (a broken driver) fails here.
 */
export const REQUIRED_LIMITS = {
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupStorageSize: 16384,
  maxStorageBuffersPerShaderStage: 8,
} as const;

export function describeAdapter(adapter: AdapterLike): WebGpuAdapterReport {
  const info = adapter.info ?? {};
  const l = adapter.limits;
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: isSoftwareAdapter(info),
    limits: {
      maxBufferSize: l.maxBufferSize,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    },
    features: [...adapter.features].sort(),
  };
}

export function adapterName(a: WebGpuAdapterReport): string {
  return a.description || [a.vendor, a.architecture, a.device].filter(Boolean).join(' ') || 'unnamed adapter';
}

/** Why the adapter cannot run the engine, or null when it can (software adapters are judged by the caller). */
export function missingCapability(a: WebGpuAdapterReport): string | null {
  const short = Object.entries(REQUIRED_LIMITS)
    .filter(([k, min]) => !(a.limits[k as keyof typeof REQUIRED_LIMITS] >= min))
    .map(([k, min]) => `${k} ${a.limits[k as keyof typeof REQUIRED_LIMITS]} < ${min}`);
  return short.length
    ? `the adapter ${adapterName(a)} lacks what tfjs-backend-webgpu needs: ${short.join(', ')}`
    : null;
}

/** The adapter the loader found (for doctor), and why none was used. */
export const webgpuState: { adapter: WebGpuAdapterReport | null; note: string } = {
  adapter: null,
  note: 'not probed',
};

/**
 * Gives Node a `navigator.gpu` from Dawn and returns its adapter (null: none). Dawn on Linux wants
 * XDG_RUNTIME_DIR (its Vulkan loader's ICD search and some drivers read it); a missing one is set to
 * a private folder under the temp dir.
 */
export async function requestWebGpuAdapter(
  importPackage: (name: string) => Promise<unknown> = (name) => import(/* @vite-ignore */ name),
): Promise<{ gpu: GpuLike; adapter: AdapterLike | null }> {
  // A switch to take the adapter away (tests, and users whose GPU driver misbehaves): the chooser
  // then goes on to wasm and says why.
  if (process.env.NAS_STUDIO_WEBGPU === 'off')
    throw new Error('WebGPU is turned off (NAS_STUDIO_WEBGPU=off)');
  if (process.platform === 'linux' && !process.env.XDG_RUNTIME_DIR) {
    const { mkdirSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = join(tmpdir(), `nas-studio-xdg-${process.getuid?.() ?? 'user'}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    process.env.XDG_RUNTIME_DIR = dir;
  }
  let mod: { create: (flags: string[]) => GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await importPackage('webgpu')) as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? 'the webgpu package is not installed (an optional dependency)'
        : `the webgpu package failed to load: ${String((e as Error).message).split('\n')[0]}`,
    );
  }
  // GPUBufferUsage, GPUMapMode, ... : tfjs-backend-webgpu reads them as globals, as in a browser.
  for (const [k, v] of Object.entries(mod.globals))
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  const gpu = mod.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  return { gpu, adapter };
}

export interface WebGpuLoaderOptions {
  /** The backend was asked for by name (--backend webgpu, NAS_STUDIO_BACKEND): a software adapter is then used. */
  requested: boolean;
  memoryNeedBytes?: number | null;
  /** Device memory where it is known (an NVIDIA GPU through nvidia-smi), else null. */
  deviceMemoryBytes?: number | null;
  /** Tests: a stand-in for requestWebGpuAdapter (an adapter forced unavailable, a software one). */
  probe?: typeof requestWebGpuAdapter;
}

/**
 * Loads tfjs-backend-webgpu on the adapter found, or throws the reason: no package, no adapter, a
 * software adapter not asked for, a missing capability, too little memory.
 */
export async function loadWebGpu(opts: WebGpuLoaderOptions): Promise<string> {
  const probe = opts.probe ?? requestWebGpuAdapter;
  const { gpu, adapter } = await probe();
  if (!adapter) {
    webgpuState.adapter = null;
    webgpuState.note = 'requestAdapter() returned no adapter';
    throw new Error(
      'no WebGPU adapter (Dawn found no Vulkan/Metal/D3D12 device: on Linux install the Vulkan loader libvulkan1 and your GPU driver’s Vulkan ICD)',
    );
  }
  const report = describeAdapter(adapter);
  webgpuState.adapter = report;
  webgpuState.note = '';
  const name = adapterName(report);
  if (report.software && !opts.requested)
    throw new Error(
      `the only WebGPU adapter is a software one (${name}), slower than the CPU backends: skipped (select it with --backend webgpu or NAS_STUDIO_BACKEND=webgpu)`,
    );
  const missing = missingCapability(report);
  if (missing) throw new Error(missing);
  const memory = webgpuMemoryRefusal(opts.memoryNeedBytes, report, opts.deviceMemoryBytes ?? null);
  if (memory) throw new Error(memory);
  // tfjs-backend-webgpu registers its kernels on import, and its backend only when navigator.gpu exists.
  const nav = (globalThis as { navigator?: object }).navigator;
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.assign(Object.create(nav ?? null) as object, { gpu }),
    configurable: true,
    writable: true,
  });
  let pkg: { WebGPUBackend: new (device: unknown, info?: unknown) => tf.KernelBackend };
  try {
    // A name in a variable: the bundler leaves the import to Node at run time (as for tfjs-node-gpu),
    // so the package stays optional and out of the app's bundles.
    const name = '@tensorflow/tfjs-backend-webgpu';
    pkg = (await import(/* @vite-ignore */ name)) as unknown as typeof pkg;
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new Error(
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? '@tensorflow/tfjs-backend-webgpu is not installed (an optional dependency)'
        : `@tensorflow/tfjs-backend-webgpu failed to load: ${String((e as Error).message).split('\n')[0]}`,
    );
  }
  if (!tf.getKernel('Conv2D', 'webgpu'))
    throw new Error(
      `@tensorflow/tfjs-backend-webgpu registered its kernels with another copy of @tensorflow/tfjs-core than the engine's (${tf.version_core}); install matching versions`,
    );
  const { registerWebGpuKernels } = await import('./webgpu-kernels');
  const fixed = registerWebGpuKernels();
  // Our own factory, on the adapter just checked (the package's would request another one). The
  // device asks for the adapter's limits, as the package's does, so that large tensors bind.
  tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const l = adapter.limits;
      const features = ['timestamp-query'].filter((f) => adapter.features.has(f));
      const device = await adapter.requestDevice({
        requiredFeatures: features,
        requiredLimits: {
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          // The default (8) is below what most adapters allow; AddN and Concat bind one buffer per input.
          maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        },
      });
      const backend = new pkg.WebGPUBackend(device, adapter.info) as tf.KernelBackend & {
        readSync(dataId: object): unknown;
      };
      // Its readSync works only on values already read (cached on the host); otherwise it needs an
      // OffscreenCanvas, absent in Node. Say what that means instead of "OffscreenCanvas is not defined".
      const readSync = backend.readSync.bind(backend);
      backend.readSync = (dataId: object) => {
        try {
          return readSync(dataId);
        } catch (e) {
          throw new Error(
            `a synchronous read (dataSync, arraySync) on the webgpu backend, which in Node reads only asynchronously (${String((e as Error).message).split('\n')[0]}): this code path is not ported to webgpu yet (see search/host-reads.ts); use --backend wasm or cpu`,
          );
        }
      };
      return backend;
    },
    3,
  );
  return `${report.software ? 'software' : 'hardware'} adapter ${name} (maxBufferSize ${report.limits.maxBufferSize}, maxStorageBufferBindingSize ${report.limits.maxStorageBufferBindingSize}); kernels replaced: ${fixed.join(', ')}; reads are asynchronous`;
}

/** Whether the active backend can read tensors synchronously (dataSync): webgpu in Node cannot (see host-reads.ts). */
export function backendReadsSynchronously(backend: string = tf.getBackend()): boolean {
  return backend !== 'webgpu';
}
