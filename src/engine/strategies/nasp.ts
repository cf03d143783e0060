import * as tf from '../tf';
import { backendReadsSynchronously } from '../backend/webgpu';
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
 */
export class Nasp implements SearchStrategy {
  readonly name = 'nasp';
  readonly alphas: ReadonlyMap<string, tf.Variable>;
  private readonly core: ArchTraining;
  /** Per label, the size penalty's weights [rows, options] (only when the penalty is on). */
  private readonly burden: Map<string, tf.Tensor2D> | null;

  constructor(
    private readonly net: Supernet,
    private readonly cfg: NaspConfig,
    private readonly space: SearchSpace,
  ) {
    if (!backendReadsSynchronously())
      throw new Error(
        `NASP cannot run on the ${tf.getBackend()} backend, which reads tensors only asynchronously: each step's weight update runs the discrete network of the α its α update has just changed, so the proximal step must read α on the host in the middle of the step. Use --backend wasm or cpu`,
      );
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

  /** The continuous α of every label as plain arrays. */
  alphaValues(): ChoiceWeights {
    const out: ChoiceWeights = {};
    for (const [label, a] of this.alphas) out[label] = a.arraySync() as number[][];
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
   * and restore(), whose gradient lands on the continuous α.
   */
  private atDiscretePoint(discrete: tf.Tensor2D[]): tf.Tensor2D[] {
    return [...this.alphas.values()].map((a, i) => {
      const frozen = tf.tensor(a.dataSync(), a.shape);
      return discrete[i].add(a.sub(frozen)) as tf.Tensor2D;
    });
  }

  /**
   * Loss and gradient of the continuous α, taken at its proximal point, on `batch`: every op of every
   * edge runs, weighted by its 0/1 entry (the reference's updateType "alphas"), so ops and edges that
   * are off get their gradient too. Aligned with the labels (a label the supernet does not use gets
   * zeros); call inside a tidy.
   */
  alphaGradients(batch: Batch): Gradients {
    const labels = this.space.choicePoints.map((cp) => cp.label);
    const discrete = this.discreteTensors(this.discrete());
    const alphas = [...this.alphas.values()];
    let logits: tf.Tensor2D | undefined;
    let penalty: tf.Scalar | undefined;
    let ce: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const w = this.atDiscretePoint(discrete);
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

  /** One α step on `batch`: Adam on the continuous α with the gradient at the discrete point, then the clip. */
  alphaStep(batch: Batch): tf.Scalar[] {
    const out = tf.tidy(() => {
      const r = this.alphaGradients(batch);
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
    const { epoch, totalEpochs } = ctx.info;
    const lr = this.core.trainer.startEpoch(epoch, totalEpochs);
    // α first, on a validation batch (train_search.py: architect.step, then model.clip()).
    const val = ctx.val();
    this.core.alarm.keepBatch(ctx.info, val);
    const a = this.alphaStep(val);
    // Then the weights on a training batch, on the projection of the updated α.
    const train = ctx.train();
    const choices = this.discrete();
    const w = tf.tidy(() => {
      const r = this.weightGradients(train, choices);
      const norm = this.core.trainer.apply(r.grads);
      return [r.loss, r.acc, norm];
    });
    const [valLoss, valAcc, sizePenalty, trainLoss, trainAcc, gradNorm] = [...a, ...w].map(
      (t) => t.dataSync()[0],
    );
    tf.dispose([...a, ...w]);
    return {
      metrics: {
        trainLoss,
        trainAcc,
        valLoss,
        valAcc,
        sizePenalty,
        gradNorm,
        lrWeights: lr,
        lrAlpha: this.cfg.alphaLr,
      },
    };
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
      alphas: [...this.alphas.values()],
      valLoss: mixedValLoss(this.net, this.alphas, (a) => a as tf.Tensor2D),
      derive: () => this.derivedNow(),
      weights: () => this.probabilities(),
      weightDecay: this.cfg.alphaWeightDecay,
    });
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
