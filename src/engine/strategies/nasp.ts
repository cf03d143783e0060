import * as tf from '../tf';
import { ArchTraining, mixedValLoss, searchStepsPerEpoch } from './arch-training';
import type { NamedTensorState } from '../optim/state';
import type { Choices, ChoiceWeights, SearchSpace } from '../search/space';
import { snapshotOf } from '../search/snapshot';
import { sampleAssignment, type ArchAssignment, type Supernet } from '../search/supernet';
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
import { readAwaiting, readNow, scalarMetrics, type HostReads } from '../search/host-reads';
import { accuracy, crossEntropy } from '../train/loss';
import { oneHotRows, proximalChoices, sizeBurden } from './nasp-proximal';
import type { NaspConfig } from './nasp-spec';

/** What a forward pass on a batch gave: the loss (and penalty), accuracy and the gradients asked for. */
interface Gradients {
  loss: tf.Scalar;
  acc: tf.Scalar;
  penalty: tf.Scalar;
  grads: tf.Tensor[];
}

/**
 * NASP (Yao et al., AAAI 2020): α lives in [0, 1]; before every forward pass the proximal step
 * projects it onto a discrete architecture (`proximalChoices`). Each step, as the reference's
 * train_search.py: α on a validation batch — the discrete α drives every op of every edge with weight
 * 0 or 1 (`mix`), so every entry gets the gradient of the loss at the discrete point, which Adam applies
 * to the continuous α, then clipped to [0, 1] — then the weights on a training batch, on the discrete
 * network of the updated α, where only the kept ops run (`sample`, −1 for edges that are off).
 *
 * Which ops the weight step runs depends on the α the α step has just changed, so the step reads α on
 * the host in its middle: it is a host-reads program (search/host-reads.ts), run by readNow in `step`
 * and by readAwaiting in `stepAsync` (webgpu).
 */
export class Nasp implements SearchStrategy {
  readonly name = 'nasp';
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  private readonly core: ArchTraining;
  /** Per label, the size penalty's weights [rows, options] (only when the penalty is on). */
  private readonly burden: Map<string, tf.Tensor2D> | null;
  /**
   * Per label, α's values as last read, with the data they were read from: an assign (Adam, the clip,
   * a restore, the alarm's Hessian moving α and putting it back) gives α new data, which makes them
   * stale. The step's second read (after the clip) is thus the next step's first, read once.
   */
  private readonly hostAlphas = new Map<string, { from: object; values: Float32Array }>();

  constructor(
    private readonly net: Supernet,
    private readonly cfg: NaspConfig,
    private readonly space: SearchSpace,
  ) {
    const alphas = new Map<string, tf.Variable>();
    for (const cp of space.choicePoints)
      alphas.set(cp.label, tf.variable(tf.fill([cp.rows.length, cp.options.length], cfg.alphaInit), true));
    this.alphas = alphas;
    this.core = new ArchTraining(net, space, [['alpha', this.alphas]], cfg, 'NASP');
    this.burden = cfg.sizePenalty > 0 ? this.sizeBurdens() : null;
  }

  private get weights(): tf.Variable[] {
    return this.core.weights;
  }

  /** Each option's share of its row's parameters, counted on this supernet (all cells of the label). */
  private sizeBurdens(): Map<string, tf.Tensor2D> {
    const out = new Map<string, tf.Tensor2D>();
    for (const cp of this.space.choicePoints) {
      const counts = cp.rows.map((_, e) =>
        cp.options.map((_, k) => this.net.optionParameters(cp.label, e, k).reduce((s, v) => s + v.size, 0)),
      );
      out.set(cp.label, tf.tensor2d(sizeBurden(counts), [cp.rows.length, cp.options.length]));
    }
    return out;
  }

  phases(budget: PhaseBudget): PhasePlan[] {
    return [
      {
        name: 'search',
        title: 'search (α at the discrete point, then the discrete network)',
        epochs: budget.epochs,
        stepsPerEpoch: searchStepsPerEpoch(budget),
      },
    ];
  }

  /** The continuous α of every label as plain arrays (read now; on webgpu only after prefetchHostReads). */
  alphaValues(): ChoiceWeights {
    return readNow(this.alphaReads());
  }

  /**
   * The continuous α of every label as a host-reads program: the labels whose values are stale, read
   * in one yield (none when α has not moved since the last read). The values are those arraySync gives.
   */
  private *alphaReads(): HostReads<ChoiceWeights> {
    const stale = [...this.alphas].filter(([label, a]) => this.hostAlphas.get(label)?.from !== a.dataId);
    if (stale.length) {
      const values = yield stale.map(([, a]) => a);
      // A copy: on the cpu backend dataSync returns the backend's own storage.
      stale.forEach(([label, a], i) =>
        this.hostAlphas.set(label, { from: a.dataId, values: Float32Array.from(values[i]) }),
      );
    }
    // Fresh arrays on every call, so that a caller changing them leaves the cache alone.
    const out: ChoiceWeights = {};
    for (const [label, a] of this.alphas) {
      const { values } = this.hostAlphas.get(label) as { values: Float32Array };
      const options = a.shape[1] as number;
      out[label] = Array.from({ length: a.shape[0] }, (_, r) =>
        Array.from(values.subarray(r * options, (r + 1) * options)),
      );
    }
    return out;
  }

  /** The proximal step of the current α: one option per row, −1 for rows that are off. */
  discrete(): Choices {
    return proximalChoices(this.space, this.alphaValues());
  }

  /** The discrete α as tensors [rows, options] in label order (0/1 entries, all-zero rows where off). */
  private discreteTensors(choices: Choices): tf.Tensor2D[] {
    return this.space.choicePoints.map((cp) =>
      tf.tensor2d(oneHotRows(choices[cp.label], cp.options.length), [cp.rows.length, cp.options.length]),
    );
  }

  /** sizePenalty·Σ burden·ᾱ² over the labels (model_search.py `_l2_loss`), zero when off. */
  private penalty(discrete: tf.Tensor2D[]): tf.Scalar {
    if (!this.burden) return tf.scalar(0);
    const terms = this.space.choicePoints.map((cp, i) =>
      discrete[i]
        .square()
        .mul(this.burden!.get(cp.label) as tf.Tensor2D)
        .sum(),
    );
    return tf.addN(terms).mul(this.cfg.sizePenalty) as tf.Scalar;
  }

  /**
   * The discrete α as a differentiable function of the continuous α: ᾱ + (α − α₀) with α₀ a constant
   * copy of α. Its value is exactly ᾱ (α − α₀ is exactly 0) and its gradient with respect to α is the
   * identity, so ∂L/∂α here is ∂L/∂ᾱ at the discrete point — the reference's binarization(), backward
   * and restore(), whose gradient lands on the continuous α. α₀ is built from `alpha`, α's values read
   * on the host (the same float32 values, so no device read here).
   */
  private atDiscretePoint(discrete: tf.Tensor2D[], alpha: ChoiceWeights): tf.Tensor2D[] {
    return [...this.alphas].map(([label, a], i) => {
      const frozen = tf.tensor2d(alpha[label], a.shape as [number, number]);
      return discrete[i].add(a.sub(frozen)) as tf.Tensor2D;
    });
  }

  /**
   * Loss and gradient of the continuous α, taken at its proximal point, on `batch`: every op of every
   * edge runs, weighted by its 0/1 entry (the reference's updateType "alphas"), so ops and edges that
   * are off get their gradient too. Aligned with the labels (a label the supernet does not use gets
   * zeros); call inside a tidy. `alpha`: α's current values on the host (read now when not given).
   */
  alphaGradients(batch: Batch, alpha: ChoiceWeights = this.alphaValues()): Gradients {
    const labels = this.space.choicePoints.map((cp) => cp.label);
    const discrete = this.discreteTensors(proximalChoices(this.space, alpha));
    const alphas = [...this.alphas.values()];
    let logits: tf.Tensor2D | undefined;
    let penalty: tf.Scalar | undefined;
    let ce: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const w = this.atDiscretePoint(discrete, alpha);
      const arch: ArchAssignment = {};
      labels.forEach((l, i) => (arch[l] = { kind: 'mix', weights: w[i] }));
      logits = tf.keep(this.net.logits(batch.x, arch, { training: true }));
      penalty = tf.keep(this.penalty(w));
      ce = tf.keep(crossEntropy(logits, batch.y));
      return ce.add(penalty) as tf.Scalar;
    }, alphas);
    value.dispose();
    const acc = accuracy(logits as tf.Tensor2D, batch.y);
    (logits as tf.Tensor2D).dispose();
    return {
      loss: ce as tf.Scalar,
      acc,
      penalty: penalty as tf.Scalar,
      grads: alphas.map((a) => grads[a.name] ?? tf.zerosLike(a)),
    };
  }

  /** Loss and the weights' gradients of the discrete network `choices` on `batch` (unused weights: zeros). */
  weightGradients(batch: Batch, choices: Choices): Gradients {
    let logits: tf.Tensor2D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      logits = tf.keep(this.net.logits(batch.x, sampleAssignment(choices), { training: true }));
      return crossEntropy(logits, batch.y);
    }, this.weights);
    const acc = accuracy(logits as tf.Tensor2D, batch.y);
    (logits as tf.Tensor2D).dispose();
    return {
      loss: value,
      acc,
      penalty: tf.scalar(0),
      grads: this.weights.map((v) => grads[v.name] ?? tf.zerosLike(v)),
    };
  }

  /**
   * One α step on `batch`: Adam on the continuous α with the gradient at the discrete point, then the
   * clip. `alpha`: α's current values on the host (read now when not given). Returns the loss, the
   * accuracy and the penalty.
   */
  alphaStep(batch: Batch, alpha: ChoiceWeights = this.alphaValues()): tf.Scalar[] {
    const out = tf.tidy(() => {
      const r = this.alphaGradients(batch, alpha);
      this.core.arch.step(r.grads, this.cfg.alphaLr);
      return [r.loss, r.acc, r.penalty];
    });
    this.clip();
    return out;
  }

  /** α back into [0, 1] (model_search.py clip(), a Hardtanh(0, 1)). */
  clip(): void {
    tf.tidy(() => {
      for (const a of this.alphas.values()) a.assign(tf.clipByValue(a, 0, 1));
    });
  }

  step(ctx: StepContext): StepResult {
    return readNow(this.stepReads(ctx));
  }

  /** The same step with its α reads awaited (webgpu; see SearchStrategy.stepAsync). */
  async stepAsync(ctx: StepContext): Promise<StepResult> {
    return readAwaiting(this.stepReads(ctx));
  }

  /**
   * One step as a host-reads program. Its reads: α before the α step (cached from the previous
   * step's end unless α was assigned since), whose proximal point the α step runs, and α after the
   * clip, whose proximal point picks the ops the weight step runs. The metrics come at the end
   * (scalarMetrics: read now on cpu/wasm/tensorflow, at the step boundary on webgpu).
   */
  private *stepReads(ctx: StepContext): HostReads<StepResult> {
    const { epoch, totalEpochs } = ctx.info;
    const lr = this.core.trainer.startEpoch(epoch, totalEpochs);
    // α first, on a validation batch (train_search.py: architect.step, then model.clip()).
    const val = ctx.val();
    this.core.alarm.keepBatch(ctx.info, val);
    const [valLoss, valAcc, sizePenalty] = this.alphaStep(val, yield* this.alphaReads());
    // Then the weights on a training batch, on the projection of the updated α.
    const train = ctx.train();
    const choices = proximalChoices(this.space, yield* this.alphaReads());
    const [trainLoss, trainAcc, gradNorm] = tf.tidy(() => {
      const r = this.weightGradients(train, choices);
      const norm = this.core.trainer.apply(r.grads);
      return [r.loss, r.acc, norm];
    });
    return scalarMetrics([
      ['trainLoss', trainLoss],
      ['trainAcc', trainAcc],
      ['valLoss', valLoss],
      ['valAcc', valAcc],
      ['sizePenalty', sizePenalty],
      ['gradNorm', gradNorm],
      ['lrWeights', lr],
      ['lrAlpha', this.cfg.alphaLr],
    ]);
  }

  /**
   * The collapse alarm's readings: the Hessian w.r.t. α of the validation cross-entropy of the
   * supernet mixed by the continuous α itself (every op of every edge weighted by its α entry, no
   * softmax: NASP's mix, as its binarised forward weights ops by α's entries). Not at the proximal
   * point: there the loss as a function of α is piecewise constant in the projection (a ±εv step
   * flips the argmax wherever entries tie, and all tie at the start). The continuous α is the state
   * the search accumulates, and RobustDARTS' argument is the curvature there: a sharp point loses
   * more when projected onto the discrete architecture. The size penalty is left out (a known
   * function of α, not the data loss), the α weight decay is added as for DARTS. BatchNorm
   * statistics are left alone.
   */
  epochEnd(info: StepInfo): EpochEndResult {
    return this.core.alarm.epochEnd(info, {
      ...this.alarmLoss(),
      derive: () => this.derivedNow(),
      weights: () => this.probabilities(),
      weightDecay: this.cfg.alphaWeightDecay,
    });
  }

  private alarmLoss() {
    return {
      alphas: [...this.alphas.values()],
      valLoss: mixedValLoss(this.net, this.alphas, (a) => a as tf.Tensor2D),
    };
  }

  /**
   * What the epoch end reads, read ahead on webgpu: the alarm's reading when one is due (it moves α
   * and puts it back, so it goes first), softmax(α), and α itself (the proximal derivation's input;
   * usually still on the host from the step's end).
   */
  async prefetchHostReads(): Promise<void> {
    await this.core.prefetchHostReads(this.alarmLoss());
    await readAwaiting(this.alphaReads());
  }

  /** softmax(α) of every label, what the reference's genotype() ranks. */
  probabilities(): ChoiceWeights {
    return this.core.arch.softmax();
  }

  /**
   * The reference's genotype(): the space's rule on softmax(α) (`derive: 'softmax'`), or the proximal
   * architecture itself, the rule on α (`derive: 'proximal'`). Per edge both pick the same op; on DARTS
   * cells the ranking of a node's inputs can differ, since softmax compares rows by their normalised
   * weight. After a collapse alarm's Hessian stop: the genotype of its stop epoch.
   */
  derive(): unknown {
    return this.core.alarm.rollback() ?? this.derivedNow();
  }

  private derivedNow(): unknown {
    return this.space.derive(this.cfg.derive === 'proximal' ? this.alphaValues() : this.probabilities());
  }

  architecture(): ArchSnapshot {
    return snapshotOf(this.space, 'softmax', this.probabilities());
  }

  getState(): NamedTensorState {
    return this.core.getState();
  }

  setState(state: NamedTensorState): void {
    this.core.setState(state);
  }

  dispose(): void {
    this.core.dispose();
    if (this.burden) tf.dispose([...this.burden.values()]);
  }
}
