import { z } from 'zod';
import type { Genotype } from './genotype-types';
import { readReferenceGenotypeText, writeReferenceGenotypeText } from './genotype-reference-text';
import { DARTS_PRIMITIVES } from './primitives-contract';

export type { Genotype } from './genotype-types';
export { ReferenceGenotypeSyntaxError } from './genotype-reference-text';

/** A genotype that does not fit its search space (unknown op, impossible input, ...). */
export class GenotypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GenotypeError';
  }
}

type Cell = 'normal' | 'reduce';

/**
 * The paper's discretisation of one cell (reference model_search.py `_parse`). `weights` holds one row
 * of op weights (softmax(α)) per edge, edges in the reference's order: node i has edges from states
 * 0..i+1. For each node, edges are ranked by their strongest non-'none' weight and the top two are
 * kept, strongest first; ties keep the lower input first, as Python's stable sort does. On each kept
 * edge the strongest non-'none' op wins, the first maximum on ties. Without 'none' every op counts.
 */
export function deriveCell(
  weights: number[][],
  primitives: readonly string[],
  steps: number,
): Array<[string, number]> {
  const expectedRows = (steps * (steps + 3)) / 2;
  if (weights.length !== expectedRows) {
    throw new GenotypeError(
      `architecture weights have ${weights.length} edge rows; ${steps} nodes need ${expectedRows}`,
    );
  }
  weights.forEach((row, e) => {
    if (row.length !== primitives.length) {
      throw new GenotypeError(`edge ${e} has ${row.length} op weights for ${primitives.length} primitives`);
    }
    if (row.some((w) => !Number.isFinite(w)))
      throw new GenotypeError(`edge ${e} has a non-finite weight: [${row}]`);
  });
  const noneIdx = primitives.indexOf('none');
  const candidates = primitives.map((_, k) => k).filter((k) => k !== noneIdx);
  if (candidates.length === 0)
    throw new GenotypeError("no candidate operation besides 'none' to derive from");

  /** Index of the first maximal non-'none' weight of a row. */
  const bestOp = (row: number[]): number => candidates.reduce((best, k) => (row[k] > row[best] ? k : best));

  const gene: Array<[string, number]> = [];
  let start = 0;
  for (let i = 0; i < steps; i++) {
    const rows = weights.slice(start, start + i + 2);
    const ranked = rows
      .map((row, input) => ({ input, strength: row[bestOp(row)] }))
      // Array.prototype.sort is stable: equal strengths keep input order, like the reference.
      .sort((a, b) => b.strength - a.strength);
    for (const { input } of ranked.slice(0, 2)) gene.push([primitives[bestOp(rows[input])], input]);
    start += i + 2;
  }
  return gene;
}

/**
 * The genotype of a search: both cells derived by the paper's rule; the cell output concatenates the
 * last `multiplier` intermediate nodes (states 2+steps-multiplier .. steps+1).
 */
export function deriveGenotype(
  weightsNormal: number[][],
  weightsReduce: number[][],
  primitives: readonly string[],
  steps = 4,
  multiplier = 4,
): Genotype {
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new GenotypeError(`steps must be a positive integer, got ${steps}`);
  if (!(Number.isInteger(multiplier) && multiplier >= 1 && multiplier <= steps)) {
    throw new GenotypeError(`multiplier must be an integer in 1..${steps}, got ${multiplier}`);
  }
  const concat = () => Array.from({ length: multiplier }, (_, i) => 2 + steps - multiplier + i);
  return {
    normal: deriveCell(weightsNormal, primitives, steps),
    normalConcat: concat(),
    reduce: deriveCell(weightsReduce, primitives, steps),
    reduceConcat: concat(),
  };
}

/** Number of intermediate nodes of a genotype's cells: dense cells take two genes per node; sparse ones name their last node. */
export function genotypeNodeCount(g: Genotype): number {
  return Math.max(...(['normal', 'reduce'] as const).map((c) => Math.max(1, ...geneTargets(g, c)) - 1));
}

/** Whether a cell names the node of each gene (FairDARTS, SNAS edge_all) rather than two per node. */
export function isSparseCell(g: Genotype, cell: Cell): boolean {
  return (cell === 'normal' ? g.normalNodes : g.reduceNodes) !== undefined;
}

/** The node (state index >= 2) each gene of a cell feeds: explicit in a sparse cell, two per node otherwise. */
export function geneTargets(g: Genotype, cell: Cell): number[] {
  const explicit = cell === 'normal' ? g.normalNodes : g.reduceNodes;
  return explicit ? [...explicit] : g[cell].map((_, k) => Math.floor(k / 2) + 2);
}

/** One kept edge of a sparse derivation: op, input state, the node (state >= 2) it feeds. */
export type SparseGene = [op: string, input: number, node: number];

/**
 * A genotype from kept edges of any number per node (FairDARTS' threshold rule, SNAS's edge_all).
 * Edges from a node that ends up with no inputs are dropped, repeatedly, as the reference's DCOCell
 * skips an isolated node's outputs; the cell output concatenates the nodes that remain among the last
 * `multiplier` (the reference concatenates every remaining node; with multiplier = nodes, the DARTS
 * space's setting, that is the same). A cell where every edge is dropped cannot be built: GenotypeError
 * naming the cell. When every node keeps two edges in node order the dense form is returned.
 */
export function sparseGenotype(
  cells: Record<Cell, SparseGene[]>,
  steps: number,
  multiplier = steps,
): Genotype {
  const build = (cell: Cell) => {
    let genes = [...cells[cell]].sort((a, b) => a[2] - b[2]);
    for (;;) {
      const present = new Set(genes.map((x) => x[2]));
      const kept = genes.filter(([, input]) => input < 2 || present.has(input));
      if (kept.length === genes.length) break;
      genes = kept;
    }
    if (genes.length === 0)
      throw new GenotypeError(`the derived ${cell} cell keeps no edge, so no network can be built from it`);
    const present = new Set(genes.map((x) => x[2]));
    let concat = Array.from({ length: multiplier }, (_, i) => 2 + steps - multiplier + i).filter((s) =>
      present.has(s),
    );
    if (concat.length === 0) concat = [Math.max(...present)];
    return {
      genes: genes.map(([op, input]) => [op, input] as [string, number]),
      nodes: genes.map((x) => x[2]),
      concat,
    };
  };
  const n = build('normal');
  const r = build('reduce');
  return normalizeGenotype({
    normal: n.genes,
    normalConcat: n.concat,
    normalNodes: n.nodes,
    reduce: r.genes,
    reduceConcat: r.concat,
    reduceNodes: r.nodes,
  });
}

/** Drops a cell's explicit node list where it says what the dense form says (two genes per node, in order). */
export function normalizeGenotype(g: Genotype): Genotype {
  const out: Genotype = {
    normal: g.normal,
    normalConcat: g.normalConcat,
    reduce: g.reduce,
    reduceConcat: g.reduceConcat,
  };
  for (const cell of ['normal', 'reduce'] as const) {
    const nodes = cell === 'normal' ? g.normalNodes : g.reduceNodes;
    if (!nodes) continue;
    const dense = nodes.length % 2 === 0 && nodes.every((t, k) => t === Math.floor(k / 2) + 2);
    if (!dense) out[cell === 'normal' ? 'normalNodes' : 'reduceNodes'] = [...nodes];
  }
  return out;
}

export interface GenotypeValidationOptions {
  /** The ops a genotype may use; default the 8 DARTS primitives. */
  ops?: readonly string[];
  /** Required number of intermediate nodes per cell; default: any, but equal in both dense cells. */
  nodes?: number;
}

/**
 * Throws a GenotypeError naming the first problem: a dense cell without two (op, input) pairs per
 * node, a sparse cell whose node list does not match its genes, an op outside `ops`, an input that is
 * not a cell input or an earlier node (in a sparse cell: an earlier node that has inputs), a bad
 * concat list.
 */
export function validateGenotype(g: Genotype, options: GenotypeValidationOptions = {}): void {
  const ops = options.ops ?? DARTS_PRIMITIVES;
  const nodeCounts: Partial<Record<Cell, number>> = {};
  for (const cell of ['normal', 'reduce'] as const) {
    const genes = g[cell];
    const sparse = isSparseCell(g, cell);
    const nodesField = `${cell}Nodes`;
    if (!Array.isArray(genes) || genes.length === 0 || (!sparse && genes.length % 2 !== 0)) {
      throw new GenotypeError(
        `genotype ${cell} cell has ${Array.isArray(genes) ? genes.length : 'no'} (op, input) pairs; ` +
          (sparse
            ? 'it needs at least one'
            : `it needs two per node (or a ${nodesField} list naming each pair's node)`),
      );
    }
    let targets: number[];
    if (sparse) {
      targets = (cell === 'normal' ? g.normalNodes : g.reduceNodes)!;
      if (!Array.isArray(targets) || targets.length !== genes.length)
        throw new GenotypeError(
          `genotype ${nodesField} has ${Array.isArray(targets) ? targets.length : 'no'} entries for ${genes.length} (op, input) pairs`,
        );
      const limit = options.nodes !== undefined ? options.nodes + 1 : Infinity;
      targets.forEach((t, k) => {
        if (!Number.isInteger(t) || t < 2 || t > limit)
          throw new GenotypeError(
            `genotype ${nodesField}[${k}] is ${t}; nodes are states 2..${options.nodes !== undefined ? limit : 'n+1'}`,
          );
      });
    } else {
      const nodes = genes.length / 2;
      if (options.nodes !== undefined && nodes !== options.nodes) {
        throw new GenotypeError(
          `genotype ${cell} cell has ${genes.length} (op, input) pairs (${nodes} nodes); ` +
            `${options.nodes} nodes need ${2 * options.nodes}`,
        );
      }
      nodeCounts[cell] = nodes;
      targets = geneTargets(g, cell);
    }
    const present = new Set(targets);
    genes.forEach(([op, input], idx) => {
      const node = targets[idx] - 2;
      const where = `genotype ${cell} cell, node ${node} (pair ${idx})`;
      if (!ops.includes(op))
        throw new GenotypeError(`${where}: unknown operation '${op}' (known: ${ops.join(', ')})`);
      if (!Number.isInteger(input) || input < 0 || input > node + 1) {
        throw new GenotypeError(
          `${where}: input ${input} is not a cell input (0, 1) or an earlier node (states 0..${node + 1})`,
        );
      }
      if (sparse && input >= 2 && !present.has(input))
        throw new GenotypeError(`${where}: input ${input} is a node without inputs of its own`);
    });
    const concat = cell === 'normal' ? g.normalConcat : g.reduceConcat;
    const field = `${cell}Concat`;
    if (!Array.isArray(concat) || concat.length === 0) throw new GenotypeError(`genotype ${field} is empty`);
    const states = Math.max(...targets) - 1;
    for (const c of concat) {
      if (!Number.isInteger(c) || c < 0 || c > states + 1 || (sparse && c >= 2 && !present.has(c))) {
        throw new GenotypeError(
          sparse
            ? `genotype ${field} names state ${c}, but the cell's states are 0, 1 and its nodes with inputs (${[...present].sort((a, b) => a - b).join(', ')})`
            : `genotype ${field} names state ${c}, but the cell has states 0..${states + 1}`,
        );
      }
    }
    if (new Set(concat).size !== concat.length)
      throw new GenotypeError(`genotype ${field} repeats a state: [${concat}]`);
  }
  if (
    nodeCounts.normal !== undefined &&
    nodeCounts.reduce !== undefined &&
    nodeCounts.normal !== nodeCounts.reduce
  ) {
    throw new GenotypeError(
      `genotype normal cell has ${nodeCounts.normal} nodes but reduce cell has ${nodeCounts.reduce}; they must match`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// JSON format

export const GENOTYPE_JSON_FORMAT = 'nas-studio.genotype';
export const GENOTYPE_JSON_VERSION = 1;

const GeneSchema = z.tuple([z.string().min(1), z.number().int().nonnegative()]);
const ConcatSchema = z.array(z.number().int().nonnegative()).min(1);
const NodesSchema = z.array(z.number().int().min(2));

/** The genotype file: `{format, version, normal, normalConcat, reduce, reduceConcat}`. */
export const GenotypeJsonSchema = z
  .object({
    format: z.literal(GENOTYPE_JSON_FORMAT),
    version: z.literal(GENOTYPE_JSON_VERSION),
    normal: z.array(GeneSchema).min(1),
    normalConcat: ConcatSchema,
    reduce: z.array(GeneSchema).min(1),
    reduceConcat: ConcatSchema,
    /** Sparse cells only: the node (state >= 2) each gene feeds. */
    normalNodes: NodesSchema.optional(),
    reduceNodes: NodesSchema.optional(),
  })
  .strict();
export type GenotypeJson = z.infer<typeof GenotypeJsonSchema>;

export function genotypeToJsonObject(g: Genotype): GenotypeJson {
  return {
    format: GENOTYPE_JSON_FORMAT,
    version: GENOTYPE_JSON_VERSION,
    normal: g.normal.map(([op, i]) => [op, i]),
    normalConcat: [...g.normalConcat],
    reduce: g.reduce.map(([op, i]) => [op, i]),
    reduceConcat: [...g.reduceConcat],
    ...(g.normalNodes ? { normalNodes: [...g.normalNodes] } : {}),
    ...(g.reduceNodes ? { reduceNodes: [...g.reduceNodes] } : {}),
  };
}

export function genotypeToJson(g: Genotype): string {
  return `${JSON.stringify(genotypeToJsonObject(g), null, 2)}\n`;
}

/** Parses and validates the JSON format; `source` names the input in error messages. */
export function genotypeFromJson(
  text: string,
  options: GenotypeValidationOptions & { source?: string } = {},
): Genotype {
  const source = options.source ?? 'genotype';
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new GenotypeError(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  const r = GenotypeJsonSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new GenotypeError(
      `${source} is not a ${GENOTYPE_JSON_FORMAT} v${GENOTYPE_JSON_VERSION} file: ${issues}`,
    );
  }
  const { normal, normalConcat, reduce, reduceConcat, normalNodes, reduceNodes } = r.data;
  const g = normalizeGenotype({ normal, normalConcat, reduce, reduceConcat, normalNodes, reduceNodes });
  validateGenotype(g, options);
  return g;
}

// ---------------------------------------------------------------------------------------------------
// Reference text

/**
 * The reference's text: Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...);
 * a sparse cell as FairDARTS writes it, (op, to, from) triples.
 */
export function formatReferenceGenotype(g: Genotype): string {
  return writeReferenceGenotypeText(g);
}

/** Parses and validates the reference's text; concat may be a list or range(a, b). */
export function parseReferenceGenotype(text: string, options: GenotypeValidationOptions = {}): Genotype {
  const g = normalizeGenotype(readReferenceGenotypeText(text));
  validateGenotype(g, options);
  return g;
}

/** Either format, told apart by the first character ('{' for JSON). */
export function parseGenotype(
  text: string,
  options: GenotypeValidationOptions & { source?: string } = {},
): Genotype {
  return text.trimStart().startsWith('{')
    ? genotypeFromJson(text, options)
    : parseReferenceGenotype(text, options);
}
