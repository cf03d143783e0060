import { execFile } from 'node:child_process';
import type { ResourceSample } from '../shared/protocol';

/** What the sampler reads of tfjs: its memory report and the active backend's name (engine/tf.ts in the worker). */
export interface TfMemorySource {
  memory(): { numBytes: number; numTensors: number; numBytesInGPU?: number };
  getBackend(): string;
  /** The wasm backend's heap, where its tensors live (counted in the RSS, not in the JS heap). */
  wasmHeapBytes?(): number | undefined;
}

/** Asks for the GPU memory this process holds, in bytes; undefined when the GPU cannot be asked. */
export type GpuMemoryProbe = (pid: number) => Promise<number | undefined>;

/**
 * The GPU memory of one process as nvidia-smi reports it (MiB per compute process). tfjs-node's
 * TensorFlow backend keeps GPU memory in its own allocator and tf.memory() does not report it, so
 * the driver is the one source; it is asked asynchronously, so that a step never waits for it.
 */
export const nvidiaSmiProbe: GpuMemoryProbe = (pid) =>
  new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-compute-apps=pid,used_memory', '--format=csv,noheader,nounits'],
      { timeout: 5000 },
      (err, stdout) => {
        if (err) return resolve(undefined);
        for (const line of stdout.split('\n')) {
          const [p, mib] = line.split(',').map((s) => Number.parseInt(s.trim(), 10));
          if (p === pid && Number.isFinite(mib)) return resolve(mib * 1024 * 1024);
        }
        resolve(undefined);
      },
    );
  });

export interface ResourceSamplerOptions {
  /** A new sample at most this often; calls in between return the last one (progress comes every step). */
  intervalMs?: number;
  /** How often the GPU is asked (a process launch): rarer than the cheap samples. */
  gpuIntervalMs?: number;
  gpuProbe?: GpuMemoryProbe;
  now?: () => number;
  cpuUsage?: () => NodeJS.CpuUsage;
  memoryUsage?: () => NodeJS.MemoryUsage;
}

/**
 * Samples the worker's resource use for the run dashboard, cheaply: process.memoryUsage() and
 * process.cpuUsage() (no process launch) at most every `intervalMs`, tfjs's own memory report, and
 * for the TensorFlow backend (the one that may run on a GPU) the GPU memory from nvidia-smi every
 * `gpuIntervalMs`, in the background. CPU is the share of one core used since the previous sample
 * (above 100 with several threads, as `top` shows it).
 */
export class ResourceSampler {
  private last: ResourceSample | null = null;
  private lastAt = Number.NEGATIVE_INFINITY;
  private lastCpu: NodeJS.CpuUsage;
  private lastCpuAt: number;
  private gpuBytes: number | undefined;
  private gpuAskedAt = Number.NEGATIVE_INFINITY;
  private gpuPending = false;
  private gpuUnavailable = false;
  private readonly intervalMs: number;
  private readonly gpuIntervalMs: number;
  private readonly now: () => number;
  private readonly cpuUsage: () => NodeJS.CpuUsage;
  private readonly memoryUsage: () => NodeJS.MemoryUsage;

  constructor(
    private readonly tf: TfMemorySource,
    private readonly opts: ResourceSamplerOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 1000;
    this.gpuIntervalMs = opts.gpuIntervalMs ?? 10_000;
    this.now = opts.now ?? (() => performance.now());
    this.cpuUsage = opts.cpuUsage ?? (() => process.cpuUsage());
    this.memoryUsage = opts.memoryUsage ?? (() => process.memoryUsage());
    this.lastCpu = this.cpuUsage();
    this.lastCpuAt = this.now();
  }

  /** The latest sample, refreshed when `intervalMs` has passed since the previous one. */
  sample(): ResourceSample {
    const t = this.now();
    if (this.last && t - this.lastAt < this.intervalMs) return this.last;
    const cpu = this.cpuUsage();
    const wallMicros = (t - this.lastCpuAt) * 1000;
    const usedMicros = cpu.user - this.lastCpu.user + (cpu.system - this.lastCpu.system);
    const cpuPercent = wallMicros > 0 ? Math.max(0, (100 * usedMicros) / wallMicros) : 0;
    this.lastCpu = cpu;
    this.lastCpuAt = t;
    const mem = this.memoryUsage();
    const backend = this.tf.getBackend() ?? '';
    const tfm = backend ? this.tf.memory() : { numBytes: 0, numTensors: 0 };
    if (backend === 'tensorflow') this.askGpu(t);
    const gpu = tfm.numBytesInGPU ?? (backend === 'tensorflow' ? this.gpuBytes : undefined);
    const wasm = backend === 'wasm' ? this.tf.wasmHeapBytes?.() : undefined;
    this.last = {
      rssBytes: mem.rss,
      heapUsedBytes: mem.heapUsed,
      heapTotalBytes: mem.heapTotal,
      externalBytes: mem.external,
      cpuPercent: Math.round(cpuPercent * 10) / 10,
      tensorBytes: tfm.numBytes,
      tensors: tfm.numTensors,
      ...(wasm !== undefined ? { wasmHeapBytes: wasm } : {}),
      ...(gpu !== undefined ? { gpuBytes: gpu } : {}),
      backend,
    };
    this.lastAt = t;
    return this.last;
  }

  private askGpu(t: number): void {
    if (this.gpuUnavailable || this.gpuPending || t - this.gpuAskedAt < this.gpuIntervalMs) return;
    this.gpuPending = true;
    this.gpuAskedAt = t;
    void (this.opts.gpuProbe ?? nvidiaSmiProbe)(process.pid).then((bytes) => {
      this.gpuPending = false;
      // No driver, or no GPU for this process (TensorFlow on its CPU): stop asking.
      if (bytes === undefined) this.gpuUnavailable = true;
      else this.gpuBytes = bytes;
    });
  }
}
