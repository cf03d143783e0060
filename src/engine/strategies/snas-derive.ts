import { deriveGenotype, sparseGenotype, type SparseGene } from '../spaces/darts/genotype';
import type { Genotype } from '../spaces/darts/genotype-types';

export type SnasDerivation = 'edge_all' | 'top2' | 'top2_reference';

/** Index of the first maximum of a row (the reference's `k_best` loop, strict >). */
function argmax(row: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/**
 * One cell by the reference's `_parse` of genotype_edge_all (`keep` all edges per node) or of
 * genotype() (`keep` 2): per node the edges ranked by their largest weight, 'none' included (stable:
 * ties keep the lower input), the first `keep` kept, each with its argmax op, 'none' included. Edges
 * whose op is 'none' are then dropped: in the reference's evaluation cell they output zeros.
 * Returns (op, input, node state) triples.
 */
export function snasCellGenes(
  weights: number[][],
  ops: readonly string[],
  nodes: number,
  keep: number,
): SparseGene[] {
  const genes: SparseGene[] = [];
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    const rows = weights.slice(start, start + i + 2);
    const ranked = rows
      .map((row, input) => ({ input, strength: Math.max(...row) }))
      .sort((a, b) => b.strength - a.strength);
    for (const { input } of ranked.slice(0, keep)) genes.push([ops[argmax(rows[input])], input, i + 2]);
    start += i + 2;
  }
  return genes.filter(([op]) => op !== 'none');
}

/** The genes that survive sparseGenotype's pruning (edges from nodes without inputs dropped, repeatedly). */
function surviving(genes: SparseGene[]): SparseGene[] {
  let out = genes;
  for (;;) {
    const present = new Set(out.map((g) => g[2]));
    const kept = out.filter(([, input]) => input < 2 || present.has(input));
    if (kept.length === out.length) return out;
    out = kept;
  }
}

/**
 * The fallback for a cell that keeps no edge (every argmax is 'none', or only edges from dead nodes
 * survive): the single strongest non-'none' (op, edge) pair among the edges from the cell inputs, so
 * that derive() always returns a buildable genotype. A deviation: the reference's evaluation network
 * builds such a cell as all zeros.
 */
function fallbackGene(weights: number[][], ops: readonly string[], nodes: number): SparseGene {
  let best: SparseGene | null = null;
  let bestW = -Infinity;
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    for (let j = 0; j < 2; j++)
      weights[start + j].forEach((w, k) => {
        if (ops[k] !== 'none' && w > bestW) [best, bestW] = [[ops[k], j, i + 2], w];
      });
    start += i + 2;
  }
  if (!best) throw new Error("SNAS derive: no candidate operation besides 'none'");
  return best;
}

/** Whether the last derivation had to fall back for a cell (the log reports it). */
export interface SnasDerived {
  genotype: Genotype;
  fellBack: Array<'normal' | 'reduce'>;
}

/**
 * SNAS's derivation on DARTS cells from the op weights softmax(α) per cell type. edge_all and
 * top2_reference give sparse cells (nodes with any number of inputs); top2 is DARTS's rule (the space's
 * deriveCell: two inputs per node by the strongest non-'none' op). A cell that keeps no edge gets
 * the fallback gene; derive is called every epoch for the log, so it never throws on valid weights.
 */
export function deriveSnasGenotype(
  weights: { normal: number[][]; reduce: number[][] },
  ops: readonly string[],
  nodes: number,
  rule: SnasDerivation,
): SnasDerived {
  if (rule === 'top2')
    return { genotype: deriveGenotype(weights.normal, weights.reduce, ops, nodes, nodes), fellBack: [] };
  const keep = rule === 'edge_all' ? Infinity : 2;
  const fellBack: Array<'normal' | 'reduce'> = [];
  const cell = (c: 'normal' | 'reduce') => {
    const genes = snasCellGenes(weights[c], ops, nodes, keep);
    if (surviving(genes).length > 0) return genes;
    fellBack.push(c);
    return [fallbackGene(weights[c], ops, nodes)];
  };
  const normal = cell('normal');
  const reduce = cell('reduce');
  return { genotype: sparseGenotype({ normal, reduce }, nodes, nodes), fellBack };
}
