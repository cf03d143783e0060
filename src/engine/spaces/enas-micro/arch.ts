import { ENAS_MICRO_GIVEN } from './search-space';

/** One node: two inputs (state indices: 0, 1 the cell inputs, 2 + j node j) and the op on each. */
export interface EnasMicroNode {
  inputs: [number, number];
  ops: [string, string];
}

/** A discrete micro architecture: the normal cell's and the reduction cell's nodes (plain JSON). */
export interface EnasMicroArch {
  normal: EnasMicroNode[];
  reduce: EnasMicroNode[];
}

export class EnasMicroArchError extends Error {
  override name = 'EnasMicroArchError';
}

export const ENAS_MICRO_ARCH_FORMAT = 'nas-studio.enas-micro-arch';
export const ENAS_MICRO_ARCH_VERSION = 1;

export const CELL_TYPES = ['normal', 'reduce'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** Throws unless `arch` has B nodes per cell, inputs before the node and ops of `ops`. */
export function validateEnasMicroArch(
  arch: unknown,
  nodes: number,
  ops: readonly string[],
  source = 'architecture',
): asserts arch is EnasMicroArch {
  if (typeof arch !== 'object' || arch === null)
    throw new EnasMicroArchError(
      `${source}: an ENAS micro architecture is { normal: [nodes], reduce: [nodes] }`,
    );
  for (const t of CELL_TYPES) {
    const cell = (arch as Record<string, unknown>)[t];
    if (!Array.isArray(cell) || cell.length !== nodes)
      throw new EnasMicroArchError(
        `${source}: the ${t} cell needs ${nodes} nodes, got ${Array.isArray(cell) ? cell.length : 'none'}`,
      );
    cell.forEach((n: unknown, j) => {
      const where = `${source}, ${t} node ${j}`;
      const node = n as Partial<EnasMicroNode> | null;
      if (
        !node ||
        !Array.isArray(node.inputs) ||
        node.inputs.length !== 2 ||
        !Array.isArray(node.ops) ||
        node.ops.length !== 2
      )
        throw new EnasMicroArchError(`${where}: a node is { inputs: [i, j], ops: [op, op] }`);
      node.inputs.forEach((i) => {
        if (!(Number.isInteger(i) && i >= 0 && i < ENAS_MICRO_GIVEN + j))
          throw new EnasMicroArchError(
            `${where}: input ${JSON.stringify(i)} must be a state before the node (0..${ENAS_MICRO_GIVEN + j - 1})`,
          );
      });
      node.ops.forEach((op) => {
        if (typeof op !== 'string' || !ops.includes(op))
          throw new EnasMicroArchError(`${where}: op ${JSON.stringify(op)} is not one of ${ops.join(', ')}`);
      });
    });
  }
}

/** States no node of the cell uses (the cell's output is their concatenation), ascending. */
export function looseEnds(cell: readonly EnasMicroNode[]): number[] {
  const used = new Array(ENAS_MICRO_GIVEN + cell.length).fill(false);
  for (const n of cell) for (const i of n.inputs) used[i] = true;
  return used.flatMap((u, i) => (u ? [] : [i]));
}

/**
 * The reference's arc string (main.py --child_fixed_arc): per node `x_id x_op y_id y_op`, the normal
 * cell's nodes then the reduction cell's, space-separated; op ids index the space's ops.
 */
export function formatArc(arch: EnasMicroArch, ops: readonly string[]): string {
  return CELL_TYPES.map((t) =>
    arch[t]
      .map((n) => `${n.inputs[0]} ${ops.indexOf(n.ops[0])} ${n.inputs[1]} ${ops.indexOf(n.ops[1])}`)
      .join(' '),
  ).join(' ');
}

export function parseArc(
  text: string,
  nodes: number,
  ops: readonly string[],
  source = 'architecture',
): EnasMicroArch {
  if (typeof text !== 'string') throw new EnasMicroArchError(`${source}: an arc string is text`);
  const ints = text.trim().split(/\s+/).filter(Boolean);
  if (ints.length !== 8 * nodes)
    throw new EnasMicroArchError(
      `${source}: an arc string of ${nodes}-node cells has ${8 * nodes} integers (x_id x_op y_id y_op per node, normal then reduce), got ${ints.length}`,
    );
  const v = ints.map((s, i) => {
    if (!/^\d+$/.test(s))
      throw new EnasMicroArchError(`${source}: item ${i + 1} '${s}' is not a non-negative integer`);
    return Number(s);
  });
  const op = (k: number, i: number) => {
    if (k >= ops.length)
      throw new EnasMicroArchError(`${source}: item ${i + 1}: op id ${k} is not one of 0..${ops.length - 1}`);
    return ops[k];
  };
  const cell = (offset: number): EnasMicroNode[] =>
    Array.from({ length: nodes }, (_, j) => {
      const b = offset + 4 * j;
      return { inputs: [v[b], v[b + 2]], ops: [op(v[b + 1], b + 1), op(v[b + 3], b + 3)] };
    });
  const arch = { normal: cell(0), reduce: cell(4 * nodes) };
  validateEnasMicroArch(arch, nodes, ops, source);
  return arch;
}
