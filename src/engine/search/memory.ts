import type { SearchConfig } from './config';
import { spaceOf } from '../catalog';
import type { InputShape, Recompute } from './space';
import { webgpuMemoryRefusal, type WebGpuAdapterReport } from '../backend/webgpu-limits';

export {
  BYTES_PER_CELL_ACTIVATION_FLOAT,
  CELL_MODE_BYTES_PER_LARGEST_CELL_FLOAT,
  cellActivationSizes,
  estimateSpaceStepBytes,
} from '../spaces/darts/memory-model';

/** The image shape a config's dataset will have, when it is known before loading (not for datasets on disk). */
export function knownInputShape(d: SearchConfig['data']): InputShape | null {
  if (d.source === 'default') return { size: 28, channels: 1, classes: 10 };
  if (d.source === 'synthetic')
    return { size: d.synthetic.imageSize, channels: d.synthetic.channels, classes: d.synthetic.classes };
  return null;
}

/** Estimated peak bytes of one search step (the space's cost model); null when the image size is not known yet. */
export function estimateStepBytes(config: SearchConfig, recompute?: Recompute): number | null {
  const shape = knownInputShape(config.data);
  return shape === null ? null : spaceOf(config.space).cost.stepBytes(shape, config.batchSize, recompute);
}

/**
 * Refuses, before any work, a search whose estimated step memory exceeds what this machine has (the
 * DARTS paper's defaults target a GPU). tensorflow keeps activations in GPU memory, which this check
 * does not see; webgpu is checked against its adapter's limits (and the device memory where known,
 * see backend/webgpu-limits.ts), and a software adapter's memory is the host's as well.
 */
export function assertFitsInMemory(
  config: SearchConfig,
  backend: string,
  totalBytes: number,
  webgpu?: { adapter: WebGpuAdapterReport | null; deviceMemoryBytes?: number | null },
): void {
  if (backend === 'tensorflow') return;
  const need = estimateStepBytes(config);
  if (backend === 'webgpu' && webgpu?.adapter) {
    const refusal = webgpuMemoryRefusal(need, webgpu.adapter, webgpu.deviceMemoryBytes ?? null);
    if (refusal)
      throw new Error(`${refusal} (now batchSize ${config.batchSize}, ${spaceOf(config.space).summary})`);
    if (!webgpu.adapter.software) return;
  }
  if (need !== null && need > 0.8 * totalBytes)
    throw new Error(
      `this search needs about ${(need / 1e9).toFixed(1)} GB per step on the ${backend} backend, but this machine has ${(totalBytes / 1e9).toFixed(1)} GB: reduce batchSize (now ${config.batchSize}) or the space's size (${spaceOf(config.space).summary}), or search on a GPU`,
    );
}
