import { reductionCells, type DartsSpace } from './search-space';
import { DEFAULT_RECOMPUTE, type Recompute } from './recompute-mode';

/**
 * Peak memory of one search step, modelled from measurements (docs/performance.md). What a step holds
 * scales with the supernet's activation sizes, not with its FLOPs (those grow with C², activations
 * with C: bytes per FLOP measured 1.55 on tiny but ~1.0 on small, without recomputation). The unit is
 * one float per cell-output position and channel, batch × Σ_cells H_out² × C_cell
 * (`cellActivationSizes`): 40,960 for the bench's tiny config, 1,114,112 for small. Per recomputation
 * mode (SearchNetwork.recompute), bytes per unit, measured with the bench's byte watch (the peak of
 * tfjs's tensor byte count over a first-order DARTS step, wasm; default ops, 4 nodes):
 * - 'off', plain autodiff, every intermediate of every candidate op kept: tiny 9,300 (364 MiB), small
 *   ~8,700 (9.7 GB peak RSS on cpu) → 9,300;
 * - 'edge', the default, the cells' boundaries plus one mixed op's recomputation: tiny 973 (38 MiB),
 *   small 782 (831 MiB; 1,169 MiB peak RSS on wasm) → 980;
 * - 'cell', the boundaries plus one whole cell's recomputation and its gradients: tiny 125 MiB, small
 *   1,995 MiB, fitted as 40 per unit plus 8,100 per float of the largest cell (its batch × H_out² × C).
 * The paper's search defaults on 28×28×1 images (batch 64) measured 2,531 MiB ('edge'; estimate 3,189).
 * A second-order step adds copies of the weights and their gradients (small next to activations).
 * Used to steer away from the wasm backend, whose heap is limited to 4 GB, and to refuse searches
 * that do not fit; null when the image size is not known before loading (datasets from disk).
 */
export const BYTES_PER_CELL_ACTIVATION_FLOAT: Record<Recompute, number> = { off: 9300, edge: 980, cell: 40 };
/** 'cell' mode: bytes per float of the largest cell (its recomputation holds all its intermediates). */
export const CELL_MODE_BYTES_PER_LARGEST_CELL_FLOAT = 8100;

/** Per cell, H_out² × C of its intermediate nodes for one image (the unit of the memory model). */
export function cellActivationSizes(space: DartsSpace, imageSize: number): number[] {
  const reductions = new Set(reductionCells(space.cells));
  let h = imageSize;
  let C = space.channels;
  const out: number[] = [];
  for (let i = 0; i < space.cells; i++) {
    if (reductions.has(i)) {
      C *= 2;
      h = Math.ceil(h / 2);
    }
    out.push(h * h * C);
  }
  return out;
}

/** Estimated peak bytes of one search step of a supernet over `batch` images of imageSize². */
export function estimateSpaceStepBytes(
  space: DartsSpace,
  imageSize: number,
  batch: number,
  recompute: Recompute = DEFAULT_RECOMPUTE,
): number {
  const sizes = cellActivationSizes(space, imageSize);
  const sum = sizes.reduce((a, b) => a + b, 0);
  const bytes = batch * sum * BYTES_PER_CELL_ACTIVATION_FLOAT[recompute];
  return recompute === 'cell'
    ? bytes + batch * Math.max(...sizes) * CELL_MODE_BYTES_PER_LARGEST_CELL_FLOAT
    : bytes;
}
