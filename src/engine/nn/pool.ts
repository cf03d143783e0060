import * as tf from '../tf';
import { Module, type ForwardContext } from './module';
import { symmetricPad } from './conv';
import type { GraphBuilder, GraphValue } from './export-graph';

/** Max pooling with PyTorch's symmetric padding (padded positions never win). */
export class MaxPool extends Module {
  constructor(
    readonly k: number,
    readonly stride: number,
    readonly padding: number,
  ) {
    super();
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.maxPool(x as tf.Tensor4D, this.k, this.stride, this.padding, 'floor');
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const p = this.padding;
    return g.pool(x, { kind: 'max', kernel: this.k, stride: this.stride, pads: [p, p, p, p] });
  }
}

/**
 * Average pooling with PyTorch's count_include_pad=False: each output divides by the number of real
 * (unpadded) inputs in its window. Built as a valid average over the zero-padded input, rescaled by
 * k²/count, so that forward and gradient agree (tfjs's own avgPool gradient divides by k² everywhere).
 */
export class AvgPool extends Module {
  constructor(
    readonly k: number,
    readonly stride: number,
    readonly padding: number,
  ) {
    super();
  }

  /**
   * k² / (number of unpadded inputs) per output position, [1, outH, outW, 1]. Made per call (a few
   * hundred floats) rather than cached: a cache filled the first time a sampled path runs a pool
   * would look like a leak to the tensor-count tests of sampling strategies.
   */
  private scale(h: number, w: number): tf.Tensor {
    const { k, stride, padding: p } = this;
    const outH = Math.floor((h + 2 * p - k) / stride) + 1;
    const outW = Math.floor((w + 2 * p - k) / stride) + 1;
    const count = (o: number, size: number) =>
      Math.min(o * stride - p + k, size) - Math.max(o * stride - p, 0);
    const data = new Float32Array(outH * outW);
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++) data[i * outW + j] = (k * k) / (count(i, h) * count(j, w));
    return tf.tensor4d(data, [1, outH, outW, 1]);
  }

  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const [, h, w] = x.shape;
    const y = tf.avgPool(symmetricPad(x as tf.Tensor4D, this.padding), this.k, this.stride, 'valid');
    return this.padding > 0 ? y.mul(this.scale(h, w)) : y;
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const p = this.padding;
    const pads: [number, number, number, number] = [p, p, p, p];
    return g.pool(x, { kind: 'avg', kernel: this.k, stride: this.stride, pads, countIncludePad: false });
  }
}
