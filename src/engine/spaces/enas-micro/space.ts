import type {
  ChoicePoint,
  ChoiceWeights,
  Choices,
  InputShape,
  SearchSpace,
  SpaceSpec,
} from '../../search/space';
import type { DecisionProgram, DecisionStep, ProgrammableSpace } from '../../search/decision-program';
import type { Rng } from '../../util/rng';
import {
  CELL_TYPES,
  ENAS_MICRO_ARCH_FORMAT,
  ENAS_MICRO_ARCH_VERSION,
  EnasMicroArchError,
  formatArc,
  parseArc,
  validateEnasMicroArch,
  type EnasMicroArch,
  type EnasMicroNode,
} from './arch';
import { archCount, stepBytes, supernetCount } from './cost';
import { inputsLabel, opsLabel } from './labels';
import { isConvOp } from './op-kinds';
import { ENAS_MICRO_GIVEN, EnasMicroSpaceSchema, type EnasMicroSpace } from './search-space';

export type { EnasMicroArch };

/**
 * The ENAS micro (cell) space (Pham et al. 2018; melodyguan/enas src/cifar10/micro_child.py,
 * micro_controller.py) on the engine's contract. Four labels, two per cell type, two rows per node
 * (`node j · x`, `node j · y`): `<type>-inputs` (kind 'input': the state each slot reads; options the
 * states c_{k-2}, c_{k-1}, node 0, …; row 2j and 2j+1 may take the first 2 + j) and `<type>-ops`
 * (kind 'op': the op on it). Choices never hold −1: every node uses both slots.
 */
export class EnasMicroSearchSpace implements SearchSpace<EnasMicroArch>, ProgrammableSpace {
  readonly name = 'enas-micro';
  readonly choicePoints: ChoicePoint[];
  readonly summary: string;

  constructor(readonly config: EnasMicroSpace) {
    const B = config.nodes;
    const rows = Array.from({ length: 2 * B }, (_, r) => `node ${r >> 1} · ${r & 1 ? 'y' : 'x'}`);
    const states = ['c_{k-2}', 'c_{k-1}', ...Array.from({ length: B - 1 }, (_, j) => `node ${j}`)];
    this.choicePoints = CELL_TYPES.flatMap((t) => [
      {
        label: inputsLabel(t),
        kind: 'input' as const,
        title: `${t} cell inputs`,
        rows: [...rows],
        options: [...states],
      },
      {
        label: opsLabel(t),
        kind: 'op' as const,
        title: `${t} cell ops`,
        rows: [...rows],
        options: [...config.ops],
      },
    ]);
    this.summary = `ENAS micro ${config.layers + 2} cells × ${B} nodes, F=${config.channels}, ${config.ops.length} ops`;
  }

  private get B(): number {
    return this.config.nodes;
  }

  /**
   * The reference controller's walk (micro_controller.py _build_sampler), normal cell then reduction
   * cell from the same LSTM state: per cell two anchors for its inputs; per node the two input picks,
   * then the two op picks, then one step whose h is the node's anchor. The learned op bias starts at
   * 10 on the separable convs (b_soft init [10, 10, 0, 0, 0]); normal cells add the fixed
   * b_soft_no_learn (+0.25 on the convs, −0.25 on the rest).
   */
  decisionProgram(): DecisionProgram {
    const ops = this.config.ops;
    const fixed = ops.map((op) => (isConvOp(op) ? 0.25 : -0.25));
    const steps: DecisionStep[] = [];
    for (const t of CELL_TYPES) {
      steps.push({ kind: 'cell', given: ENAS_MICRO_GIVEN });
      for (let j = 0; j < this.B; j++) {
        for (const s of [0, 1])
          steps.push({ kind: 'input', label: inputsLabel(t), row: 2 * j + s, states: ENAS_MICRO_GIVEN + j });
        for (const s of [0, 1])
          steps.push({
            kind: 'op',
            label: opsLabel(t),
            row: 2 * j + s,
            ...(t === 'normal' ? { bias: fixed } : {}),
          });
        steps.push({ kind: 'state' });
      }
    }
    return { steps, headBiasInit: { [opsLabel('normal')]: ops.map((op) => (isConvOp(op) ? 10 : 0)) } };
  }

  private validate(arch: unknown, source?: string): asserts arch is EnasMicroArch {
    validateEnasMicroArch(arch, this.B, this.config.ops, source);
  }

  toJson(arch: EnasMicroArch): unknown {
    this.validate(arch);
    return {
      format: ENAS_MICRO_ARCH_FORMAT,
      version: ENAS_MICRO_ARCH_VERSION,
      ops: [...this.config.ops],
      arc: formatArc(arch, this.config.ops),
      normal: arch.normal,
      reduce: arch.reduce,
    };
  }

  fromJson(json: unknown, source = 'architecture'): EnasMicroArch {
    let j = json;
    if (typeof j === 'string') {
      try {
        j = JSON.parse(j);
      } catch (e) {
        throw new EnasMicroArchError(`${source}: not JSON (${(e as Error).message})`);
      }
    }
    const f = j as { format?: unknown; version?: unknown; normal?: unknown; reduce?: unknown } | null;
    if (!f || f.format !== ENAS_MICRO_ARCH_FORMAT)
      throw new EnasMicroArchError(
        `${source}: not an ENAS micro architecture file (format must be '${ENAS_MICRO_ARCH_FORMAT}')`,
      );
    if (f.version !== ENAS_MICRO_ARCH_VERSION)
      throw new EnasMicroArchError(
        `${source}: version ${JSON.stringify(f.version)} is not ${ENAS_MICRO_ARCH_VERSION}`,
      );
    const arch = { normal: f.normal, reduce: f.reduce };
    this.validate(arch, source);
    return clone(arch);
  }

  toText(arch: EnasMicroArch): string {
    this.validate(arch);
    return formatArc(arch, this.config.ops);
  }

  fromText(text: string, source = 'architecture'): EnasMicroArch {
    return parseArc(text, this.B, this.config.ops, source);
  }

  choices(arch: EnasMicroArch): Choices {
    this.validate(arch);
    const out: Choices = {};
    for (const t of CELL_TYPES) {
      out[inputsLabel(t)] = arch[t].flatMap((n) => [...n.inputs]);
      out[opsLabel(t)] = arch[t].flatMap((n) => n.ops.map((op) => this.config.ops.indexOf(op as never)));
    }
    return out;
  }

  fromChoices(c: Choices): EnasMicroArch {
    const labels = this.choicePoints.map((cp) => cp.label);
    const extra = Object.keys(c).filter((l) => !labels.includes(l));
    if (extra.length)
      throw new EnasMicroArchError(
        `the ENAS micro space has no label(s) ${extra.map((l) => `'${l}'`).join(', ')}`,
      );
    const cell = (t: (typeof CELL_TYPES)[number]): EnasMicroNode[] => {
      const ins = c[inputsLabel(t)];
      const ops = c[opsLabel(t)];
      for (const [l, v] of [
        [inputsLabel(t), ins],
        [opsLabel(t), ops],
      ] as const)
        if (!Array.isArray(v) || v.length !== 2 * this.B)
          throw new EnasMicroArchError(
            `choices for '${l}' need ${2 * this.B} rows (two per node), got ${Array.isArray(v) ? v.length : 'none'}`,
          );
      return Array.from({ length: this.B }, (_, j) => ({
        inputs: [ins[2 * j], ins[2 * j + 1]],
        ops: [this.config.ops[ops[2 * j]], this.config.ops[ops[2 * j + 1]]] as [string, string],
      }));
    };
    const arch = { normal: cell('normal'), reduce: cell('reduce') };
    this.validate(arch, 'choices');
    return arch;
  }

  /** Per row its strongest option, among the states before the node for input rows. */
  derive(w: ChoiceWeights): EnasMicroArch {
    const c: Choices = {};
    for (const cp of this.choicePoints) {
      const rows = w[cp.label];
      if (!Array.isArray(rows) || rows.length !== cp.rows.length)
        throw new EnasMicroArchError(`weights for '${cp.label}' need ${cp.rows.length} rows`);
      c[cp.label] = rows.map((r, i) => {
        const n = cp.kind === 'input' ? ENAS_MICRO_GIVEN + (i >> 1) : cp.options.length;
        if (
          !Array.isArray(r) ||
          r.length !== cp.options.length ||
          r.some((v) => typeof v !== 'number' || Number.isNaN(v))
        )
          throw new EnasMicroArchError(
            `weights for '${cp.label}' row ${i} need ${cp.options.length} numbers`,
          );
        let best = 0;
        for (let k = 1; k < n; k++) if (r[k] > r[best]) best = k;
        return best;
      });
    }
    return this.fromChoices(c);
  }

  /** Every slot's input uniformly among the states before its node, its op uniformly. */
  sample(rng: Rng): EnasMicroArch {
    const cell = () =>
      Array.from({ length: this.B }, (_, j) => ({
        inputs: [rng.int(ENAS_MICRO_GIVEN + j), rng.int(ENAS_MICRO_GIVEN + j)] as [number, number],
        ops: [this.randomOp(rng), this.randomOp(rng)] as [string, string],
      }));
    return { normal: cell(), reduce: cell() };
  }

  private randomOp(rng: Rng): string {
    return this.config.ops[rng.int(this.config.ops.length)];
  }

  /** Options of row r of a label. */
  private rowOptions(cp: ChoicePoint, r: number): number {
    return cp.kind === 'input' ? ENAS_MICRO_GIVEN + (r >> 1) : cp.options.length;
  }

  /**
   * With `probability`: every decision redrawn with it (uniformly among its options); without: one
   * decision among those with more than one option changes to a different option.
   */
  mutate(arch: EnasMicroArch, rng: Rng, options: { probability?: number } = {}): EnasMicroArch {
    const c = this.choices(arch);
    const p = options.probability;
    if (p !== undefined) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`mutation probability must be in [0, 1], got ${p}`);
      for (const cp of this.choicePoints)
        c[cp.label].forEach((_, r) => {
          if (rng.uniform() < p) c[cp.label][r] = rng.int(this.rowOptions(cp, r));
        });
      return this.fromChoices(c);
    }
    const free = this.choicePoints.flatMap((cp) =>
      cp.rows.flatMap((_, r) => (this.rowOptions(cp, r) > 1 ? [[cp, r] as const] : [])),
    );
    if (free.length === 0) return clone(arch);
    const [cp, r] = free[rng.int(free.length)];
    const k = rng.int(this.rowOptions(cp, r) - 1);
    c[cp.label][r] = k >= c[cp.label][r] ? k + 1 : k;
    return this.fromChoices(c);
  }

  /** Each decision from one parent or the other (inputs stay valid: both parents' are). */
  crossover(a: EnasMicroArch, b: EnasMicroArch, rng: Rng): EnasMicroArch {
    const ca = this.choices(a);
    const cb = this.choices(b);
    const c: Choices = {};
    for (const cp of this.choicePoints)
      c[cp.label] = ca[cp.label].map((k, r) => (rng.uniform() < 0.5 ? k : cb[cp.label][r]));
    return this.fromChoices(c);
  }

  readonly cost = {
    supernetParams: (s: InputShape) => supernetCount(this.config, s).params,
    supernetFlops: (s: InputShape) => supernetCount(this.config, s).flops,
    stepBytes: (s: InputShape, batch: number) => stepBytes(this.config, s, batch),
    archParams: (a: EnasMicroArch, s: InputShape) => {
      this.validate(a);
      return archCount(this.config, a, s).params;
    },
    archFlops: (a: EnasMicroArch, s: InputShape) => {
      this.validate(a);
      return archCount(this.config, a, s).flops;
    },
  };
}

function clone<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}

export const enasMicroSpaceSpec = {
  name: 'enas-micro',
  title: 'ENAS micro cells',
  description:
    "ENAS's convolutional cell space: a normal and a reduction cell of B nodes; each node picks two earlier states and an op on each (separable 3×3/5×5 conv, 3×3 average/max pool, identity) and adds them; unused nodes are concatenated as the cell output.",
  reference:
    'Pham et al., Efficient Neural Architecture Search via Parameter Sharing (ICML 2018); melodyguan/enas src/cifar10/micro_child.py, micro_controller.py, scripts/cifar10_micro_search.sh',
  schema: EnasMicroSpaceSchema,
  create: (config: EnasMicroSpace) => new EnasMicroSearchSpace(config),
} satisfies SpaceSpec<typeof EnasMicroSpaceSchema, EnasMicroArch>;
