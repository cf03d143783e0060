import * as tf from '../tf';
import type { NamedTensorState } from './state';

export interface SgdConfig {
  momentum: number;
  weightDecay: number;
}

/**
 * SGD with momentum and L2 weight decay with PyTorch's semantics (the DARTS reference uses
 * torch.optim.SGD): g = grad + wd·w; buf = μ·buf + g (buf = g at the first step); w -= lr·buf.
 * The learning rate is passed per step so that a schedule lives outside the optimizer.
 */
export class Sgd {
  private readonly buffers = new Map<tf.Variable, tf.Variable>();
  constructor(
    private readonly vars: tf.Variable[],
    readonly config: SgdConfig,
  ) {}

  /** The momentum buffer of `v`, or null before its first step (DARTS' unrolled step reads it). */
  momentumBuffer(v: tf.Variable): tf.Tensor | null {
    return this.buffers.get(v) ?? null;
  }

  /** Applies one update; `grads` are aligned with the constructor's variables and are not disposed. */
  step(grads: tf.Tensor[], lr: number): void {
    const { momentum, weightDecay } = this.config;
    tf.tidy(() => {
      this.vars.forEach((v, i) => {
        let g = grads[i];
        if (weightDecay !== 0) g = g.add(v.mul(weightDecay));
        if (momentum !== 0) {
          const buf = this.buffers.get(v);
          if (buf) {
            buf.assign(buf.mul(momentum).add(g));
            g = buf;
          } else {
            const nb = tf.variable(g.clone(), false);
            tf.keep(nb);
            this.buffers.set(v, nb);
            g = nb;
          }
        }
        v.assign(v.sub(g.mul(lr)));
      });
    });
  }

  getState(): NamedTensorState {
    const tensors: NamedTensorState['tensors'] = {};
    this.vars.forEach((v, i) => {
      const b = this.buffers.get(v);
      if (b) tensors[`momentum.${i}`] = b;
    });
    return { scalars: {}, tensors };
  }

  setState(state: NamedTensorState): void {
    this.disposeBuffers();
    this.vars.forEach((v, i) => {
      const t = state.tensors[`momentum.${i}`];
      if (!t) return;
      if (!arraysEqual(t.shape, v.shape)) throw new Error(`SGD state momentum.${i}: shape ${t.shape} != ${v.shape}`);
      this.buffers.set(v, tf.variable(t.clone(), false));
    });
  }

  private disposeBuffers(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }

  dispose(): void {
    this.disposeBuffers();
  }
}

export function arraysEqual(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
