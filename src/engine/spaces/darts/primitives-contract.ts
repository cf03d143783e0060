import type { Module } from '../../nn/module';
import type { Rng } from '../../util/rng';

/** The 8 candidate operations of the DARTS CNN space, in the reference's order (index = α column). */
export const DARTS_PRIMITIVES = [
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
] as const;
export type PrimitiveName = (typeof DARTS_PRIMITIVES)[number];

/**
 * Builds one candidate op on C channels (NHWC tensors). stride 2 halves H and W (reduction edges).
 * `affine` is false for BatchNorm inside mixed ops during search (as the reference), true in the
 * evaluation network. `rng` draws the initial weights.
 */
export type PrimitiveFactory = (C: number, stride: 1 | 2, affine: boolean, rng: Rng) => Module;
