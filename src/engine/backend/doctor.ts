import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DoctorReport } from './doctor-report';
import { chooseBackend, type BackendName, type BackendReport } from './choose';
import { detectCudaLibraries, type CudaLibraries } from './cuda-libs';

type Gpu = DoctorReport['gpus']['devices'][number];

/** Parses `nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader`. */
export function parseNvidiaSmi(csv: string): Gpu[] {
  return csv
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      // GPU names contain no commas; split from the right in case a future one does.
      const parts = line.split(',').map((s) => s.trim());
      const driver = parts.pop() ?? '';
      const memory = parts.pop() ?? '';
      return { name: parts.join(', '), memory, driver };
    });
}

/** GPUs as nvidia-smi lists them, or why none are listed. */
export function detectGpus(): Pick<DoctorReport['gpus'], 'devices' | 'note'> {
  try {
    const out = execFileSync(
      'nvidia-smi',
      ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader'],
      {
        encoding: 'utf8',
        timeout: 5000,
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    const devices = parseNvidiaSmi(out);
    return { devices, note: devices.length ? '' : 'nvidia-smi lists no GPU' };
  } catch {
    return { devices: [], note: 'nvidia-smi not found: no NVIDIA driver on this machine' };
  }
}

/** Whether Electron's binary is present, found without launching it (electron downloads it at first launch, not at install). */
export function detectElectron(): DoctorReport['electron'] {
  try {
    const require = createRequire(import.meta.url);
    const pkgDir = dirname(require.resolve('electron/package.json'));
    const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version as string;
    // The electron package writes path.txt (the binary's path inside dist/) once the download succeeded.
    const pathFile = join(pkgDir, 'path.txt');
    const binary = existsSync(pathFile) ? join(pkgDir, 'dist', readFileSync(pathFile, 'utf8').trim()) : null;
    const present = !!binary && existsSync(binary);
    return {
      version,
      binaryPresent: present,
      note: present
        ? `binary at ${binary}`
        : 'the Electron binary has not been downloaded (it is fetched from GitHub at first launch); use the CLI or web mode meanwhile',
    };
  } catch {
    return { version: null, binaryPresent: false, note: 'the electron package is not installed' };
  }
}

/**
 * Why an NVIDIA GPU that is present does not compute, or '' when it does (or there is none). The
 * chooser's reasons say which package failed; the libraries say what to install.
 */
export function gpuUnusedReason(
  backend: Pick<BackendReport, 'chosen' | 'flags'>,
  gpus: Gpu[],
  cuda: CudaLibraries | null,
): string {
  if (
    !gpus.length ||
    (backend.chosen === 'tensorflow' && backend.flags.tensorflowGpu) ||
    (backend.chosen === 'webgpu' && !backend.flags.webgpuSoftware)
  )
    return '';
  const names = gpus.map((g) => g.name).join(', ');
  const reasons = [
    backend.chosen === 'tensorflow'
      ? 'libtensorflow found no usable GPU'
      : backend.chosen === 'webgpu'
        ? 'webgpu runs on a software adapter, not on it (Dawn found no Vulkan driver for it: install the NVIDIA driver’s Vulkan ICD)'
        : 'the tensorflow backend is not in use',
    cuda?.missing.length ? cuda.note : '',
  ].filter(Boolean);
  return `the NVIDIA GPU${gpus.length > 1 ? 's' : ''} (${names}) ${gpus.length > 1 ? 'are' : 'is'} not used: ${reasons.join('; ')}`;
}

/**
 * The WebGPU adapter for the report: the one the chooser probed, else a probe of its own (the chooser
 * stops at the first backend that loads, so a machine with tensorflow never reached webgpu).
 */
async function probeWebGpuForDoctor(): Promise<NonNullable<DoctorReport['webgpu']>> {
  const { webgpuState, requestWebGpuAdapter, describeAdapter } = await import('./webgpu');
  if (webgpuState.adapter) return { adapter: webgpuState.adapter, note: '' };
  try {
    const { adapter } = await requestWebGpuAdapter();
    return adapter
      ? { adapter: describeAdapter(adapter), note: '' }
      : { adapter: null, note: 'requestAdapter() returned no adapter (no Vulkan/Metal/D3D12 device)' };
  } catch (e) {
    return { adapter: null, note: String((e as Error).message).split('\n')[0] };
  }
}

/** The whole report; `paths` are the app's data folders, passed in by the host (they are the app's, not the engine's). */
export async function collectDoctorReport(opts: {
  prefer?: BackendName;
  paths: DoctorReport['paths'];
}): Promise<DoctorReport> {
  const backend = await chooseBackend({ prefer: opts.prefer });
  const gpus = detectGpus();
  const cudaLibraries = gpus.devices.length ? detectCudaLibraries() : null;
  const gpuReason = gpuUnusedReason(backend, gpus.devices, cudaLibraries);
  const webgpu = await probeWebGpuForDoctor();
  return {
    backend: {
      chosen: backend.chosen,
      attempts: backend.attempts,
      whyNotFaster: [backend.whyNotFaster, gpuReason].filter(Boolean).join('; '),
      tfjsVersion: backend.tfjsVersion,
      device: backend.device,
      flags: backend.flags,
    },
    gpus: { ...gpus, cudaLibraries },
    webgpu,
    electron: detectElectron(),
    node: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    paths: opts.paths,
  };
}

export function formatDoctorReport(r: DoctorReport): string {
  const lines = [
    `backend: ${r.backend.chosen} (tfjs ${r.backend.tfjsVersion}) on ${r.backend.device}`,
    ...r.backend.attempts.map((a) => `  ${a.ok ? '✓' : '✗'} ${a.backend}: ${a.detail}`),
    r.backend.whyNotFaster ? `  why not faster: ${r.backend.whyNotFaster}` : '  this is the fastest backend',
    `GPUs: ${r.gpus.devices.length ? r.gpus.devices.map((d) => `${d.name} (${d.memory}, driver ${d.driver})`).join('; ') : r.gpus.note}`,
    ...(r.gpus.cudaLibraries ? [`  CUDA libraries: ${r.gpus.cudaLibraries.note}`] : []),
    ...(r.webgpu ? [formatWebGpu(r.webgpu)] : []),
    `Electron ${r.electron.version ?? '-'}: ${r.electron.note}`,
    `Node ${r.node} on ${r.platform}`,
    `data folder: ${r.paths.home} (dataset cache ${r.paths.datasetCache})`,
  ];
  return lines.join('\n');
}

function formatWebGpu(w: NonNullable<DoctorReport['webgpu']>): string {
  const a = w.adapter;
  if (!a) return `WebGPU: ${w.note}`;
  const mb = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;
  return [
    `WebGPU: ${a.software ? 'software' : 'hardware'} adapter ${a.description || a.device} (vendor ${a.vendor || '-'}, architecture ${a.architecture || '-'})`,
    `  limits: maxBufferSize ${mb(a.limits.maxBufferSize)}, maxStorageBufferBindingSize ${mb(a.limits.maxStorageBufferBindingSize)}, workgroup storage ${a.limits.maxComputeWorkgroupStorageSize} B, ${a.limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup`,
    ...(a.software
      ? [
          '  a software adapter is skipped by auto; --backend webgpu selects it (a smoke test, slower than wasm)',
        ]
      : []),
  ].join('\n');
}
