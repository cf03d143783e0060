import * as tf from '../tf';
import type { NamedTensorState } from './state';
import { arraysEqual } from './sgd';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/**
 * Adam with PyTorch's semantics (torch.optim.Adam, as the DARTS reference uses for α): L2 weight decay
 * is added to the gradient (not decoupled), bias-corrected moments, eps added after the square root.
 */
/** A non-trainable zero variable shaped like x; its initial tensor is disposed (else it outlives the optimiser). */
function zerosVariable(x: tf.Variable): tf.Variable {
  const zeros = tf.zerosLike(x);
  const v = tf.variable(zeros, false);
  zeros.dispose();
  return v;
}

export class Adam {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly vars: tf.Variable[],
    readonly config: AdamConfig,
  ) {
    this.m = vars.map(zerosVariable);
    this.v = vars.map(zerosVariable);
  }

  get stepCount(): number {
    return this.t;
  }

  step(grads: tf.Tensor[], lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    this.t += 1;
    const bc1 = 1 - beta1 ** this.t;
    const bc2 = 1 - beta2 ** this.t;
    tf.tidy(() => {
      this.vars.forEach((x, i) => {
        let g = grads[i];
        if (weightDecay !== 0) g = g.add(x.mul(weightDecay));
        this.m[i].assign(this.m[i].mul(beta1).add(g.mul(1 - beta1)));
        this.v[i].assign(this.v[i].mul(beta2).add(g.square().mul(1 - beta2)));
        const denom = this.v[i].div(bc2).sqrt().add(eps);
        x.assign(x.sub(this.m[i].div(denom).mul(lr / bc1)));
      });
    });
  }

  getState(): NamedTensorState {
    const tensors: NamedTensorState['tensors'] = {};
    this.vars.forEach((_, i) => {
      tensors[`m.${i}`] = this.m[i];
      tensors[`v.${i}`] = this.v[i];
    });
    return { scalars: { t: this.t }, tensors };
  }

  setState(state: NamedTensorState): void {
    this.t = Number(state.scalars.t ?? 0);
    this.vars.forEach((x, i) => {
      for (const [key, slot] of [
        [`m.${i}`, this.m[i]],
        [`v.${i}`, this.v[i]],
      ] as const) {
        const t = state.tensors[key];
        if (!t) throw new Error(`Adam state is missing ${key}`);
        if (!arraysEqual(t.shape, x.shape))
          throw new Error(`Adam state ${key}: shape ${t.shape} != ${x.shape}`);
        slot.assign(t);
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
