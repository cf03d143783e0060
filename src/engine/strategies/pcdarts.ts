import * as tf from '../tf';
import { initAlphas } from './arch-params';
import { ArchTraining, searchStepsPerEpoch, supernetGradients } from './arch-training';
import type { SupernetGradients } from './arch-training';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import type { ArchAssignment, Supernet } from '../search/supernet';
import type {
  ArchSnapshot,
  Batch,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  EpochEndResult,
  StepContext,
  StepInfo,
  StepResult,
} from '../search/strategy';
import type { DartsSearchSpace } from '../spaces/darts/space';
import type { Genotype } from '../spaces/darts/genotype-types';
import { crossEntropy } from '../train/loss';
import type { Rng } from '../util/rng';
import { scalarMetrics } from '../search/host-reads';
import type { PcDartsConfig } from './pcdarts-spec';

/** A supernet that can rebuild its mixed ops for partial channels (the DARTS space's SearchNetwork). */
interface PartialChannelNet {
  usePartialChannels(k: number, rng: Rng): void;
}

/**
 * Edge normalisation: softmax of β over each node's incoming edges (node i owns the i+2 edges after
 * those of the nodes before it), concatenated back into one weight per edge.
 */
export function edgeNormalisation(beta: tf.Tensor1D, nodes: number): tf.Tensor1D {
  return tf.tidy(() => {
    const parts: tf.Tensor1D[] = [];
    let start = 0;
    for (let i = 0; i < nodes; i++) {
      parts.push(tf.softmax(beta.slice(start, i + 2)) as tf.Tensor1D);
      start += i + 2;
    }
    return tf.concat(parts) as tf.Tensor1D;
  });
}

/**
 * The reference's genotype weights (model_search.py genotype): each edge's op weights softmax(α)
 * multiplied by the edge's softmax(β) within its node; the DARTS rule then keeps the top two edges.
 */
export function pcdartsDerivationWeights(opWeights: number[][], edgeWeights: number[]): number[][] {
  return opWeights.map((row, e) => row.map((w) => w * edgeWeights[e]));
}

/**
 * PC-DARTS (Xu et al., ICLR 2020): DARTS first order on a supernet whose mixed ops see 1/K of the
 * channels (the rest bypass them, then a channel shuffle), with every node's inputs weighted by
 * softmax(β) over its edges. α and β share one Adam and move only from epoch `warmupEpochs` on; each
 * step then takes the α/β step on a validation batch before the weights' step on a training batch.
 */
export class PcDarts implements SearchStrategy<Genotype> {
  readonly name = 'pcdarts';
  /** α [edges, ops] and β [edges] per label of the space's choice points. */
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  readonly betas: ReadonlyMap<string, tf.Variable>;
  private readonly core: ArchTraining;
  private readonly nodes: number;

  constructor(
    private readonly net: Supernet,
    private readonly cfg: PcDartsConfig,
    rng: Rng,
    private readonly space: SearchSpace,
  ) {
    const pc = net as unknown as Partial<PartialChannelNet>;
    if (typeof pc.usePartialChannels !== 'function')
      throw new Error(
        `PC-DARTS needs a supernet with partial channel connections (the DARTS space), not '${space.name}'`,
      );
    // Before the parameters are taken: the mixed ops are rebuilt for C/K channels.
    pc.usePartialChannels(cfg.partialGroups, rng);
    this.nodes = (space as DartsSearchSpace).config.nodes;
    this.alphas = initAlphas(space, cfg.alphaInitScale, rng);
    const betas = new Map<string, tf.Variable>();
    for (const cp of space.choicePoints)
      betas.set(cp.label, tf.variable(tf.tensor1d(rng.fillNormal(cp.rows.length, cfg.alphaInitScale)), true));
    this.betas = betas;
    // One Adam over [α_normal, α_reduce, β_normal, β_reduce], as the reference's arch_parameters().
    this.core = new ArchTraining(
      net,
      space,
      [
        ['alpha', this.alphas],
        ['beta', this.betas],
      ],
      cfg,
      'PC-DARTS',
    );
  }

  private get weights(): tf.Variable[] {
    return this.core.weights;
  }

  private beta(label: string): tf.Tensor1D {
    return this.betas.get(label) as unknown as tf.Tensor1D;
  }

  private archVariables(): tf.Variable[] {
    return this.core.arch.variables;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      {
        name: 'search',
        title: `search (weights only for ${this.cfg.warmupEpochs} epochs, then α, β and weights)`,
        epochs: budget.epochs,
        stepsPerEpoch: searchStepsPerEpoch(budget),
      },
    ];
  }

  /** The supernet's view: softmax(α) on 1/K of the channels, each edge weighted by its node's softmax(β). */
  archChoice(): ArchAssignment {
    const out: ArchAssignment = {};
    for (const [label, a] of this.alphas) {
      out[label] = {
        kind: 'mix',
        weights: tf.softmax(a) as tf.Tensor2D,
        channelFraction: 1 / this.cfg.partialGroups,
        edgeWeights: edgeNormalisation(this.beta(label), this.nodes),
      };
    }
    return out;
  }

  /** Loss, accuracy and gradients of the loss on `batch` w.r.t. `vars` (missing gradients are zeros). */
  gradients(batch: Batch, vars: tf.Variable[]): SupernetGradients {
    return supernetGradients(this.net, batch, () => this.archChoice(), vars);
  }

  /** Whether α and β move in this epoch (after the warm-up). */
  archUpdates(epoch: number): boolean {
    return epoch >= this.cfg.warmupEpochs;
  }

  step(ctx: StepContext): StepResult {
    const lr = this.core.trainer.startEpoch(ctx.info.epoch, ctx.info.totalEpochs);
    const arch = this.archUpdates(ctx.info.epoch);
    const val = arch ? ctx.val() : null;
    this.core.alarm.keepBatch(ctx.info, val);
    const train = ctx.train();
    const out = tf.tidy(() => {
      const kept: tf.Tensor[] = [];
      if (val) {
        const a = this.gradients(val, this.archVariables());
        this.core.arch.step(a.grads, this.cfg.alphaLr);
        kept.push(a.loss, a.acc);
      }
      const w = this.gradients(train, this.weights);
      const norm = this.core.trainer.apply(w.grads);
      return [w.loss, w.acc, norm, ...kept];
    });
    const [trainLoss, trainAcc, gradNorm, valLoss, valAcc] = out;
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['gradNorm', gradNorm],
      ['lrWeights', lr],
      ...(val
        ? ([
            ['valLoss', valLoss],
            ['valAcc', valAcc],
            ['lrAlpha', this.cfg.alphaLr],
          ] as const)
        : []),
    ]);
  }

  /**
   * The collapse alarm's readings: the Hessian w.r.t. α of the partial-channel supernet's validation
   * loss, β held where it is (BatchNorm statistics left alone). No reading in the warm-up, which
   * draws no validation batch (drawing one would change the data stream), and no DARTS+ verdict
   * there either (α has not moved).
   */
  epochEnd(info: StepInfo): EpochEndResult {
    return this.core.alarm.epochEnd(info, {
      ...this.alarmLoss(),
      archStep: this.archUpdates(info.epoch),
      derive: () => this.derivedNow(),
      weights: () => this.core.arch.softmax(),
      weightDecay: this.cfg.alphaWeightDecay,
    });
  }

  private alarmLoss() {
    return {
      alphas: [...this.alphas.values()],
      valLoss: (b: Batch) =>
        crossEntropy(this.net.logits(b.x, this.archChoice(), { training: true, frozenStats: true }), b.y),
    };
  }

  /** The alarm's reading, softmax(α) and every node's softmax(β), read ahead for the epoch end on webgpu. */
  async prefetchHostReads(): Promise<void> {
    await this.core.prefetchHostReads(this.alarmLoss());
    const from = [...this.betas.values()].map((b) => b.dataId);
    const labels = [...this.betas.keys()];
    const edges = tf.tidy(() => labels.map((l) => edgeNormalisation(this.beta(l), this.nodes)));
    try {
      const values = await Promise.all(edges.map((e) => e.array()));
      this.edgeAhead = { from, values: Object.fromEntries(labels.map((l, i) => [l, values[i]])) };
    } finally {
      tf.dispose(edges);
    }
  }

  /** Every node's softmax(β) over its inputs, read ahead on webgpu, with the data of the β it was read from. */
  private edgeAhead: { from: object[]; values: Record<string, number[]> } | null = null;

  /** A label's edge weights (every node's softmax(β), concatenated): read ahead when prefetchHostReads did, else now. */
  private edgeWeights(label: string): number[] {
    const ahead = this.edgeAhead;
    if (ahead && [...this.betas.values()].every((b, i) => b.dataId === ahead.from[i]))
      return ahead.values[label];
    return tf.tidy(() => edgeNormalisation(this.beta(label), this.nodes).arraySync());
  }

  /** Per label: softmax(α) × the edge's softmax(β), the weights the derivation ranks. */
  derivationWeights(): ChoiceWeights {
    const alpha = this.core.arch.softmax();
    const out: ChoiceWeights = {};
    for (const label of this.alphas.keys())
      out[label] = pcdartsDerivationWeights(alpha[label], this.edgeWeights(label));
    return out;
  }

  /** The DARTS rule (top two edges per node by their strongest non-'none' op) on softmax(α)·softmax(β). */
  derive(): Genotype {
    return (this.core.alarm.rollback() as Genotype | null) ?? this.derivedNow();
  }

  private derivedNow(): Genotype {
    return this.space.derive(this.derivationWeights()) as Genotype;
  }

  /**
   * Per label, the weights the derivation ranks (softmax(α)·softmax(β)), and beside it, as label
   * `<label>-beta`, β itself: one row per node, its softmax(β) over that node's inputs (node i has
   * i + 2 of them, so the rows grow: c_{k-2}, c_{k-1}, then the earlier nodes).
   */
  architecture(): ArchSnapshot {
    const snap = snapshotOf(this.space, 'softmax', this.derivationWeights(), 'softmax(α)·softmax(β)');
    const inputs = Array.from({ length: this.nodes + 1 }, (_, s) =>
      s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : String(s),
    );
    const out: ArchSnapshot = {};
    for (const cp of this.space.choicePoints) {
      out[cp.label] = snap[cp.label];
      const edge = this.edgeWeights(cp.label);
      let start = 0;
      const values = Array.from({ length: this.nodes }, (_, i) => {
        const row = edge.slice(start, start + i + 2);
        start += i + 2;
        return row;
      });
      out[`${cp.label}-beta`] = {
        kind: 'softmax',
        title: `${cp.title} inputs`,
        caption: 'softmax(β) per node',
        rows: values.map((_, i) => `node ${i + 2}`),
        options: inputs,
        values,
      };
    }
    return out;
  }

  getState(): NamedTensorState {
    return this.core.getState();
  }

  setState(state: NamedTensorState): void {
    this.core.setState(state);
  }

  dispose(): void {
    this.core.dispose();
  }
}
