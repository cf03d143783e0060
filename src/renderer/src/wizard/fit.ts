import type { DoctorReport } from '../../../shared/doctor';

/** The wasm backend's heap limit, less room for weights and the runtime. */
export const WASM_USABLE_BYTES = 3.5e9;

/** Bytes in a doctor report's first GPU's memory ("81559 MiB", as nvidia-smi prints it), or null. */
export function gpuMemoryBytes(report: DoctorReport | null): number | null {
  const m = /([\d.]+)\s*MiB/.exec(report?.gpus.devices[0]?.memory ?? '');
  return m ? Number(m[1]) * 2 ** 20 : null;
}

/**
 * A plain-sentence warning when a search's estimated step memory will not fit where it would run
 * (the GPU with tfjs-node-gpu, or the wasm heap), or null when it fits or nothing is known.
 */
export function fitWarning(stepBytes: number | null, report: DoctorReport | null): string | null {
  if (!stepBytes || !report) return null;
  const gb = (b: number) => (b / 1e9).toFixed(1);
  const gpu = gpuMemoryBytes(report);
  if (report.backend.chosen === 'tensorflow' && gpu !== null && stepBytes > 0.9 * gpu)
    return `Needs about ${gb(stepBytes)} GB per step but the GPU has ${gb(gpu)} GB: reduce the batch size, channels or cells.`;
  if (report.backend.chosen === 'wasm' && stepBytes > WASM_USABLE_BYTES)
    return `Needs about ${gb(stepBytes)} GB per step, more than the wasm backend's 4 GB heap: it will run on the slower cpu backend (or reduce the batch size, channels or cells).`;
  return null;
}
