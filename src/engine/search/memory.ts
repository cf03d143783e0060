import type { SearchConfig } from '../../shared/search-config';
import { countForwardFlops } from '../spaces/darts/flops';

/**
 * Rough peak memory of one search step: tfjs keeps the supernet's activations for the backward pass,
 * measured at about one byte per forward FLOP of a batch (small config, first order, cpu backend:
 * 9.7 GB peak RSS for 9.6 GFLOP per batch). Used to steer away from the wasm backend, whose heap is
 * limited to 4 GB; null when the image size is not known before loading (datasets from disk).
 */
export const BYTES_PER_FORWARD_FLOP = 1.0;

export function estimateStepBytes(config: SearchConfig): number | null {
  const d = config.data;
  const dims =
    d.source === 'default'
      ? { size: 28, channels: 1, classes: 10 }
      : d.source === 'synthetic'
        ? { size: d.synthetic.imageSize, channels: d.synthetic.channels, classes: d.synthetic.classes }
        : null;
  if (!dims) return null;
  const flops = countForwardFlops(config.space, dims.size, dims.channels, dims.classes) * config.batchSize;
  return flops * BYTES_PER_FORWARD_FLOP;
}

/**
 * Refuses, before any work, a search whose estimated step memory exceeds what this machine has (the
 * DARTS paper's defaults target a GPU: batch 64 at 32×32 needs tens of GB in tfjs on CPU). GPU
 * backends keep activations in GPU memory, which this check does not see.
 */
export function assertFitsInMemory(config: SearchConfig, backend: string, totalBytes: number): void {
  if (backend === 'tensorflow') return;
  const need = estimateStepBytes(config);
  if (need !== null && need > 0.8 * totalBytes)
    throw new Error(
      `this search needs about ${(need / 1e9).toFixed(1)} GB per step on the ${backend} backend, but this machine has ${(totalBytes / 1e9).toFixed(1)} GB: reduce batchSize (now ${config.batchSize}), space.channels (now ${config.space.channels}) or space.cells (now ${config.space.cells}), or search on a GPU`,
    );
}
