import * as tf from '../tf';
import { clipByGlobalNorm } from '../optim/clip';
import type { NamedTensorState } from '../optim/state';
import type { ChoiceWeights, InputShape, SearchSpace } from '../search/space';
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
import type { DartsSearchSpace } from '../spaces/darts/space';
import { accuracy, crossEntropy } from '../train/loss';
import type { Rng } from '../util/rng';
import { scalarMetrics } from '../search/host-reads';
import { ArchTraining, mixedAlarmLoss, searchStepsPerEpoch } from './arch-training';
import { drawGumbel } from './gdas';
import { deriveSnasGenotype } from './snas-derive';
import {
  cellTypePenalty,
  dartsCellCosts,
  defaultResourceLambda,
  RESOURCE_MEASURES,
  type ResourceMeasure,
} from './snas-resource';
import type { SnasConfig } from './snas-spec';

/**
 * τ of an epoch (utils.py Temp_Scheduler, stepped once before each epoch, so epoch e uses step e+1):
 * τ = τmin + (τ0 − τmin)·(1 − (e+1)/E), never below τmin — it reaches τmin at the last epoch.
 */
export function snasTemperature(epoch: number, totalEpochs: number, tau0: number, tauMin: number): number {
  const t = tauMin + (tau0 - tauMin) * (1 - (epoch + 1) / totalEpochs);
  return Math.max(t, tauMin);
}

/** n Gumbel(0, 1) draws from `rng`, redrawn while one is infinite (U at the end of [0, 1)). */
export function drawFiniteGumbel(rng: Rng, n: number): Float32Array {
  for (let tries = 0; tries < 100; tries++) {
    const g = drawGumbel(rng, n);
    if (g.every((v) => Number.isFinite(v))) return g;
  }
  throw new Error('SNAS: 100 Gumbel draws in a row were infinite; the generator is broken');
}

/**
 * The relaxed mask Z = softmax((α + g)/τ) per row (model_search.py `_get_categ_mask`: α is used as
 * the log location directly; log_softmax(α) would give the same Z, the softmax ignores a row shift).
 * Differentiable in α; no straight-through, Z itself weights the ops.
 */
export function relaxedMask(alpha: tf.Tensor2D, g: tf.Tensor2D, tau: number): tf.Tensor2D {
  return tf.tidy(() => tf.softmax(alpha.add(g).div(tau)) as tf.Tensor2D);
}

/** α per label, N(mean, std²) from `rng` in label order (the reference's loc_mean, loc_std). */
function initSnasAlphas(space: SearchSpace, mean: number, std: number, rng: Rng): Map<string, tf.Variable> {
  const out = new Map<string, tf.Variable>();
  for (const cp of space.choicePoints) {
    const shape: [number, number] = [cp.rows.length, cp.options.length];
    out.set(cp.label, tf.variable(tf.tensor2d(rng.fillNormal(shape[0] * shape[1], std, mean), shape), true));
  }
  return out;
}

/**
 * SNAS (Xie et al., ICLR 2019): every forward pass weights each edge's ops by a relaxed Gumbel-softmax
 * sample Z of α, drawn from the loop's generator; one loss on one training batch — cross-entropy
 * plus, optionally, λ times the resource penalty — gives the gradients of the weights (SGD, clip 5)
 * and α (Adam, clip 10) in one backward pass; τ falls linearly per epoch.
 */
export class Snas implements SearchStrategy {
  readonly name = 'snas';
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  private readonly core: ArchTraining;
  /** Per label, the cost tables of its cells ([cells, edges, ops] per measure); empty without a penalty. */
  private readonly costs = new Map<string, Record<ResourceMeasure, tf.Tensor3D>>();
  readonly lambda: number;
  private tau: number;
  private fellBack: string[] = [];

  constructor(
    private readonly net: Supernet,
    private readonly cfg: SnasConfig,
    rng: Rng,
    private readonly space: SearchSpace,
    shape?: InputShape,
  ) {
    if (cfg.resource !== 'off') {
      if (space.name !== 'darts')
        throw new Error(
          `SNAS: resource '${cfg.resource}' needs the DARTS space's op costs; on '${space.name}' set resource to 'off'`,
        );
      if (!(shape && shape.size > 0))
        throw new Error(
          "SNAS: the resource penalty needs the data's image size, which this data source did not give",
        );
    }
    if (cfg.derivation !== 'edge_all' && space.name !== 'darts')
      throw new Error(
        `SNAS: derivation '${cfg.derivation}' is for DARTS cells; on '${space.name}' each edge keeps its argmax op (use 'edge_all')`,
      );
    this.alphas = initSnasAlphas(space, cfg.alphaInitMean, cfg.alphaInitStd, rng);
    this.core = new ArchTraining(net, space, [['alpha', this.alphas]], cfg, 'SNAS');
    this.lambda =
      cfg.resource === 'off'
        ? 0
        : (cfg.resourceLambda ?? defaultResourceLambda(cfg.resource, cfg.resourceLog));
    if (cfg.resource !== 'off') {
      const tables = dartsCellCosts((space as DartsSearchSpace).config, (shape as InputShape).size);
      for (const label of ['normal', 'reduce'] as const)
        this.costs.set(
          label,
          Object.fromEntries(
            RESOURCE_MEASURES.map((m) => {
              const t = tables[label][m];
              const [e, k] = [t[0]?.length ?? 0, t[0]?.[0]?.length ?? 0];
              return [m, tf.tensor3d(t.flat(2), [t.length, e, k])];
            }),
          ) as Record<ResourceMeasure, tf.Tensor3D>,
        );
    }
    this.tau = cfg.temperature;
  }

  private get weights(): tf.Variable[] {
    return this.core.weights;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      {
        name: 'search',
        title: 'search (relaxed samples: weights and α on one loss)',
        epochs: budget.epochs,
        stepsPerEpoch: searchStepsPerEpoch(budget, this.cfg.validate),
      },
    ];
  }

  /** The temperature now (set per epoch by `step`). */
  get temperature(): number {
    return this.tau;
  }

  /** One set of Gumbel draws per label, in the order of the space's choice points. */
  drawNoise(rng: Rng): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [label, a] of this.alphas) out.set(label, drawFiniteGumbel(rng, a.size));
    return out;
  }

  /** Z per label for given draws (call inside a gradient scope to differentiate through it). */
  masks(noise: Map<string, Float32Array>): Map<string, tf.Tensor2D> {
    const out = new Map<string, tf.Tensor2D>();
    for (const [label, a] of this.alphas)
      out.set(
        label,
        relaxedMask(a as tf.Tensor2D, tf.tensor2d(noise.get(label)!, a.shape as [number, number]), this.tau),
      );
    return out;
  }

  /**
   * λ·(P_normal + ratio·P_reduce), the reference's resource loss, for the masks Z (0 when off).
   * Differentiable in α: through Z (reparametrization), softmax(α) (discrete), or log p(Z) (policy
   * gradient).
   */
  resourceLoss(z: Map<string, tf.Tensor2D>): tf.Scalar {
    return tf.tidy(() => {
      if (this.cfg.resource === 'off') return tf.scalar(0);
      let total: tf.Scalar = tf.scalar(0);
      for (const [label, costs] of this.costs) {
        const p = cellTypePenalty(
          costs,
          this.alphas.get(label) as tf.Tensor2D,
          z.get(label) as tf.Tensor2D,
          this.tau,
          this.cfg.resource as Exclude<SnasConfig['resource'], 'off'>,
          this.cfg.resourceTerm,
          this.cfg.resourceLog,
        );
        total = total.add(label === 'reduce' ? p.mul(this.cfg.resourceReduceRatio) : p);
      }
      return total.mul(this.lambda) as tf.Scalar;
    });
  }

  /**
   * The one loss on a batch for given draws, and its gradients w.r.t. the weights and α (missing:
   * zeros). Returns the cross-entropy and the resource loss separately for the log.
   */
  gradients(
    batch: Batch,
    noise: Map<string, Float32Array>,
  ): {
    ce: tf.Scalar;
    resource: tf.Scalar;
    acc: tf.Scalar;
    weightGrads: tf.Tensor[];
    alphaGrads: tf.Tensor[];
  } {
    const alphas = [...this.alphas.values()];
    const vars = [...this.weights, ...alphas];
    let logits: tf.Tensor2D | undefined;
    let ce: tf.Scalar | undefined;
    let resource: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const z = this.masks(noise);
      const assignment: ArchAssignment = {};
      for (const [label, w] of z) assignment[label] = { kind: 'mix', weights: w };
      logits = tf.keep(this.net.logits(batch.x, assignment, { training: true }));
      ce = tf.keep(crossEntropy(logits, batch.y));
      resource = tf.keep(this.resourceLoss(z));
      return ce.add(resource) as tf.Scalar;
    }, vars);
    value.dispose();
    const acc = accuracy(logits as tf.Tensor2D, batch.y);
    (logits as tf.Tensor2D).dispose();
    const all = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
    return {
      ce: ce as tf.Scalar,
      resource: resource as tf.Scalar,
      acc,
      weightGrads: all.slice(0, this.weights.length),
      alphaGrads: all.slice(this.weights.length),
    };
  }

  step(ctx: StepContext): StepResult {
    const { epoch, totalEpochs } = ctx.info;
    const lr = this.core.trainer.startEpoch(epoch, totalEpochs);
    this.tau = this.cfg.temperatureAnnealing
      ? snasTemperature(epoch, totalEpochs, this.cfg.temperature, this.cfg.temperatureMin)
      : this.cfg.temperature;
    const train = ctx.train();
    // Without a validation batch the alarm reads the one loss on the training batch α descends on.
    if (!this.cfg.validate) this.core.alarm.keepBatch(ctx.info, train);
    const noise = this.drawNoise(ctx.rng);
    const out = tf.tidy(() => {
      const r = this.gradients(train, noise);
      // One backward pass, two optimisers on its gradients (train_search.py: loss.backward(), then
      // clip the weights' to 5 and α's to 10, optimizer.step(), arch_optimizer.step()).
      const norm = this.core.trainer.apply(r.weightGrads);
      const clipped = clipByGlobalNorm(r.alphaGrads, this.cfg.alphaGradClip);
      if (this.cfg.alphaOptimizer === 'adam') this.core.arch.step(clipped.grads, this.cfg.alphaLr);
      else
        [...this.alphas.values()].forEach((a, i) => a.assign(a.sub(clipped.grads[i].mul(this.cfg.alphaLr))));
      return [r.ce, r.acc, r.resource, norm, clipped.norm];
    });
    const [trainLoss, trainAcc, resourceLoss, gradNorm, alphaGradNorm] = out;
    const metrics: Array<readonly [string, tf.Tensor | number]> = [
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['resourceLoss', resourceLoss],
      ['gradNorm', gradNorm],
      ['alphaGradNorm', alphaGradNorm],
      ['tau', this.tau],
      ['lrWeights', lr],
      ['lrAlpha', this.cfg.alphaLr],
    ];
    if (this.cfg.validate) {
      const val = ctx.val();
      this.core.alarm.keepBatch(ctx.info, val);
      const [valLoss, valAcc] = this.validate(val, ctx.rng);
      metrics.push(['valLoss', valLoss], ['valAcc', valAcc]);
    }
    // Read here on cpu/wasm/tensorflow, at the step boundary on webgpu (search/host-reads.ts).
    return scalarMetrics(metrics);
  }

  /** Loss and accuracy on a validation batch under a new sample, running BatchNorm statistics (the reference's infer()). */
  private validate(batch: Batch, rng: Rng): [tf.Scalar, tf.Scalar] {
    const noise = this.drawNoise(rng);
    return tf.tidy(() => {
      const assignment: ArchAssignment = {};
      for (const [label, w] of this.masks(noise)) assignment[label] = { kind: 'mix', weights: w };
      const logits = this.net.logits(batch.x, assignment, { training: false });
      return [crossEntropy(logits, batch.y), accuracy(logits, batch.y)];
    });
  }

  /**
   * The collapse alarm's readings: the Hessian w.r.t. α of the cross-entropy of the softmax(α)-mixed
   * supernet on the epoch's last validation batch (its training batch with `validate` off). As GDAS:
   * the relaxed mask Z = softmax((α + g)/τ) is random (a draw from the loop's generator would change
   * the search, and a private one would read a noisy loss), and a mix at softmax(α/τ) would scale
   * the Hessian by 1/τ² as τ falls 1 → 0.03, so no reading would compare with the one before. The
   * resource penalty is left out (a known function of α, not the data loss whose curvature the alarm
   * watches). BatchNorm statistics are left alone.
   */
  epochEnd(info: StepInfo): EpochEndResult {
    return this.core.alarm.epochEnd(info, {
      ...mixedAlarmLoss(this.net, this.alphas),
      derive: () => this.derivedNow().genotype,
      weights: () => this.probabilities(),
      // Only the Adam branch decays α (the SGD branch is plain SGD, as the reference's single-GPU one).
      weightDecay: this.cfg.alphaOptimizer === 'adam' ? this.cfg.alphaWeightDecay : 0,
    });
  }

  /** The alarm's reading and softmax(α), read ahead for the epoch end on webgpu. */
  async prefetchHostReads(): Promise<void> {
    await this.core.prefetchHostReads(mixedAlarmLoss(this.net, this.alphas));
  }

  /** softmax(α) of every label as plain arrays. */
  probabilities(): ChoiceWeights {
    return this.core.arch.softmax();
  }

  /** The cell types the last derive() had to fall back for (see snas-derive.ts). */
  get derivationFallbacks(): readonly string[] {
    return this.fellBack;
  }

  /**
   * DARTS cells: the configured rule on softmax(α) (default edge_all: every edge's argmax op, none
   * edges dropped). NB201: each edge's argmax op, 'none' included — the space's own derive. After a
   * collapse alarm's Hessian stop: the genotype of its stop epoch.
   */
  derive(): unknown {
    const rolledBack = this.core.alarm.rollback();
    if (rolledBack) return rolledBack;
    const d = this.derivedNow();
    this.fellBack = d.fellBack;
    return d.genotype;
  }

  private derivedNow(): { genotype: unknown; fellBack: string[] } {
    const p = this.probabilities();
    if (this.space.name !== 'darts') return { genotype: this.space.derive(p), fellBack: [] };
    const { ops, nodes } = (this.space as DartsSearchSpace).config;
    return deriveSnasGenotype({ normal: p.normal, reduce: p.reduce }, ops, nodes, this.cfg.derivation);
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'softmax', this.probabilities());
  }

  getState(): NamedTensorState {
    return this.core.getState({ tau: this.tau });
  }

  setState(state: NamedTensorState): void {
    this.core.setState(state);
    this.tau = Number(state.scalars.tau ?? this.cfg.temperature);
  }

  dispose(): void {
    this.core.dispose();
    for (const c of this.costs.values()) tf.dispose(Object.values(c));
  }
}
