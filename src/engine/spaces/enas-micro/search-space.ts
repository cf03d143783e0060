import { z } from 'zod';

/**
 * The ENAS micro (cell) search space's candidate operations in the reference's order
 * (melodyguan/enas src/cifar10/micro_child.py, _enas_cell: op ids 0 sep 3×3, 1 sep 5×5, 2 avg pool,
 * 3 max pool, 4 identity). The arc string's op ids index this list.
 */
export const ENAS_MICRO_OPS = [
  'sep_conv_3x3',
  'sep_conv_5x5',
  'avg_pool_3x3',
  'max_pool_3x3',
  'identity',
] as const;
export type EnasMicroOp = (typeof ENAS_MICRO_OPS)[number];

/** The given states of every cell: the outputs of the two cells before it. */
export const ENAS_MICRO_GIVEN = 2;

/** Layer indices of the reduction cells among the L + 2 cells (micro_child.py pool_layers). */
export function reductionLayers(layers: number): [number, number] {
  const d = Math.floor(layers / 3);
  return [d, 2 * d + 1];
}

/**
 * The ENAS micro space as data. Defaults are the search script's (scripts/cifar10_micro_search.sh:
 * --child_num_cells=5 --child_num_layers=6 --child_out_filters=20 --child_num_branches=5).
 */
export const EnasMicroSpaceSchema = z
  .object({
    name: z.literal('enas-micro').meta({ title: 'space', description: 'ENAS micro (cell) space' }),
    nodes: z.number().int().min(1).max(8).default(5).meta({
      title: 'nodes per cell (B)',
      description:
        'reference: 5 (--child_num_cells). Each node takes two inputs among the two cell inputs and the earlier nodes, one op on each, and sums them; nodes no later node uses are concatenated as the cell output',
    }),
    layers: z.number().int().min(0).max(30).default(6).meta({
      title: 'layers (L)',
      description:
        'reference: 6 (--child_num_layers). The network has L + 2 cells; the two at ⌊L/3⌋ and 2⌊L/3⌋+1 are reduction cells (micro_child.py pool_layers), which double the channels',
    }),
    channels: z
      .number()
      .int()
      .min(2)
      .max(512)
      .default(20)
      .refine((c) => c % 2 === 0, 'channels must be even (the factorized reduction halves them)')
      .meta({
        title: 'channels (F)',
        description:
          "reference: 20 (--child_out_filters): the first cells' width; the stem outputs 3F; each reduction doubles F",
      }),
    ops: z
      .array(z.enum(ENAS_MICRO_OPS))
      .min(1)
      .default([...ENAS_MICRO_OPS])
      .refine((ops) => new Set(ops).size === ops.length, 'candidate operations must not repeat')
      .meta({
        title: 'candidate operations',
        description:
          "reference: all five in its order (sep_conv_3x3, sep_conv_5x5, avg_pool_3x3, max_pool_3x3, identity); the arc string's op ids index this list",
      }),
  })
  .strict();
export type EnasMicroSpace = z.infer<typeof EnasMicroSpaceSchema>;
