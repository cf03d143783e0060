import { z } from 'zod';

/**
 * The NAS-Bench-201 candidate operations in the reference's order (AutoDL-Projects
 * xautodl/models/cell_operations.py, NAS_BENCH_201): α columns and option indices follow it.
 */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

export function isNb201Op(name: string): name is Nb201Op {
  return (NB201_OPS as readonly string[]).includes(name);
}

/** Nodes of a cell: node 0 is the cell's input, node 3 its output. */
export const NB201_NODES = 4;

/**
 * The six edges of a cell in the reference's order (edge2index of NAS201SearchCell: its keys
 * '1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2' sorted, which is also node-major order). Row e of
 * every architecture array, choice row and α row is edge e of this list.
 */
export const NB201_EDGES: ReadonlyArray<{ node: number; input: number }> = (() => {
  const out: Array<{ node: number; input: number }> = [];
  for (let node = 1; node < NB201_NODES; node++)
    for (let input = 0; input < node; input++) out.push({ node, input });
  return out;
})();

/** Row names as the field writes them ('2←1': node 2's edge from node 1). */
export const NB201_ROW_NAMES: readonly string[] = NB201_EDGES.map(({ node, input }) => `${node}←${input}`);

/** The index of edge node←input in NB201_EDGES: node j's edges start after Σ_{n<j} n = j(j−1)/2. */
export function nb201EdgeIndex(node: number, input: number): number {
  return (node * (node - 1)) / 2 + input;
}

/**
 * The NAS-Bench-201 search space as data. Defaults are the benchmark's (Dong & Yang, ICLR 2020;
 * AutoDL-Projects scripts-search/NAS-Bench-201-algos/*.sh: channel=16, num_cells=5, max_nodes=4,
 * space nas-bench-201).
 */
export const Nb201SpaceSchema = z
  .object({
    name: z.literal('nb201').meta({ title: 'space', description: 'NAS-Bench-201 cell space' }),
    channels: z.number().int().min(1).max(512).default(16).meta({
      title: 'channels (C)',
      description:
        'channels of the first stage; the second and third stages use 2C and 4C. Benchmark: 16, the width every one of the 15,625 architectures was trained at, so costs and accuracies compare with the published tables',
    }),
    cellsPerStage: z.number().int().min(1).max(32).default(5).meta({
      title: 'cells per stage (N)',
      description:
        'cells in each of the three stages, which are separated by stride-2 residual blocks. Benchmark: 5 (17 layers in all), the depth of the published tables',
    }),
    ops: z
      .array(z.enum(NB201_OPS))
      .min(2, 'choose at least two candidate operations')
      .default([...NB201_OPS])
      .refine((ops) => new Set(ops).size === ops.length, 'candidate operations must not repeat')
      .meta({
        title: 'candidate operations',
        description:
          "the options of every edge, in α's column order. Benchmark: all five (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3); a subset searches a smaller space whose cells are still in the benchmark",
      }),
  })
  .strict();
export type Nb201Space = z.infer<typeof Nb201SpaceSchema>;
