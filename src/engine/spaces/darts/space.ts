import type {
  ChoicePoint,
  ChoiceWeights,
  Choices,
  InputShape,
  Recompute,
  SearchSpace,
  SpaceSpec,
} from '../../search/space';
import type { Rng } from '../../util/rng';
import { countForwardFlops } from './flops';
import {
  deriveGenotype,
  formatReferenceGenotype,
  genotypeFromJson,
  geneTargets,
  GenotypeError,
  genotypeToJsonObject,
  normalizeGenotype,
  parseReferenceGenotype,
  validateGenotype,
  type SparseGene,
} from './genotype';
import type { Genotype } from './genotype-types';
import { estimateSpaceStepBytes } from './memory-model';
import { countSupernetParams, type EdgeOps } from './param-count';
import type { PrimitiveName } from './primitives-contract';
import { DartsSpaceSchema, edgeCount, edgeInputs, edgeOpsOf, type DartsSpace } from './search-space';

const CELLS = ['normal', 'reduce'] as const;
type CellLabel = (typeof CELLS)[number];

/** A cell state as the reference's text numbers it: c_{k-2}, c_{k-1}, then nodes 2, 3, ... */
function stateName(s: number): string {
  return s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : String(s);
}

/** Row names of a cell's edges in the engine's order ('c_{k-1} → 2'). */
export function dartsEdgeNames(nodes: number): string[] {
  return edgeInputs(nodes).map(({ node, input }) => `${stateName(input)} → ${node + 2}`);
}

/** Index of edge (node, input) in the engine's order: node i's edges start after Σ_{n<i} (n+2). */
function edgeIndex(node: number, input: number): number {
  return (node * (node + 3)) / 2 + input;
}

/**
 * The DARTS CNN cell space (Liu et al. 2019; quark0/darts cnn/model_search.py, genotypes.py) on the
 * engine's contract: two labels, 'normal' and 'reduce', one row per edge, the candidate ops as options.
 * A discrete architecture is the reference's Genotype: two (op, input) pairs per node.
 */
export class DartsSearchSpace implements SearchSpace<Genotype> {
  readonly name = 'darts';
  readonly choicePoints: ChoicePoint[];
  readonly summary: string;

  constructor(readonly config: DartsSpace) {
    const rows = dartsEdgeNames(config.nodes);
    this.choicePoints = CELLS.map((label) => ({
      label,
      kind: 'op' as const,
      title: label === 'normal' ? 'normal cell' : 'reduction cell',
      rows,
      options: [...config.ops],
    }));
    const perEdge = config.edgeOps ? `, ${this.opsPerEdgeText()} per edge` : '';
    this.summary = `DARTS ${config.cells} cells × ${config.nodes} nodes, C=${config.channels}${perEdge}`;
  }

  /** '5 ops' (or '3–5 ops' when the edges differ), for the summary of a space with per-edge op lists. */
  private opsPerEdgeText(): string {
    const counts = (['normal', 'reduce'] as const).flatMap((cell) =>
      Array.from(
        { length: edgeCount(this.config.nodes) },
        (_, e) => edgeOpsOf(this.config, cell === 'reduce', e).length,
      ),
    );
    const [lo, hi] = [Math.min(...counts), Math.max(...counts)];
    return lo === hi ? `${lo} ops` : `${lo}–${hi} ops`;
  }

  /** The option indices edge e of a cell type has (all options unless the space has edgeOps). */
  private edgeOptions(cell: CellLabel, e: number): number[] {
    const { ops } = this.config;
    return edgeOpsOf(this.config, cell === 'reduce', e).map((op) => ops.indexOf(op));
  }

  private get validation() {
    return { ops: this.config.ops, nodes: this.config.nodes };
  }

  toJson(g: Genotype): unknown {
    return genotypeToJsonObject(g);
  }
  fromJson(json: unknown, source = 'genotype'): Genotype {
    return genotypeFromJson(typeof json === 'string' ? json : JSON.stringify(json), {
      ...this.validation,
      source,
    });
  }
  toText(g: Genotype): string {
    return formatReferenceGenotype(g);
  }
  fromText(text: string, source = 'genotype'): Genotype {
    try {
      return parseReferenceGenotype(text, this.validation);
    } catch (e) {
      throw new GenotypeError(`${source}: ${(e as Error).message}`);
    }
  }

  choices(g: Genotype): Choices {
    validateGenotype(g, this.validation);
    const out: Choices = {};
    for (const cell of CELLS) {
      const row = new Array<number>(edgeCount(this.config.nodes)).fill(-1);
      const targets = geneTargets(g, cell);
      g[cell].forEach(([op, input], k) => {
        const e = edgeIndex(targets[k] - 2, input);
        if (row[e] !== -1)
          throw new GenotypeError(
            `genotype ${cell} cell, node ${targets[k]} takes input ${stateName(input)} twice: a supernet has one edge per input`,
          );
        row[e] = this.config.ops.indexOf(op as PrimitiveName);
        if (this.config.edgeOps && !this.edgeOptions(cell, e).includes(row[e]))
          throw new GenotypeError(
            `genotype ${cell} cell, edge ${stateName(input)} → ${targets[k]} uses ${op}, which this space does not have on that edge (${edgeOpsOf(this.config, cell === 'reduce', e).join(', ')})`,
          );
      });
      out[cell] = row;
    }
    return out;
  }

  fromChoices(c: Choices): Genotype {
    const { nodes, ops } = this.config;
    const cells: Record<CellLabel, SparseGene[]> = { normal: [], reduce: [] };
    for (const cell of CELLS) {
      const row = c[cell];
      if (!Array.isArray(row) || row.length !== edgeCount(nodes))
        throw new GenotypeError(
          `choices for the ${cell} cell need ${edgeCount(nodes)} edges, got ${Array.isArray(row) ? row.length : 'none'}`,
        );
      for (let i = 0; i < nodes; i++) {
        for (let j = 0; j < i + 2; j++) {
          const k = row[edgeIndex(i, j)];
          if (k === -1) continue;
          if (!(Number.isInteger(k) && k >= 0 && k < ops.length))
            throw new GenotypeError(
              `choices for the ${cell} cell: edge ${stateName(j)} → ${i + 2} has option ${k}, not one of 0..${ops.length - 1}`,
            );
          cells[cell].push([ops[k], j, i + 2]);
        }
      }
    }
    // Two inputs on every node give the paper's dense genotype; any other count a sparse one
    // (FairDARTS, SNAS edge_all), which validation checks like any other.
    const g = normalizeGenotype({
      normal: cells.normal.map(([op, input]) => [op, input]),
      normalNodes: cells.normal.map((x) => x[2]),
      normalConcat: this.presentNodes(cells.normal),
      reduce: cells.reduce.map(([op, input]) => [op, input]),
      reduceNodes: cells.reduce.map((x) => x[2]),
      reduceConcat: this.presentNodes(cells.reduce),
    });
    try {
      validateGenotype(g, this.validation);
    } catch (e) {
      throw new GenotypeError(`choices: ${(e as Error).message}`);
    }
    return g;
  }

  /** The nodes of a cell that have inputs (all of them in a dense cell): its output concatenates them. */
  private presentNodes(genes: SparseGene[]): number[] {
    return [...new Set(genes.map((x) => x[2]))].sort((a, b) => a - b);
  }

  derive(w: ChoiceWeights): Genotype {
    return deriveGenotype(w.normal, w.reduce, this.config.ops, this.config.nodes, this.config.nodes);
  }

  /**
   * Random search's DARTS sampler (liamcli/randomNAS_release): each node takes 2 distinct inputs among
   * its i+2 predecessors, each with a uniform op of the space's candidates ('none' included).
   */
  sample(rng: Rng): Genotype {
    const c: Choices = {};
    for (const cell of CELLS) {
      const row = new Array<number>(edgeCount(this.config.nodes)).fill(-1);
      for (let i = 0; i < this.config.nodes; i++) {
        const a = rng.int(i + 2);
        let b = rng.int(i + 1);
        if (b >= a) b += 1;
        // Among the edge's own ops (all of them, the same draws as before per-edge lists, when absent).
        for (const e of [edgeIndex(i, a), edgeIndex(i, b)]) {
          const options = this.edgeOptions(cell, e);
          row[e] = options[rng.int(options.length)];
        }
      }
      c[cell] = row;
    }
    return this.fromChoices(c);
  }

  /**
   * The decisions of a DARTS architecture are, per cell and node, two inputs and two ops. An input is
   * redrawn among the predecessors the node's other input does not use, so nodes keep 2 distinct inputs.
   */
  mutate(g: Genotype, rng: Rng, options: { probability?: number } = {}): Genotype {
    this.requireDense(g, 'mutation');
    if (this.config.edgeOps)
      throw new Error(
        'mutating an architecture of a DARTS space with per-edge op lists (edgeOps) is not supported: a redrawn input would move an op onto an edge that may lack it',
      );
    const genes = {
      normal: g.normal.map(([o, i]) => [o, i] as [string, number]),
      reduce: g.reduce.map(([o, i]) => [o, i] as [string, number]),
    };
    const { ops } = this.config;
    const redraw = (cell: CellLabel, k: number, what: 'op' | 'input', mustDiffer: boolean) => {
      const node = Math.floor(k / 2);
      const gene = genes[cell][k];
      if (what === 'op') {
        if (mustDiffer && ops.length < 2) return false;
        const cur = ops.indexOf(gene[0] as PrimitiveName);
        let o = mustDiffer ? rng.int(ops.length - 1) : rng.int(ops.length);
        if (mustDiffer && o >= cur) o += 1;
        gene[0] = ops[o];
        return true;
      }
      const other = genes[cell][k ^ 1][1];
      const free = Array.from({ length: node + 2 }, (_, s) => s).filter(
        (s) => s !== other && (!mustDiffer || s !== gene[1]),
      );
      if (free.length === 0) return false;
      gene[1] = free[rng.int(free.length)];
      return true;
    };
    const decisions: Array<[CellLabel, number, 'op' | 'input']> = [];
    for (const cell of CELLS)
      for (let k = 0; k < genes[cell].length; k++) decisions.push([cell, k, 'input'], [cell, k, 'op']);
    if (options.probability !== undefined) {
      for (const [cell, k, what] of decisions)
        if (rng.uniform() < options.probability) redraw(cell, k, what, false);
    } else {
      // One decision changes to a different value; inputs of node 0 (states 0 and 1 both used) cannot.
      for (let tries = 0; tries < 100; tries++) {
        const [cell, k, what] = decisions[rng.int(decisions.length)];
        if (redraw(cell, k, what, true)) break;
      }
    }
    return this.fromChoices(this.choices({ ...g, normal: genes.normal, reduce: genes.reduce }));
  }

  /** Node by node, both (op, input) pairs from one parent (uniformly), so inputs stay distinct. */
  crossover(a: Genotype, b: Genotype, rng: Rng): Genotype {
    this.requireDense(a, 'crossover');
    this.requireDense(b, 'crossover');
    const pick = (x: Array<[string, number]>, y: Array<[string, number]>) => {
      const out: Array<[string, number]> = [];
      for (let k = 0; k < x.length; k += 2) {
        const src = rng.uniform() < 0.5 ? x : y;
        out.push([src[k][0], src[k][1]], [src[k + 1][0], src[k + 1][1]]);
      }
      return out;
    };
    return this.fromChoices(
      this.choices({ ...a, normal: pick(a.normal, b.normal), reduce: pick(a.reduce, b.reduce) }),
    );
  }

  /** Mutation and crossover work on the paper's two inputs per node (what sample() draws). */
  private requireDense(g: Genotype, what: string): void {
    if (g.normalNodes || g.reduceNodes)
      throw new GenotypeError(`${what} needs a genotype with two inputs per node; this one is sparse`);
  }

  /** The ops of a genotype's edges, for the cost model of one architecture inside the search skeleton. */
  private archOps(g: Genotype): EdgeOps {
    const c = this.choices(g);
    return (space, reduction, e) => {
      const k = c[reduction ? 'reduce' : 'normal'][e];
      return k === -1 ? [] : [space.ops[k]];
    };
  }

  readonly cost = {
    supernetParams: (s: InputShape) => countSupernetParams(this.config, s.channels, s.classes),
    supernetFlops: (s: InputShape) => countForwardFlops(this.config, s.size, s.channels, s.classes) / 2,
    stepBytes: (s: InputShape, batch: number, recompute?: Recompute) =>
      estimateSpaceStepBytes(this.config, s.size, batch, recompute),
    archParams: (g: Genotype, s: InputShape) =>
      countSupernetParams(this.config, s.channels, s.classes, this.archOps(g)),
    archFlops: (g: Genotype, s: InputShape) =>
      countForwardFlops(this.config, s.size, s.channels, s.classes, this.archOps(g)) / 2,
  };
}

export const dartsSpaceSpec = {
  name: 'darts',
  title: 'DARTS cells',
  description:
    'Two cell types (normal, reduction) stacked into a network; each intermediate node sums two of its predecessors, each through one of the candidate operations.',
  reference: 'Liu et al., DARTS (ICLR 2019); quark0/darts cnn/model_search.py, cnn/genotypes.py',
  schema: DartsSpaceSchema,
  create: (config: DartsSpace) => new DartsSearchSpace(config),
} satisfies SpaceSpec<typeof DartsSpaceSchema, Genotype>;
