import * as tf from '../tf';
import type { SearchSpace } from '../search/space';
import type { RowMap } from './arch-params';
import { snapshotOf } from '../search/snapshot';
import type { Supernet } from '../search/supernet';
import type { ArchSnapshot, Batch, EpochEndResult, StepInfo } from '../search/strategy';
import type { Genotype } from '../spaces/darts/genotype-types';
import type { Rng } from '../util/rng';
import type { DevicePasses } from '../backend/device-passes';
import { Darts, type AlphaGradients } from './darts';
import { deriveFairDarts, type FairDartsDerivation } from './fairdarts-derive';
import type { FairDartsConfig } from './fairdarts-spec';

/**
 * The zero-one loss of separate_loss.py: −mean((σ − 0.5)²) (l2, ConvSeparateLoss) or −mean(|σ − 0.5|)
 * (l1, TriSeparateLoss), the mean over every entry of every label together, as the reference takes it
 * over torch.cat([σ(α_normal), σ(α_reduce)]).
 */
export function zeroOneLoss(sigmas: tf.Tensor[], kind: 'l2' | 'l1' = 'l2'): tf.Scalar {
  return tf.tidy(() => {
    const flat = tf.concat(sigmas.map((s) => s.reshape([-1])));
    const d = flat.sub(0.5);
    return (kind === 'l2' ? d.square() : d.abs()).mean().neg() as tf.Scalar;
  });
}

/**
 * FairDARTS (Chu et al., ECCV 2020) on DARTS' machinery: each op of an edge is weighted by its own
 * σ(α) (no softmax, so ops do not compete), and the α step minimises L_val + w₀₁·L₀₁ with the zero-one
 * loss L₀₁ on σ(α) (separate_loss.py). L₀₁ depends on α alone, so its gradient is added to DARTS'
 * α gradient (first or second order) and the weights' step is DARTS' unchanged (the reference's weight
 * loss also carries w₀₁·L₀₁, which has no gradient in the weights). The cell is derived by the
 * reference's threshold rule (fairdarts-derive.ts).
 */
export class FairDarts extends Darts {
  override readonly name: string = 'fairdarts';
  private readonly ops: readonly string[];
  private readonly nodes: number;

  constructor(
    net: Supernet,
    private readonly fair: FairDartsConfig,
    rng: Rng,
    space: SearchSpace,
  ) {
    const ops = space.choicePoints[0]?.options ?? [];
    if (ops.includes('none'))
      throw new Error(
        `FairDARTS needs a DARTS space without 'none' (space.ops is [${ops.join(', ')}]): under σ(α) 'none' adds nothing to the mix, ` +
          "its σ stays 0.5 and dilutes the zero-one loss; the reference searches 7 ops: set space.ops to e.g. ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5']",
      );
    const nodes = (space as { config?: { nodes?: number } }).config?.nodes;
    if (space.name !== 'darts' || nodes === undefined)
      throw new Error(`FairDARTS runs on the DARTS space, not '${space.name}'`);
    super(net, fair, rng, space, 'FairDARTS');
    this.ops = ops;
    this.nodes = nodes;
  }

  /** σ(α): every op its own weight in [0, 1]. */
  protected override mixWeights(alpha: tf.Variable): tf.Tensor2D {
    return tf.sigmoid(alpha) as tf.Tensor2D;
  }

  /** L₀₁(σ(α)), unweighted, and its gradient in every α (aligned with `alphas`). */
  zeroOneGradients(): { value: tf.Scalar; grads: tf.Tensor[] } {
    const alphas = [...this.alphas.values()];
    const { value, grads } = tf.variableGrads(
      () =>
        zeroOneLoss(
          alphas.map((a) => tf.sigmoid(a)),
          this.fair.zeroOneLoss,
        ),
      alphas,
    );
    return { value, grads: alphas.map((a) => grads[a.name] ?? tf.zerosLike(a)) };
  }

  /** DARTS' α gradient of L_val plus w₀₁·∇L₀₁; reports L₀₁ before the step, unweighted (the reference's loss2). */
  protected override *alphaGradientPasses(train: Batch, val: Batch): DevicePasses<AlphaGradients> {
    const base = yield* super.alphaGradientPasses(train, val);
    const z = this.zeroOneGradients();
    const w01 = this.fair.zeroOneWeight;
    const grads = tf.tidy(() => base.grads.map((g, i) => g.add(z.grads[i].mul(w01))));
    tf.dispose([...base.grads, ...z.grads]);
    return { ...base, grads, extra: { zeroOneLoss: z.value } };
  }

  /** σ(α) for probabilities() and its read ahead on webgpu. */
  protected override get rowMap(): RowMap {
    return 'sigmoid';
  }

  /** The derivation with what the threshold kept per cell. */
  derivation(): FairDartsDerivation {
    return deriveFairDarts(
      this.probabilities(),
      this.ops,
      this.nodes,
      this.fair.parseMethod,
      this.fair.threshold,
    );
  }

  /** The threshold rule's genotype (Darts.derive returns it, or the collapse alarm's rollback). */
  protected override derivedNow(): Genotype {
    return this.derivation().genotype;
  }

  /**
   * Per epoch: how many edges pass the threshold in each cell (0 while the cell falls back), and the
   * collapse alarm's readings, on the σ(α) mix, when it is on.
   */
  override epochEnd(info: StepInfo): EpochEndResult {
    const d = this.derivation();
    const alarm = super.epochEnd(info);
    return {
      ...alarm,
      metrics: { ...alarm.metrics, keptEdgesNormal: d.kept.normal, keptEdgesReduce: d.kept.reduce },
    };
  }

  override architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'sigmoid', this.probabilities());
  }
}
