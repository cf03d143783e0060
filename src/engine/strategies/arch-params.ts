import * as tf from '../tf';
import { Adam } from '../optim/adam';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, SearchSpace } from '../search/space';
import type { Rng } from '../util/rng';

/** The α optimiser's settings (the DARTS family's `alphaBetas`, `alphaWeightDecay`). */
export interface ArchOptimiserConfig {
  alphaBetas: readonly [number, number];
  alphaWeightDecay: number;
}

/** The maps from α to the weights a strategy mixes and derives by: softmax over each row, or σ per entry (FairDARTS). */
const ROW_MAPS = { softmax: (a: tf.Tensor) => tf.softmax(a), sigmoid: (a: tf.Tensor) => tf.sigmoid(a) };
export type RowMap = keyof typeof ROW_MAPS;

/** α per label of a space's choice points, [rows, options], drawn scale·N(0, 1) from `rng` in label order. */
export function initAlphas(space: SearchSpace, scale: number, rng: Rng): Map<string, tf.Variable> {
  const alphas = new Map<string, tf.Variable>();
  for (const cp of space.choicePoints) {
    const shape: [number, number] = [cp.rows.length, cp.options.length];
    alphas.set(cp.label, tf.variable(tf.tensor2d(rng.fillNormal(shape[0] * shape[1], scale), shape), true));
  }
  return alphas;
}

/**
 * The architecture parameters of a DARTS-family strategy — groups of variables per label (`alpha`,
 * PC-DARTS's `beta`) — trained by one Adam (PyTorch semantics, eps 1e-8), with their checkpoint
 * entries: `<group>.<label>`, `adam.*` and the scalar `adamStep`. Adam's order is the groups' order,
 * then their labels' (the references' arch_parameters()).
 */
export class ArchParameters {
  private readonly adam: Adam;

  constructor(
    readonly groups: ReadonlyArray<readonly [string, ReadonlyMap<string, tf.Variable>]>,
    cfg: ArchOptimiserConfig,
    private readonly owner: string,
  ) {
    this.adam = new Adam(this.variables, {
      beta1: cfg.alphaBetas[0],
      beta2: cfg.alphaBetas[1],
      eps: 1e-8,
      weightDecay: cfg.alphaWeightDecay,
    });
  }

  /** Every variable, in Adam's order. */
  get variables(): tf.Variable[] {
    return this.groups.flatMap(([, vars]) => [...vars.values()]);
  }

  /** One Adam step from gradients aligned with `variables`. */
  step(grads: tf.Tensor[], lr: number): void {
    this.adam.step(grads, lr);
  }

  /**
   * softmax(α) (FairDARTS: σ(α)) read ahead asynchronously, per map and group, with the data of the
   * variables it was computed from (an optimiser step assigns new data, which makes it stale). Only
   * filled on backends without synchronous reads (webgpu), through prefetchRows.
   */
  private readonly prefetched = new Map<string, { from: object[]; values: ChoiceWeights }>();

  /** Computes every group's softmax (or σ) and reads it asynchronously, for rows() to return (webgpu). */
  async prefetchRows(map: RowMap = 'softmax'): Promise<void> {
    for (const [name, vars] of this.groups) {
      const from = [...vars.values()].map((v) => v.dataId);
      const labels = [...vars.keys()];
      const probs = tf.tidy(() => [...vars.values()].map((a) => ROW_MAPS[map](a)));
      try {
        const rows = await Promise.all(probs.map((p) => p.array() as Promise<number[][]>));
        this.prefetched.set(`${map} ${name}`, {
          from,
          values: Object.fromEntries(labels.map((l, i) => [l, rows[i]])),
        });
      } finally {
        tf.dispose(probs);
      }
    }
  }

  /** softmax over the options of every label of a group, as plain arrays. */
  softmax(group = 'alpha'): ChoiceWeights {
    return this.rows(group, 'softmax');
  }

  /** softmax (or σ) of every label of a group, as plain arrays: read ahead when prefetchRows did, else now. */
  rows(group: string, map: RowMap): ChoiceWeights {
    const vars = this.group(group);
    const ahead = this.prefetched.get(`${map} ${group}`);
    if (ahead && [...vars.values()].every((v, i) => v.dataId === ahead.from[i])) return ahead.values;
    return tf.tidy(() => {
      const out: ChoiceWeights = {};
      for (const [label, a] of vars) out[label] = ROW_MAPS[map](a).arraySync() as number[][];
      return out;
    });
  }

  group(name: string): ReadonlyMap<string, tf.Variable> {
    const g = this.groups.find(([n]) => n === name);
    if (!g) throw new Error(`${this.owner} has no architecture parameters '${name}'`);
    return g[1];
  }

  /** The parameters' entries and Adam's, to merge into a strategy's state (tensors: parameters, then `extra`, then Adam's). */
  state(extra: NamedTensorState['tensors'] = {}): { tensors: NamedTensorState['tensors']; adamStep: number } {
    const a = this.adam.getState();
    const tensors: NamedTensorState['tensors'] = {};
    for (const [name, vars] of this.groups) for (const [label, v] of vars) tensors[`${name}.${label}`] = v;
    Object.assign(tensors, extra);
    for (const [k, t] of Object.entries(a.tensors)) tensors[`adam.${k}`] = t;
    return { tensors, adamStep: a.scalars.t as number };
  }

  restore(state: NamedTensorState): void {
    for (const [name, vars] of this.groups)
      for (const [label, v] of vars) {
        const t = state.tensors[`${name}.${label}`];
        if (!t) throw new Error(`${this.owner} state is missing ${name}.${label}`);
        v.assign(t);
      }
    const adam = Object.fromEntries(
      Object.entries(state.tensors)
        .filter(([k]) => k.startsWith('adam.'))
        .map(([k, t]) => [k.slice('adam.'.length), t]),
    );
    this.adam.setState({ scalars: { t: state.scalars.adamStep ?? 0 }, tensors: adam });
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.adam.dispose();
  }
}
