import type {
  ChoicePoint,
  ChoiceWeights,
  Choices,
  InputShape,
  SearchSpace,
  SpaceSpec,
} from '../../search/space';
import type { DecisionProgram, DecisionStep } from '../../search/decision-program';
import type { Rng } from '../../util/rng';
import {
  EnasRnnArchError,
  enasRnnFromJson,
  enasRnnToJson,
  formatEnasRnn,
  parseEnasRnn,
  validateEnasRnnArch,
  type EnasRnnArch,
} from './arch';
import { enasRnnFlopsPerToken, enasRnnParams, enasRnnStepBytes, supernetEdges } from './cost';
import {
  ENAS_RNN_ACTIVATION_LABEL,
  ENAS_RNN_ACTIVATIONS,
  ENAS_RNN_INPUT_LABEL,
  EnasRnnSpaceSchema,
  type EnasRnnSpace,
} from './search-space';

export type { EnasRnnArch };

/**
 * The ENAS recurrent-cell space (Pham et al., ICML 2018, §2.1; carpedm20/ENAS-pytorch
 * models/shared_rnn.py and controller.py; melodyguan/enas src/ptb/ptb_enas_child.py) on the
 * engine's contract. Two labels, both of kind 'rnn-node':
 * - 'node-input': rows 'n1'..'n(N−1)', row j−1 is the earlier node node j reads; options
 *   'n0'..'n(N−2)', of which row j−1 may only take the first j (`rowOptions`).
 * - 'node-activation': rows 'n0'..'n(N−1)', node j's activation among tanh, ReLU, identity, sigmoid.
 * The ENAS controller's sequence (ENAS-pytorch Controller.sample: activation of node 0, then for each
 * node j ≥ 1 its previous node and its activation) is, in these terms: activation row 0, then input
 * row j−1 and activation row j for j = 1..N−1. No row is ever −1.
 */
export class EnasRnnSearchSpace implements SearchSpace<EnasRnnArch> {
  readonly name = 'enas-rnn';
  readonly choicePoints: ChoicePoint[];
  readonly summary: string;

  constructor(readonly config: EnasRnnSpace) {
    const N = config.nodes;
    this.choicePoints = [
      {
        label: ENAS_RNN_INPUT_LABEL,
        kind: 'rnn-node',
        title: 'input of each node',
        rows: Array.from({ length: N - 1 }, (_, k) => `n${k + 1}`),
        options: Array.from({ length: N - 1 }, (_, i) => `n${i}`),
        rowOptions: Array.from({ length: N - 1 }, (_, k) => k + 1),
      },
      {
        label: ENAS_RNN_ACTIVATION_LABEL,
        kind: 'rnn-node',
        title: 'activation of each node',
        rows: Array.from({ length: N }, (_, j) => `n${j}`),
        options: [...ENAS_RNN_ACTIVATIONS],
      },
    ];
    this.summary = `ENAS RNN cell, ${N} nodes, hidden ${config.hidden} (tied embedding)`;
  }

  private get nodes(): number {
    return this.config.nodes;
  }

  /**
   * ENAS-pytorch's controller walk (models/controller.py Controller.sample): the activation of node 0,
   * then for j = 1..N−1 the previous node of node j (a softmax over nodes 0..j−1, this row's
   * rowOptions: never a later node) and node j's activation; 2N − 1 decisions. Each decision step has
   * its own linear decoder (the reference's `decoders[block_idx]`); the picks' embeddings are shared
   * per kind (its one encoder, activations at offset 0 and node indices after them), so node i's
   * embedding is the same whichever row picked it. No attention: the reference decodes the previous
   * node like an op. The first input is zeros (its `static_inputs`).
   */
  decisionProgram(): DecisionProgram {
    const steps: DecisionStep[] = [{ kind: 'cell', given: 0 }];
    const act = (j: number): DecisionStep => ({
      kind: 'op',
      label: ENAS_RNN_ACTIVATION_LABEL,
      row: j,
      decoder: `step${2 * j}`,
    });
    steps.push(act(0));
    for (let j = 1; j < this.nodes; j++) {
      steps.push({
        kind: 'op',
        label: ENAS_RNN_INPUT_LABEL,
        row: j - 1,
        options: j,
        decoder: `step${2 * j - 1}`,
      });
      steps.push(act(j));
    }
    return { steps, start: 'zeros' };
  }

  toJson(arch: EnasRnnArch): unknown {
    validateEnasRnnArch(arch, this.nodes);
    return enasRnnToJson(arch);
  }
  fromJson(json: unknown, source = 'architecture'): EnasRnnArch {
    return enasRnnFromJson(json, this.nodes, source);
  }
  toText(arch: EnasRnnArch): string {
    validateEnasRnnArch(arch, this.nodes);
    return formatEnasRnn(arch);
  }
  fromText(text: string, source = 'architecture'): EnasRnnArch {
    try {
      return parseEnasRnn(text, this.nodes);
    } catch (e) {
      throw new EnasRnnArchError(`${source}: ${(e as Error).message}`);
    }
  }

  choices(arch: EnasRnnArch): Choices {
    validateEnasRnnArch(arch, this.nodes);
    return {
      [ENAS_RNN_INPUT_LABEL]: [...arch.inputs],
      [ENAS_RNN_ACTIVATION_LABEL]: arch.activations.map((f) =>
        (ENAS_RNN_ACTIVATIONS as readonly string[]).indexOf(f),
      ),
    };
  }

  fromChoices(c: Choices): EnasRnnArch {
    const extra = Object.keys(c).filter((l) => l !== ENAS_RNN_INPUT_LABEL && l !== ENAS_RNN_ACTIVATION_LABEL);
    if (extra.length)
      throw new EnasRnnArchError(
        `the enas-rnn space has the labels '${ENAS_RNN_INPUT_LABEL}' and '${ENAS_RNN_ACTIVATION_LABEL}', got also ${extra.map((l) => `'${l}'`).join(', ')}`,
      );
    const inputs = c[ENAS_RNN_INPUT_LABEL];
    const acts = c[ENAS_RNN_ACTIVATION_LABEL];
    if (!Array.isArray(inputs) || !Array.isArray(acts))
      throw new EnasRnnArchError(
        `choices need both '${ENAS_RNN_INPUT_LABEL}' and '${ENAS_RNN_ACTIVATION_LABEL}'`,
      );
    const arch = {
      inputs: [...inputs],
      activations: acts.map((k, j) => {
        if (!(Number.isInteger(k) && k >= 0 && k < ENAS_RNN_ACTIVATIONS.length))
          throw new EnasRnnArchError(
            `choices for '${ENAS_RNN_ACTIVATION_LABEL}', node ${j}: option ${k} is not one of 0..${ENAS_RNN_ACTIVATIONS.length - 1}`,
          );
        return ENAS_RNN_ACTIVATIONS[k];
      }),
    };
    validateEnasRnnArch(arch, this.nodes, 'choices');
    return arch;
  }

  /** Per row, the largest weight among the options the row may take (the first maximum on ties). */
  derive(w: ChoiceWeights): EnasRnnArch {
    const argmax = (label: string, rows: number, allowed: (r: number) => number) => {
      const m = w[label];
      if (!Array.isArray(m) || m.length !== rows)
        throw new EnasRnnArchError(
          `weights for '${label}' need ${rows} rows, got ${Array.isArray(m) ? m.length : 'none'}`,
        );
      return m.map((r, k) => {
        const n = allowed(k);
        if (!Array.isArray(r) || r.length < n || r.some((v) => typeof v !== 'number' || Number.isNaN(v)))
          throw new EnasRnnArchError(
            `weights for '${label}', row ${k}: need at least ${n} numbers, got ${JSON.stringify(r)}`,
          );
        let best = 0;
        for (let i = 1; i < n; i++) if (r[i] > r[best]) best = i;
        return best;
      });
    };
    const N = this.nodes;
    return this.fromChoices({
      [ENAS_RNN_INPUT_LABEL]: argmax(ENAS_RNN_INPUT_LABEL, N - 1, (k) => k + 1),
      [ENAS_RNN_ACTIVATION_LABEL]: argmax(ENAS_RNN_ACTIVATION_LABEL, N, () => ENAS_RNN_ACTIVATIONS.length),
    });
  }

  /**
   * Uniform over the space: node j's input uniformly among 0..j−1, every activation uniformly among
   * the four; drawn in the controller's order (activation of node 0, then input and activation of
   * each later node).
   */
  sample(rng: Rng): EnasRnnArch {
    const K = ENAS_RNN_ACTIVATIONS.length;
    const activations: string[] = [ENAS_RNN_ACTIVATIONS[rng.int(K)]];
    const inputs: number[] = [];
    for (let j = 1; j < this.nodes; j++) {
      inputs.push(rng.int(j));
      activations.push(ENAS_RNN_ACTIVATIONS[rng.int(K)]);
    }
    return { activations, inputs };
  }

  /**
   * Without `probability`: one decision, uniformly among those that have another option (every
   * activation; the input of nodes 2..N−1), changes to a different option, uniformly. With it: every
   * decision is redrawn uniformly among its options with that probability (a redraw may keep it).
   */
  mutate(arch: EnasRnnArch, rng: Rng, options: { probability?: number } = {}): EnasRnnArch {
    const c = this.choices(arch);
    const inputs = c[ENAS_RNN_INPUT_LABEL];
    const acts = c[ENAS_RNN_ACTIVATION_LABEL];
    const K = ENAS_RNN_ACTIVATIONS.length;
    const p = options.probability;
    if (p !== undefined) {
      if (!(p >= 0 && p <= 1)) throw new RangeError(`mutation probability must be in [0, 1], got ${p}`);
      for (let j = 0; j < this.nodes; j++) {
        if (j > 0 && rng.uniform() < p) inputs[j - 1] = rng.int(j);
        if (rng.uniform() < p) acts[j] = rng.int(K);
      }
    } else {
      // Decisions 0..N−1: activations; N..: inputs of nodes 2..N−1 (node 1 can only read node 0).
      const d = rng.int(this.nodes + Math.max(0, this.nodes - 2));
      const other = (current: number, n: number) => {
        const k = rng.int(n - 1);
        return k >= current ? k + 1 : k;
      };
      if (d < this.nodes) acts[d] = other(acts[d], K);
      else {
        const j = d - this.nodes + 2;
        inputs[j - 1] = other(inputs[j - 1], j);
      }
    }
    return this.fromChoices(c);
  }

  /** Each decision (every input, every activation) from one parent or the other, with probability ½. */
  crossover(a: EnasRnnArch, b: EnasRnnArch, rng: Rng): EnasRnnArch {
    const ca = this.choices(a);
    const cb = this.choices(b);
    const mix = (label: string) => ca[label].map((k, r) => (rng.uniform() < 0.5 ? k : cb[label][r]));
    return this.fromChoices({
      [ENAS_RNN_INPUT_LABEL]: mix(ENAS_RNN_INPUT_LABEL),
      [ENAS_RNN_ACTIVATION_LABEL]: mix(ENAS_RNN_ACTIVATION_LABEL),
    });
  }

  /**
   * Parameters and multiply-adds (per token: `shape.classes` is the vocabulary). The supernet holds
   * every connection i < j but runs one architecture per forward, so its FLOPs are one path's.
   */
  readonly cost = {
    supernetParams: (s: InputShape) => enasRnnParams(this.config, s.classes, supernetEdges(this.config)),
    supernetFlops: (s: InputShape) => enasRnnFlopsPerToken(this.config, s.classes),
    stepBytes: (s: InputShape, batch: number) => enasRnnStepBytes(this.config, s.classes, batch),
    archParams: (a: EnasRnnArch, s: InputShape) => {
      validateEnasRnnArch(a, this.nodes);
      return enasRnnParams(this.config, s.classes, this.nodes - 1);
    },
    archFlops: (a: EnasRnnArch, s: InputShape) => {
      validateEnasRnnArch(a, this.nodes);
      return enasRnnFlopsPerToken(this.config, s.classes);
    },
  };
}

export const enasRnnSpaceSpec = {
  name: 'enas-rnn',
  title: 'ENAS recurrent cell (language model)',
  description:
    'A word-level language model whose recurrent cell is searched: N nodes, each reading one earlier node through a highway gate and one of four activations (tanh, ReLU, identity, sigmoid); the loose ends are averaged. Needs text data.',
  reference:
    'Pham et al., Efficient Neural Architecture Search via Parameter Sharing (ICML 2018); carpedm20/ENAS-pytorch models/shared_rnn.py, controller.py, config.py; melodyguan/enas src/ptb/ptb_enas_child.py',
  schema: EnasRnnSpaceSchema,
  modality: 'text',
  create: (config: EnasRnnSpace) => new EnasRnnSearchSpace(config),
} satisfies SpaceSpec<typeof EnasRnnSpaceSchema, EnasRnnArch>;
