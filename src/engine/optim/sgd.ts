import * as tf from '../tf';
import type { NamedTensorState } from './state';
import { linearCombination } from '../ops/multi-tensor';

export interface SgdConfig {
  momentum: number;
  weightDecay: number;
  /**
   * Nesterov momentum as torch.optim.SGD(nesterov=True): the step direction is d + μ·buf (d the
   * decayed gradient, buf already updated) instead of buf. The NB201 and ProxylessNAS final training use it.
   */
  nesterov?: boolean;
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

  /**
   * Applies one update; `grads` are aligned with the constructor's variables and are not disposed (only
   * those of `only` are read when it is given). All parameters at once (ops/multi-tensor.ts):
   * buf = μ·buf + grad + wd·w, then w = w − lr·buf.
   */
  step(grads: tf.Tensor[], lr: number, only?: readonly number[]): void {
    const { momentum, weightDecay } = this.config;
    const vars = this.vars;
    // grad + wd·w (L2 decay), plus μ·buf for the variables that have a buffer.
    const decayed = (idx: number[], extra: [tf.Tensor[], number][]) =>
      linearCombination(
        [
          ...extra.map(([t]) => t),
          idx.map((i) => grads[i]),
          ...(weightDecay !== 0 ? [idx.map((i) => vars[i])] : []),
        ],
        [...extra.map(([, c]) => c), 1, ...(weightDecay !== 0 ? [weightDecay] : [])],
      );
    tf.tidy(() => {
      // `only`: the variables that take part in this step (the others have no gradient, as PyTorch's
      // grad = None: no decay, no momentum, they do not move). `grads` stays aligned with all variables.
      const all = only ? [...only] : vars.map((_, i) => i);
      let direction: tf.Tensor[];
      if (momentum === 0) direction = decayed(all, []);
      else {
        const [withBuf, fresh] = [
          all.filter((i) => this.buffers.has(vars[i])),
          all.filter((i) => !this.buffers.has(vars[i])),
        ];
        const bufs = withBuf.map((i) => this.buffers.get(vars[i]) as tf.Variable);
        decayed(withBuf, [[bufs, momentum]]).forEach((t, k) => bufs[k].assign(t));
        decayed(fresh, []).forEach((t, k) => {
          // The first step's buffer is the gradient itself (PyTorch).
          const nb = tf.variable(t, false);
          tf.keep(nb);
          this.buffers.set(vars[fresh[k]], nb);
        });
        direction = all.map((i) => this.buffers.get(vars[i]) as tf.Variable);
        if (this.config.nesterov) {
          const bufsNow = direction;
          direction = decayed(all, [[bufsNow, momentum]]);
        }
      }
      const moving = only ? all.map((i) => vars[i]) : vars;
      linearCombination([moving, direction], [1, -lr]).forEach((t, k) => moving[k].assign(t));
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
      if (!arraysEqual(t.shape, v.shape))
        throw new Error(`SGD state momentum.${i}: shape ${t.shape} != ${v.shape}`);
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
