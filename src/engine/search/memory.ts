import type { SearchConfig } from './config';
import { spaceOf } from '../catalog';
import type { InputShape, Recompute } from './space';

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
 * DARTS paper's defaults target a GPU). GPU backends keep activations in GPU memory, which this check
 * does not see.
 */
export function assertFitsInMemory(config: SearchConfig, backend: string, totalBytes: number): void {
  if (backend === 'tensorflow') return;
  const need = estimateStepBytes(config);
  if (need !== null && need > 0.8 * totalBytes)
    throw new Error(
      `this search needs about ${(need / 1e9).toFixed(1)} GB per step on the ${backend} backend, but this machine has ${(totalBytes / 1e9).toFixed(1)} GB: reduce batchSize (now ${config.batchSize}) or the space's size (${spaceOf(config.space).summary}), or search on a GPU`,
    );
}
