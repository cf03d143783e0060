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
import {
  formatNb201,
  nb201FromJson,
  nb201ToJson,
  Nb201ArchError,
  parseNb201,
  validateNb201Arch,
  type Nb201Arch,
} from './arch';
import { estimateNb201StepBytes, networkCount, preferredRecompute } from './cost';
import {
  NB201_EDGES,
  NB201_ROW_NAMES,
  Nb201SpaceSchema,
  type Nb201Op,
  type Nb201Space,
} from './search-space';

export type { Nb201Arch };

/** The one label of the space: every cell of the network shares the architecture. */
export const NB201_LABEL = 'cell';
const ROWS = NB201_EDGES.length;

/**
 * The NAS-Bench-201 cell space (Dong & Yang, ICLR 2020; AutoDL-Projects xautodl/models/
 * cell_searchs/search_cells.py NAS201SearchCell, genotypes.py Structure) on the engine's contract:
 * one label 'cell', six rows (the edges of the 4-node DAG), the candidate ops as options. Every edge
 * is always active ('none' is the way to switch one off), so choices never hold −1.
 */
export class Nb201SearchSpace implements SearchSpace<Nb201Arch> {
  readonly name = 'nb201';
  readonly choicePoints: ChoicePoint[];
  readonly summary: string;

  constructor(readonly config: Nb201Space) {
    this.choicePoints = [
      { label: NB201_LABEL, kind: 'op', title: 'cell', rows: [...NB201_ROW_NAMES], options: [...config.ops] },
    ];
    this.summary = `NAS-Bench-201 3×${config.cellsPerStage} cells, C=${config.channels}, ${config.ops.length} ops`;
  }

  private get ops(): readonly Nb201Op[] {
    return this.config.ops;
  }

  toJson(arch: Nb201Arch): unknown {
    validateNb201Arch(arch, this.ops);
    return nb201ToJson(arch);
  }
  fromJson(json: unknown, source = 'architecture'): Nb201Arch {
    return nb201FromJson(json, this.ops, source);
  }
  toText(arch: Nb201Arch): string {
    validateNb201Arch(arch, this.ops);
    return formatNb201(arch);
  }
  fromText(text: string, source = 'architecture'): Nb201Arch {
    try {
      return parseNb201(text, this.ops);
    } catch (e) {
      throw new Nb201ArchError(`${source}: ${(e as Error).message}`);
    }
  }

  choices(arch: Nb201Arch): Choices {
    validateNb201Arch(arch, this.ops);
    return { [NB201_LABEL]: arch.edges.map((op) => this.ops.indexOf(op as Nb201Op)) };
  }

  fromChoices(c: Choices): Nb201Arch {
    const extra = Object.keys(c).filter((l) => l !== NB201_LABEL);
    if (extra.length)
      throw new Nb201ArchError(
        `the NB201 space has the one label '${NB201_LABEL}', got also ${extra.map((l) => `'${l}'`).join(', ')}`,
      );
    const row = c[NB201_LABEL];
    if (!Array.isArray(row) || row.length !== ROWS)
      throw new Nb201ArchError(
        `choices for '${NB201_LABEL}' need ${ROWS} edges (${NB201_ROW_NAMES.join(', ')}), got ${Array.isArray(row) ? row.length : 'none'}`,
      );
    return {
      edges: row.map((k, e) => {
        if (k === -1)
          throw new Nb201ArchError(
            `choices for edge ${NB201_ROW_NAMES[e]}: −1 (off) is not an NB201 option; every edge is active, 'none' is its zero op`,
          );
        if (!(Number.isInteger(k) && k >= 0 && k < this.ops.length))
          throw new Nb201ArchError(
            `choices for edge ${NB201_ROW_NAMES[e]}: option ${k} is not one of 0..${this.ops.length - 1}`,
          );
        return this.ops[k];
      }),
    };
  }

  /**
   * The reference's genotype() of NB201 search models (search_model_darts.py and the others): the
   * argmax over all options of each edge, 'none' included; the first maximum on ties (torch.argmax).
   */
  derive(w: ChoiceWeights): Nb201Arch {
    const rows = w[NB201_LABEL];
    if (!Array.isArray(rows) || rows.length !== ROWS)
      throw new Nb201ArchError(
        `weights for '${NB201_LABEL}' need ${ROWS} rows, got ${Array.isArray(rows) ? rows.length : 'none'}`,
      );
    return {
      edges: rows.map((r, e) => {
        if (!Array.isArray(r) || r.length !== this.ops.length)
          throw new Nb201ArchError(
            `weights for edge ${NB201_ROW_NAMES[e]} need ${this.ops.length} values (one per op), got ${Array.isArray(r) ? r.length : 'none'}`,
          );
        if (r.some((v) => typeof v !== 'number' || Number.isNaN(v)))
          throw new Nb201ArchError(
            `weights for edge ${NB201_ROW_NAMES[e]} are not all numbers: ${JSON.stringify(r)}`,
          );
        let best = 0;
        for (let k = 1; k < r.length; k++) if (r[k] > r[best]) best = k;
        return this.ops[best];
      }),
    };
  }

  /** Each edge's op uniformly among the candidates (the benchmark's random search, RANDOM.py). */
  sample(rng: Rng): Nb201Arch {
    return { edges: NB201_EDGES.map(() => this.ops[rng.int(this.ops.length)]) };
  }

  /**
   * Without `probability`: one uniformly chosen edge takes a different op, uniformly among the others
   * (the benchmark's regularized evolution, R_EA.py mutate_arch). With it: every edge is redrawn
   * uniformly among all candidates with that probability (SPOS-style; a redraw may keep the op).
   */
  mutate(arch: Nb201Arch, rng: Rng, options: { probability?: number } = {}): Nb201Arch {
    const c = this.choices(arch)[NB201_LABEL];
    const K = this.ops.length;
    const p = options.probability;
    if (p !== undefined) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`mutation probability must be in [0, 1], got ${p}`);
      for (let e = 0; e < ROWS; e++) if (rng.uniform() < p) c[e] = rng.int(K);
    } else {
      const e = rng.int(ROWS);
      const k = rng.int(K - 1);
      c[e] = k >= c[e] ? k + 1 : k;
    }
    return this.fromChoices({ [NB201_LABEL]: c });
  }

  /** Each edge's op from one parent or the other, with probability ½ each. */
  crossover(a: Nb201Arch, b: Nb201Arch, rng: Rng): Nb201Arch {
    const ca = this.choices(a)[NB201_LABEL];
    const cb = this.choices(b)[NB201_LABEL];
    return this.fromChoices({ [NB201_LABEL]: ca.map((k, e) => (rng.uniform() < 0.5 ? k : cb[e])) });
  }

  /** The benchmark network's ops of an architecture, per edge (for the cost model). */
  private archOps(arch: Nb201Arch): (e: number) => readonly Nb201Op[] {
    validateNb201Arch(arch, this.ops);
    return (e) => [arch.edges[e] as Nb201Op];
  }

  /**
   * Supernet: every candidate on every edge, search-time ops (non-affine BN, conv with bias).
   * Architecture: the benchmark's own network of it (TinyNetwork, affine BN, convs without bias),
   * which is what NATS-Bench's published params and FLOPs count.
   */
  readonly cost = {
    supernetParams: (s: InputShape) => networkCount(this.config, s, () => this.ops, false).params,
    supernetFlops: (s: InputShape) => networkCount(this.config, s, () => this.ops, false).flops,
    stepBytes: (s: InputShape, batch: number, recompute: Recompute = preferredRecompute(this.config)) =>
      estimateNb201StepBytes(this.config, s.size, batch, recompute, this.cost.supernetParams(s)),
    archParams: (a: Nb201Arch, s: InputShape) => networkCount(this.config, s, this.archOps(a), true).params,
    archFlops: (a: Nb201Arch, s: InputShape) => networkCount(this.config, s, this.archOps(a), true).flops,
  };
}

export const nb201SpaceSpec = {
  name: 'nb201',
  title: 'NAS-Bench-201 cells',
  description:
    'One cell of 4 nodes, repeated in three stages of a residual network; each of its 6 edges is one of 5 operations (none, skip, 1×1 conv, 3×3 conv, 3×3 average pool): 15,625 architectures, all trained in the benchmark.',
  reference:
    'Dong & Yang, NAS-Bench-201 (ICLR 2020); D-X-Y/AutoDL-Projects xautodl/models/cell_searchs/search_cells.py, cell_infers/tiny_network.py, cell_operations.py',
  schema: Nb201SpaceSchema,
  create: (config: Nb201Space) => new Nb201SearchSpace(config),
} satisfies SpaceSpec<typeof Nb201SpaceSchema, Nb201Arch>;
