import type * as tf from '../tf';
import { clipByGlobalNorm } from '../optim/clip';
import { cosineLr } from '../optim/schedule';
import { Sgd } from '../optim/sgd';
import type { NamedTensorState } from '../optim/state';

/** How a supernet's weights are trained (the DARTS reference's train_search.py defaults). */
export interface WeightTrainerConfig {
  weightLr: number;
  weightLrMin: number;
  weightMomentum: number;
  weightDecay: number;
  gradClip: number;
  /** Nesterov momentum (final training of NB201 and ProxylessNAS); off in every search. */
  weightNesterov?: boolean;
}

/**
 * The weight optimiser every weight-sharing strategy uses: SGD with momentum and L2 decay (PyTorch
 * semantics), the learning rate cosine-annealed per epoch from weightLr to weightLrMin, gradients
 * clipped to a global norm first (torch.nn.utils.clip_grad_norm_, before decay, as the references).
 */
export class WeightTrainer {
  readonly sgd: Sgd;
  private currentLr: number;

  constructor(
    readonly weights: tf.Variable[],
    readonly config: WeightTrainerConfig,
  ) {
    this.sgd = new Sgd(weights, {
      momentum: config.weightMomentum,
      weightDecay: config.weightDecay,
      nesterov: config.weightNesterov ?? false,
    });
    this.currentLr = config.weightLr;
  }

  get lr(): number {
    return this.currentLr;
  }

  /** Sets and returns the learning rate of an epoch (epoch 0 at the full rate). */
  startEpoch(epoch: number, totalEpochs: number): number {
    this.currentLr = cosineLr(this.config.weightLr, this.config.weightLrMin, epoch, totalEpochs);
    return this.currentLr;
  }

  /**
   * One update from gradients aligned with `weights` (not disposed). With `only`, just those weights
   * take part, clipping included (the others had no gradient: PyTorch's grad = None). Returns the
   * global gradient norm before clipping; call inside the caller's tf.tidy.
   */
  apply(grads: tf.Tensor[], only?: readonly number[]): tf.Scalar {
    const used = only ? only.map((i) => grads[i]) : grads;
    const clipped = clipByGlobalNorm(used, this.config.gradClip);
    let aligned = clipped.grads;
    if (only) {
      aligned = grads.slice();
      only.forEach((i, k) => (aligned[i] = clipped.grads[k]));
    }
    this.sgd.step(aligned, this.currentLr, only);
    return clipped.norm;
  }

  /** Momentum buffers as `sgd.momentum.<i>` and the current learning rate as `lr`. */
  getState(): NamedTensorState {
    const tensors: NamedTensorState['tensors'] = {};
    for (const [k, t] of Object.entries(this.sgd.getState().tensors)) tensors[`sgd.${k}`] = t;
    return { scalars: { lr: this.currentLr }, tensors };
  }

  setState(state: NamedTensorState): void {
    const sgd = Object.fromEntries(
      Object.entries(state.tensors)
        .filter(([k]) => k.startsWith('sgd.'))
        .map(([k, t]) => [k.slice('sgd.'.length), t]),
    );
    this.sgd.setState({ scalars: {}, tensors: sgd });
    this.currentLr = Number(state.scalars.lr ?? this.config.weightLr);
  }

  dispose(): void {
    this.sgd.dispose();
  }
}
