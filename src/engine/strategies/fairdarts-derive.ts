import type { ChoiceWeights } from '../search/space';
import { deriveGenotype, GenotypeError, sparseGenotype, type SparseGene } from '../spaces/darts/genotype';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { FairDartsParseMethod } from './fairdarts-spec';

const CELLS = ['normal', 'reduce'] as const;
type CellLabel = (typeof CELLS)[number];

/** Index of the first largest entry of a row (the reference's strict `>` scan). */
function firstMax(row: number[]): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  return best;
}

/**
 * The reference's 'threshold_sparse' parse (utils.py `parse`) of one cell from σ(α), rows in the
 * engine's edge order (node i's edges from states 0..i+1). Per node the two edges whose best σ is
 * largest, strongest first (Python's stable sort: ties keep the lower input first); on each, the first
 * op of largest σ, kept only if that σ ≥ threshold. Genes are (op, input, node state).
 */
export function thresholdSparseCell(
  sigmas: number[][],
  ops: readonly string[],
  nodes: number,
  threshold: number,
): SparseGene[] {
  const genes: SparseGene[] = [];
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    const rows = sigmas.slice(start, start + i + 2);
    const ranked = rows
      .map((row, input) => ({ input, k: firstMax(row), best: Math.max(...row) }))
      // Array.prototype.sort is stable, as Python's sorted.
      .sort((a, b) => b.best - a.best)
      .slice(0, 2);
    for (const { input, k, best } of ranked) if (best >= threshold) genes.push([ops[k], input, i + 2]);
    start += i + 2;
  }
  return genes;
}

/** Whether a cell of kept genes can be built: some gene leaves a cell input (0 or 1). Without one every node is cut off. */
function buildable(genes: SparseGene[]): boolean {
  return genes.some(([, input]) => input < 2);
}

/**
 * The one edge a cell keeps while nothing buildable passes the threshold (early in a search σ(0) = 0.5
 * everywhere): the edge from a cell input (0 or 1) whose best σ is largest, the first in edge order
 * on ties, with its first op of largest σ. An edge from an intermediate node could not stand alone.
 */
export function strongestInputEdge(sigmas: number[][], ops: readonly string[], nodes: number): SparseGene {
  let best: SparseGene | null = null;
  let bestValue = -Infinity;
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    for (const input of [0, 1]) {
      const row = sigmas[start + input];
      const k = firstMax(row);
      if (row[k] > bestValue) {
        bestValue = row[k];
        best = [ops[k], input, i + 2];
      }
    }
    start += i + 2;
  }
  if (!best) throw new GenotypeError('a DARTS cell needs at least one node');
  return best;
}

export interface FairDartsDerivation {
  genotype: Genotype;
  /** Per cell, the edges the threshold kept (before cut-off nodes are dropped). */
  kept: Record<CellLabel, number>;
  /** Per cell, whether it fell back to its strongest input edge. */
  fallback: Record<CellLabel, boolean>;
}

/**
 * FairDARTS' genotype from σ(α) per cell. 'darts': the DARTS rule (top two edges per node, best op)
 * on σ, dense. 'threshold_sparse': the reference's rule (thresholdSparseCell); a cell with no
 * buildable edge keeps its strongest input edge instead (strongestInputEdge; a deviation: the
 * reference would write an empty cell, which no network can be built from).
 */
export function deriveFairDarts(
  sigmas: ChoiceWeights,
  ops: readonly string[],
  nodes: number,
  method: FairDartsParseMethod,
  threshold: number,
): FairDartsDerivation {
  const rows = (nodes * (nodes + 3)) / 2;
  for (const cell of CELLS) {
    const w = sigmas[cell];
    if (!w) throw new GenotypeError(`FairDARTS derives DARTS cells; σ(α) has no '${cell}' label`);
    if (w.length !== rows || w.some((r) => r.length !== ops.length || r.some((v) => !Number.isFinite(v))))
      throw new GenotypeError(
        `σ(α) of the ${cell} cell must be ${rows} finite rows of ${ops.length} (${nodes} nodes × the space's ops)`,
      );
  }
  if (method === 'darts') {
    const genotype = deriveGenotype(sigmas.normal, sigmas.reduce, ops, nodes, nodes);
    return {
      genotype,
      kept: { normal: genotype.normal.length, reduce: genotype.reduce.length },
      fallback: { normal: false, reduce: false },
    };
  }
  const kept = {} as Record<CellLabel, number>;
  const fallback = {} as Record<CellLabel, boolean>;
  const cells = {} as Record<CellLabel, SparseGene[]>;
  for (const cell of CELLS) {
    const genes = thresholdSparseCell(sigmas[cell], ops, nodes, threshold);
    kept[cell] = genes.length;
    fallback[cell] = !buildable(genes);
    cells[cell] = fallback[cell] ? [strongestInputEdge(sigmas[cell], ops, nodes)] : genes;
  }
  return { genotype: sparseGenotype(cells, nodes, nodes), kept, fallback };
}
