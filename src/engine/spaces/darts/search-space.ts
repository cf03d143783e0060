import { z } from 'zod';
import { DARTS_PRIMITIVES, type PrimitiveName } from './primitives-contract';

/** The DARTS CNN search space as data (defaults from the paper). */
export const DartsSpaceSchema = z
  .object({
    name: z.literal('darts').default('darts'),
    /** Candidate ops on every edge; a subset of the 8 DARTS ops, in any order (α columns follow it). */
    ops: z
      .array(z.enum(DARTS_PRIMITIVES))
      .min(2, 'choose at least two candidate operations')
      .default([...DARTS_PRIMITIVES])
      .refine((ops) => new Set(ops).size === ops.length, 'candidate operations must not repeat')
      .meta({
        title: 'candidate operations',
        description:
          'paper: all 8 (none, 3×3 max and average pooling, skip, 3×3 and 5×5 separable and dilated convolutions); fewer ops make a smaller, faster supernet',
      }),
    /** Intermediate nodes per cell. */
    nodes: z.number().int().min(1).max(8).default(4).meta({
      title: 'nodes per cell',
      description: 'paper: 4 intermediate nodes, each summing two of its predecessors',
    }),
    /** Cells in the search network; reduction cells sit at 1/3 and 2/3 of the depth. */
    cells: z.number().int().min(1).max(32).default(8).meta({
      title: 'cells',
      description: 'paper: 8 in the search network (reduction cells at 1/3 and 2/3 of the depth)',
    }),
    /** Channels of the first cell. */
    channels: z.number().int().min(1).max(512).default(16).meta({
      title: 'initial channels',
      description: 'paper: 16 (doubled at each reduction cell); memory grows with it',
    }),
    stemMultiplier: z.number().int().min(1).max(8).default(3).meta({
      title: 'stem multiplier',
      description: "paper: 3 (the stem convolution's output is 3 × the initial channels)",
    }),
    /**
     * Per cell type and edge, the candidate ops that edge keeps (a subset of `ops`); absent: every
     * edge has all of `ops`. α columns and the options of the choice points stay `ops`.
     */
    edgeOps: z
      .object({
        normal: z.array(z.array(z.enum(DARTS_PRIMITIVES)).min(1)),
        reduce: z.array(z.array(z.enum(DARTS_PRIMITIVES)).min(1)),
      })
      .strict()
      .optional()
      .meta({
        title: 'ops per edge',
        description:
          'paper: absent, every edge has all candidate operations (DARTS); P-DARTS (Chen et al. 2019) keeps fewer ops per edge at each stage, one list per edge of the normal and the reduction cell, each a subset of the candidate operations',
      }),
  })
  .strict()
  .superRefine((space, ctx) => {
    if (!space.edgeOps) return;
    const rows = edgeCount(space.nodes);
    for (const cell of ['normal', 'reduce'] as const) {
      const lists = space.edgeOps[cell];
      if (lists.length !== rows) {
        ctx.addIssue({
          code: 'custom',
          path: ['edgeOps', cell],
          message: `a cell of ${space.nodes} nodes has ${rows} edges, but ${lists.length} op lists were given`,
        });
        continue;
      }
      lists.forEach((list, e) => {
        const stray = list.filter((op) => !space.ops.includes(op));
        if (stray.length > 0)
          ctx.addIssue({
            code: 'custom',
            path: ['edgeOps', cell, e],
            message: `${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} not among the candidate operations (${space.ops.join(', ')})`,
          });
        if (new Set(list).size !== list.length)
          ctx.addIssue({ code: 'custom', path: ['edgeOps', cell, e], message: 'ops must not repeat' });
      });
    }
  });
export type DartsSpace = z.infer<typeof DartsSpaceSchema>;

/** Number of edges in a cell with `nodes` intermediate nodes: node i has i+2 inputs. */
export function edgeCount(nodes: number): number {
  return (nodes * (nodes + 3)) / 2;
}

/** Input index of each edge, in the reference's order (node 0's 2 edges, node 1's 3 edges, ...). */
export function edgeInputs(nodes: number): Array<{ node: number; input: number }> {
  const out: Array<{ node: number; input: number }> = [];
  for (let i = 0; i < nodes; i++) for (let j = 0; j < i + 2; j++) out.push({ node: i, input: j });
  return out;
}

/** Indices of the reduction cells (reference: layers//3 and 2*layers//3). */
export function reductionCells(cells: number): number[] {
  const idx = [Math.floor(cells / 3), Math.floor((2 * cells) / 3)];
  return [...new Set(idx)].filter((i) => i < cells);
}

/**
 * The candidate ops of edge `e` of a normal or reduction cell, in the order of `space.ops` (which is
 * also the order the supernet builds them in): the edge's own list when the space has `edgeOps`.
 */
export function edgeOpsOf(space: DartsSpace, reduction: boolean, e: number): readonly PrimitiveName[] {
  const own = space.edgeOps?.[reduction ? 'reduce' : 'normal'][e];
  return own ? space.ops.filter((op) => own.includes(op)) : space.ops;
}

export function isPrimitive(name: string): name is PrimitiveName {
  return (DARTS_PRIMITIVES as readonly string[]).includes(name);
}
