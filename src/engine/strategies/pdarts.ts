import * as tf from '../tf';
import { ArchTraining, searchStepsPerEpoch, supernetGradients } from './arch-training';
import type { SupernetGradients } from './arch-training';
import { clipByGlobalNorm } from '../optim/clip';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, Choices, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import type { ArchAssignment, Supernet } from '../search/supernet';
import type {
  ArchSnapshot,
  Batch,
  EpochEndResult,
  PhaseBudget,
  PhasePlan,
  SearchStrategy,
  StepContext,
  StepInfo,
  StepResult,
} from '../search/strategy';
import { DartsSpaceSchema, edgeCount, edgeOpsOf, type DartsSpace } from '../spaces/darts/search-space';
import type { DartsSearchSpace } from '../spaces/darts/space';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { PrimitiveName } from '../spaces/darts/primitives-contract';
import { crossEntropy } from '../train/loss';
import type { Rng } from '../util/rng';
import { scalarMetrics } from '../search/host-reads';
import { pdartsCell, pruneEdgeOps, skipDropoutRate } from './pdarts-prune';
import type { PdartsConfig } from './pdarts-spec';
import { droppedOpKey, SKIP_LIMIT_KEYS } from './stage-timeline-spec';

const CELLS = ['normal', 'reduce'] as const;
type CellLabel = (typeof CELLS)[number];

/** The ops of every edge of one cell type in a space, in the order of `space.ops` (α's columns). */
function cellEdgeOps(space: DartsSpace, cell: CellLabel): PrimitiveName[][] {
  return Array.from({ length: edgeCount(space.nodes) }, (_, e) => [
    ...edgeOpsOf(space, cell === 'reduce', e),
  ]);
}

/** The number of ops every edge of a cell type has; P-DARTS's α is [edges, that number]. */
function opsPerEdge(space: DartsSpace, cell: CellLabel): number {
  const counts = new Set(cellEdgeOps(space, cell).map((ops) => ops.length));
  if (counts.size !== 1)
    throw new Error(
      `P-DARTS needs the same number of ops on every edge of the ${cell} cell, got ${[...counts].join(', ')} (space edgeOps)`,
    );
  return [...counts][0];
}

/**
 * The one-hot map [edges, k, options] from each edge's k ops to the label's options: softmax(α)
 * [edges, k] times it puts every op's weight in its column and 0 in the columns of pruned ops.
 */
function columnMap(space: DartsSpace, cell: CellLabel): tf.Tensor3D {
  const lists = cellEdgeOps(space, cell);
  const k = lists[0].length;
  const n = space.ops.length;
  const data = new Float32Array(lists.length * k * n);
  lists.forEach((ops, e) => ops.forEach((op, j) => (data[(e * k + j) * n + space.ops.indexOf(op)] = 1)));
  return tf.tensor3d(data, [lists.length, k, n]);
}

/**
 * What one stage trains: its supernet, α [edges, ops per edge] per label, their optimisers, and its
 * own collapse alarm (a stage's readings are of its own α on its own supernet: see `epochEnd`).
 */
interface Stage {
  net: Supernet;
  space: DartsSearchSpace;
  alphas: Map<string, tf.Variable>;
  columns: Map<string, tf.Tensor3D>;
  /** The stage's weights' SGD, α's Adam and collapse alarm, checkpointed together. */
  core: ArchTraining;
}

/** What the collapse alarm keeps per reading: the stage's softmax(α) per label, over each edge's ops. */
type StageProbabilities = Record<CellLabel, number[][]>;

/**
 * P-DARTS (Chen et al., ICCV 2019): DARTS first order in stages. Each stage is a phase on a supernet
 * of its own (the loop rebuilds it, StepResult.rebuild): deeper (the space's cells plus
 * `addLayers[s]`) and with fewer ops per edge (the space's `edgeOps`), its weights, α and both
 * optimisers new. Within a stage the weights train alone for `warmupEpochs`, then every step takes
 * an α step on a validation batch (gradient clipped, as the reference) before the weights' step;
 * identity skips are followed by dropout at the stage's rate. At a stage's end each edge keeps its
 * `keepOps[s]` strongest ops by softmax(α); the final cell takes one op per edge and two edges per
 * node, with at most `maxSkips` skip connections in the normal cell (pdarts-prune.ts).
 */
export class Pdarts implements SearchStrategy<Genotype> {
  readonly name = 'pdarts';
  private readonly base: DartsSpace;
  private stage = 0;
  private cur: Stage;
  private lr: number;
  private dropout = 0;
  /**
   * The alarm's verdict on a stage's last epoch, taken in `step` before the loop rebuilds the
   * supernet (the loop calls `epochEnd` after the rebuild, on the next stage); `epochEnd` returns it.
   */
  private pendingEnd: EpochEndResult | null = null;
  /** Set by a step that only prunes and rebuilds (its phase moved on): its epoch trained nothing. */
  private rebuildOnly = false;
  /**
   * The ops each edge dropped at the stage end just passed, as epoch metrics for the dashboard's
   * stage timeline (stage-timeline-spec.ts); the next `epochEnd` reports them. Not checkpointed: a
   * stage end and its epoch end are one step (a skipped stage's, the next epoch end's; a pause
   * between those loses the record, not the search's state).
   */
  private pendingDrops: Record<string, number> = {};

  /** `rng` draws α of every stage (its position is checkpointed). */
  constructor(
    net: Supernet,
    private readonly cfg: PdartsConfig,
    private readonly rng: Rng,
    space: SearchSpace,
  ) {
    if (space.name !== 'darts')
      throw new Error(`P-DARTS runs on the DARTS space (per-edge op lists), not '${space.name}'`);
    this.base = (space as DartsSearchSpace).config;
    for (const cell of CELLS) {
      const k = opsPerEdge(this.base, cell);
      if (k <= cfg.keepOps[0])
        throw new Error(
          `P-DARTS keepOps[0] = ${cfg.keepOps[0]} must be fewer than the ${k} ops each edge of the ${cell} cell has in stage 1`,
        );
    }
    for (let s = 1; s < cfg.keepOps.length; s++) {
      const parsed = DartsSpaceSchema.safeParse(this.stageShape(s));
      if (!parsed.success)
        throw new Error(
          `P-DARTS stage ${s + 1} would be an invalid DARTS space: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')} (addLayers, addChannels)`,
        );
    }
    this.cur = this.newStage(net, space as DartsSearchSpace);
    this.lr = cfg.weightLr;
  }

  /** Stage s's space without its op lists: the base's cells and channels plus the stage's additions. */
  private stageShape(s: number): DartsSpace {
    const shape: DartsSpace = {
      ...this.base,
      cells: this.base.cells + this.cfg.addLayers[s],
      channels: this.base.channels + this.cfg.addChannels[s],
    };
    delete shape.edgeOps;
    return shape;
  }

  private newStage(net: Supernet, space: DartsSearchSpace): Stage {
    const alphas = new Map<string, tf.Variable>();
    const columns = new Map<string, tf.Tensor3D>();
    for (const cell of CELLS) {
      const rows = edgeCount(space.config.nodes);
      const k = opsPerEdge(space.config, cell);
      const init = tf.tensor2d(this.rng.fillNormal(rows * k, this.cfg.alphaInitScale), [rows, k]);
      alphas.set(cell, tf.variable(init, true));
      init.dispose();
      columns.set(cell, columnMap(space.config, cell));
    }
    return {
      net,
      space,
      alphas,
      columns,
      core: new ArchTraining(net, space, [['alpha', alphas]], this.cfg, 'P-DARTS'),
    };
  }

  private disposeStage(st: Stage): void {
    st.core.dispose();
    tf.dispose([...st.columns.values()]);
  }

  get stages(): number {
    return this.cfg.keepOps.length;
  }

  /** The stage being trained (0-based). */
  get stageIndex(): number {
    return this.stage;
  }

  /** α of the current stage per label, [edges, ops per edge], columns in the order of the edge's ops. */
  get alphas(): ReadonlyMap<string, tf.Variable> {
    return this.cur.alphas;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    const stepsPerEpoch = searchStepsPerEpoch(budget);
    const k0 = opsPerEdge(this.base, 'normal');
    return this.cfg.keepOps.map((_, s) => ({
      name: `stage${s + 1}`,
      title: `stage ${s + 1}: ${this.stageShape(s).cells} cells, ${s === 0 ? k0 : this.cfg.keepOps[s - 1]} ops per edge (weights only for ${this.cfg.warmupEpochs} epochs, then α and weights)`,
      epochs: budget.epochs,
      stepsPerEpoch,
    }));
  }

  /** The supernet's view: softmax(α) over each edge's ops in their columns, skip dropout when asked. */
  archChoice(dropoutSeed?: number): ArchAssignment {
    const out: ArchAssignment = {};
    for (const [label, a] of this.cur.alphas) {
      const w = tf.matMul(tf.softmax(a).expandDims(1), this.cur.columns.get(label) as tf.Tensor3D);
      out[label] = {
        kind: 'mix',
        weights: w.squeeze([1]) as tf.Tensor2D,
        ...(dropoutSeed !== undefined ? { skipDropout: { rate: this.dropout, seed: dropoutSeed } } : {}),
      };
    }
    return out;
  }

  /** Loss, accuracy and gradients of the loss on `batch` w.r.t. `vars` (missing gradients are zeros). */
  private gradients(batch: Batch, vars: tf.Variable[], dropoutSeed: number | undefined): SupernetGradients {
    return supernetGradients(this.cur.net, batch, () => this.archChoice(dropoutSeed), vars);
  }

  /** A fresh mask seed per forward pass from the loop's generator (none while the rate is 0). */
  private seed(ctx: StepContext): number | undefined {
    return this.dropout > 0 ? ctx.rng.nextUint32() : undefined;
  }

  step(ctx: StepContext): StepResult {
    const { info } = ctx;
    this.rebuildOnly = false;
    // The phase moved on without this stage's end (the user skipped it, or the collapse alarm
    // stopped it): prune and rebuild first.
    if (info.phaseIndex > this.stage) {
      this.rebuildOnly = true;
      return { metrics: { stage: this.stage + 1 }, rebuild: this.next() };
    }
    this.lr = this.cur.core.trainer.startEpoch(info.epoch, info.totalEpochs);
    this.dropout = skipDropoutRate(
      this.cfg.skipDropout[this.stage],
      info.epoch,
      info.totalEpochs,
      this.cfg.warmupEpochs,
      this.cfg.dropoutDecay,
    );
    const archStep = info.epoch >= this.cfg.warmupEpochs;
    const val = archStep ? ctx.val() : null;
    this.cur.core.alarm.keepBatch(info, val);
    const train = ctx.train();
    const out = tf.tidy(() => {
      const kept: tf.Tensor[] = [];
      if (val) {
        const alphas = this.cur.core.arch.variables;
        const a = this.gradients(val, alphas, this.seed(ctx));
        // The reference clips α's gradient too (clip_grad_norm_ on arch_parameters(), args.grad_clip).
        this.cur.core.arch.step(clipByGlobalNorm(a.grads, this.cfg.gradClip).grads, this.cfg.alphaLr);
        kept.push(a.loss, a.acc);
      }
      const w = this.gradients(train, this.cur.core.weights, this.seed(ctx));
      const norm = this.cur.core.trainer.apply(w.grads);
      return [w.loss, w.acc, norm, ...kept];
    });
    const [trainLoss, trainAcc, gradNorm, valLoss, valAcc] = out;
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    const metrics = scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['gradNorm', gradNorm],
      ['lrWeights', this.lr],
      ['skipDropout', this.dropout],
      ['stage', this.stage + 1],
      ...(val
        ? ([
            ['valLoss', valLoss],
            ['valAcc', valAcc],
            ['lrAlpha', this.cfg.alphaLr],
          ] as const)
        : []),
    ]);
    const stageEnds =
      info.epoch === info.totalEpochs - 1 &&
      info.stepInEpoch === info.stepsPerEpoch - 1 &&
      this.stage < this.stages - 1;
    if (!stageEnds) return metrics;
    // The stage's last epoch end and the pruning read softmax(α) after this step's α update: the
    // loop runs them after the step (on webgpu after prefetchHostReads), before it rebuilds.
    return {
      ...metrics,
      rebuildAfterReads: () => {
        this.pendingEnd = this.alarmEnd(info);
        return this.next();
      },
    };
  }

  /** softmax(α) per label over each edge's own ops. */
  private localProbabilities(): StageProbabilities {
    const p = this.cur.core.arch.softmax();
    return { normal: p.normal, reduce: p.reduce };
  }

  /**
   * The next stage's space: deeper, wider as configured, each edge keeping its strongest ops — by
   * softmax(α) now, or at the stop epoch of a collapse alarm's Hessian stop (DARTS-ES' rollback,
   * applied to what a stage hands on: its pruned op lists).
   */
  nextSpace(): DartsSpace {
    const keep = this.cfg.keepOps[this.stage];
    const probs =
      (this.cur.core.alarm.rollbackKept() as StageProbabilities | null) ?? this.localProbabilities();
    const edgeOps = {} as Record<CellLabel, PrimitiveName[][]>;
    for (const cell of CELLS)
      edgeOps[cell] = pruneEdgeOps(
        cellEdgeOps(this.cur.space.config, cell),
        probs[cell],
        keep,
      ) as PrimitiveName[][];
    return { ...this.stageShape(this.stage + 1), edgeOps };
  }

  private next(): { space: unknown } {
    const space = this.nextSpace();
    this.pendingDrops = this.droppedOps(space);
    return { space };
  }

  /** What each edge of the current stage loses in `space` (the next stage's), as metric keys. */
  private droppedOps(space: DartsSpace): Record<string, number> {
    const out: Record<string, number> = {};
    for (const cell of CELLS) {
      const after = space.edgeOps?.[cell] ?? [];
      cellEdgeOps(this.cur.space.config, cell).forEach((ops, e) => {
        for (const op of ops) if (!after[e]?.includes(op)) out[droppedOpKey(this.stage + 1, cell, e, op)] = 1;
      });
    }
    return out;
  }

  /** In the last stage: the normal cell's skip connections before and after the `maxSkips` limit. */
  private skipLimitMetrics(info: StepInfo): Record<string, number> {
    const last = this.stages - 1;
    if (info.phaseIndex !== last || this.stage !== last) return {};
    const skips = (g: Genotype) => g.normal.filter(([op]) => op === 'skip_connect').length;
    return {
      [SKIP_LIMIT_KEYS.before]: skips(this.derivedNow(null)),
      [SKIP_LIMIT_KEYS.after]: skips(this.derivedNow(this.cfg.maxSkips)),
    };
  }

  rebuilt(net: Supernet, space: SearchSpace): void {
    this.disposeStage(this.cur);
    this.cur = this.newStage(net, space as DartsSearchSpace);
    this.stage += 1;
  }

  /**
   * The collapse alarm, one per stage: the Hessian w.r.t. the stage's α [edges, ops per edge] of
   * the validation cross-entropy of its supernet (softmax(α) in the columns of the edge's ops, as
   * the search mixes them), without the skip dropout (its mask would need a seed from the loop's
   * generator, and a reading is of the architecture's loss, not of a noisy one); BatchNorm
   * statistics left alone. Its history starts anew with each stage: a stage's α, network depth and
   * op set are new, so its eigenvalues do not compare with the stage before's, and its epochs (and
   * `hessianStartEpoch`) count within the stage. No reading and no DARTS+ verdict in a stage's
   * warm-up (no validation batch is drawn there, α does not move). A stop ends the stage: the next
   * is pruned from softmax(α) at the stop epoch (see nextSpace); in the last stage `derive` returns
   * the stop epoch's genotype, a cell of the last stage's ops. DARTS+ counts the skips of the cell
   * before the `maxSkips` cap (after it, at most maxSkips are ever left).
   */
  epochEnd(info: StepInfo): EpochEndResult {
    const pending = this.pendingEnd;
    this.pendingEnd = null;
    const end = pending ?? this.alarmEnd(info);
    const drops = this.pendingDrops;
    this.pendingDrops = {};
    return { ...end, metrics: { ...end.metrics, ...drops, ...this.skipLimitMetrics(info) } };
  }

  /** The alarm's reading and softmax(α) of the current stage, read ahead for its epoch end (and a stage's pruning) on webgpu. */
  async prefetchHostReads(): Promise<void> {
    await this.cur.core.prefetchHostReads(this.alarmLoss());
  }

  private alarmLoss() {
    return {
      alphas: this.cur.core.arch.variables,
      valLoss: (b: Batch) =>
        crossEntropy(this.cur.net.logits(b.x, this.archChoice(), { training: true, frozenStats: true }), b.y),
    };
  }

  private alarmEnd(info: StepInfo): EpochEndResult {
    return this.cur.core.alarm.epochEnd(info, {
      ...this.alarmLoss(),
      derive: () => this.derivedNow(this.cfg.maxSkips),
      skipArchitecture: () => this.derivedNow(null),
      keep: () => this.localProbabilities(),
      weights: () => this.probabilities(),
      weightDecay: this.cfg.alphaWeightDecay,
      archStep: !this.rebuildOnly && info.epoch >= this.cfg.warmupEpochs,
    });
  }

  /** Per label, softmax(α) in the label's option columns (0 for ops the edge no longer has). */
  probabilities(): ChoiceWeights {
    const local = this.localProbabilities();
    const out: ChoiceWeights = {};
    for (const cell of CELLS) {
      const { ops } = this.cur.space.config;
      out[cell] = cellEdgeOps(this.cur.space.config, cell).map((edge, e) => {
        const row = ops.map(() => 0);
        edge.forEach((op, j) => (row[ops.indexOf(op)] = local[cell][e][j]));
        return row;
      });
    }
    return out;
  }

  /**
   * The cell P-DARTS returns from the current α (after the last stage: its answer): one op per edge
   * ('none' excluded), two edges per node, at most `maxSkips` skips in the normal cell. After a
   * collapse alarm's Hessian stop in this stage: the genotype of its stop epoch.
   */
  derive(): Genotype {
    return (this.cur.core.alarm.rollback() as Genotype | null) ?? this.derivedNow(this.cfg.maxSkips);
  }

  /** The cell rule on the current α, with at most `maxSkips` skips in the normal cell (null: no cap). */
  private derivedNow(maxSkips: number | null): Genotype {
    const config = this.cur.space.config;
    const probs = this.localProbabilities();
    const choices: Choices = {};
    for (const cell of CELLS) {
      const lists = cellEdgeOps(config, cell);
      const pick = pdartsCell(probs[cell], lists, config.nodes, cell === 'normal' ? maxSkips : null);
      choices[cell] = pick.map((k, e) => (k === -1 ? -1 : config.ops.indexOf(lists[e][k])));
    }
    return this.cur.space.fromChoices(choices);
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.cur.space, 'softmax', this.probabilities());
  }

  getState(): NamedTensorState {
    const r = this.rng.getState();
    // This stage's trainer starts at weightLr; `lr` is the last step's, across a rebuild too.
    return this.cur.core.getState({ stage: this.stage, rng: [...r.s], rngSpare: r.spare }, this.lr);
  }

  /** After the loop rebuilt the checkpoint's supernet (so that α has this stage's shape). */
  setState(state: NamedTensorState): void {
    this.cur.core.setState(state);
    this.lr = this.cur.core.trainer.lr;
    this.stage = Number(state.scalars.stage ?? 0);
    const s = state.scalars.rng;
    if (!Array.isArray(s) || s.length !== 4) throw new Error('P-DARTS state is missing its generator (rng)');
    this.rng.setState({
      s: s as [number, number, number, number],
      spare: (state.scalars.rngSpare as number | null) ?? null,
    });
  }

  dispose(): void {
    this.disposeStage(this.cur);
  }
}
