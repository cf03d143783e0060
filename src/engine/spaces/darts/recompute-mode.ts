/**
 * Gradient checkpointing of the supernet (nn/checkpoint.ts) while gradients are taken: 'cell' keeps
 * only each cell's inputs for the backward pass and recomputes the cell; 'edge' does so per mixed op
 * (the cell's preprocessing and node sums stay on the tape); 'off' is plain autodiff, which keeps every
 * intermediate of every candidate op. Same values and gradients in all three (recompute.test.ts).
 * The recomputation replays the segment with the same ForwardContext marked `replay`.
 * (No tfjs import here: the memory estimate, which the app's renderer also loads, needs these.)
 */
import type { Recompute } from '../../search/space';

export type { Recompute };

/**
 * SearchNetwork's default. Per edge: measured on the bench configs (docs/performance.md), it keeps the
 * least memory, because a whole cell's recomputation holds all of that cell's intermediates and their
 * gradients at once, while the per-edge boundaries (cell preprocessing, node sums) are few; both cost
 * one extra forward pass of the mixed ops.
 */
export const DEFAULT_RECOMPUTE: Recompute = 'edge';
