import * as tf from '../tf';
import { Module, type ForwardContext } from './module';
import type { GraphBuilder, GraphValue } from './export-graph';
import { installReluGradient } from '../ops/relu-grad';

// ReLU's gradient as one fused kernel where the backend has it (ops/relu-grad.ts).
installReluGradient();

export class ReLU extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.relu(x);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.relu(x);
  }
}

export class Identity extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    // A new handle, so that callers may dispose their output without disposing their input.
    return x.clone();
  }
  override emit(_g: GraphBuilder, x: GraphValue): GraphValue {
    return x;
  }
}

/** Zeros shaped like the op's output: strided like the reference's x[:, :, ::s, ::s].mul(0). */
export class Zero extends Module {
  constructor(private readonly stride: number) {
    super();
  }
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const s = this.stride;
    return tf.zeros([n, Math.ceil(h / s), Math.ceil(w / s), c]);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.zeros(x, this.stride);
  }
}

/** NHWC -> [N, C]. */
export class GlobalAvgPool extends Module {
  forward(x: tf.Tensor, _ctx?: ForwardContext): tf.Tensor {
    return tf.mean(x, [1, 2]);
  }
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    return g.globalAvgPool(x);
  }
}
