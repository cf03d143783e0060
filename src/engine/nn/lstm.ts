import * as tf from '../tf';
import type { Rng } from '../util/rng';
import { Module } from './module';

/**
 * Uniform(−r, r) initialisation, the ENAS controllers' (melodyguan/enas micro_controller.py:
 * random_uniform_initializer(−0.1, 0.1); carpedm20/ENAS-pytorch Controller.reset_parameters: 0.1).
 */
export function uniformInit(shape: number[], range: number, rng: Rng): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(n, -range, range), shape);
}

/** An LSTM's state: hidden h and cell c, each [batch, hidden]. */
export interface LstmState {
  h: tf.Tensor2D;
  c: tf.Tensor2D;
}

/**
 * One LSTM cell with PyTorch's semantics (torch.nn.LSTMCell), in PyTorch's layout so that a state
 * dict maps one to one: `weight_ih` [4H, in], `weight_hh` [4H, H], `bias_ih` [4H], `bias_hh` [4H].
 * With gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh split in the order (i, f, g, o):
 *   i = σ(gᵢ), f = σ(g_f), g = tanh(g_g), o = σ(g_o);  c' = f·c + i·g;  h' = o·tanh(c').
 * (The TF reference's stack_lstm has one unbiased [2H, 4H] matrix in the order i, f, o, g: the same
 * function family; we keep PyTorch's, the second reference's.)
 */
export class LstmCell extends Module {
  readonly weightIh: tf.Variable;
  readonly weightHh: tf.Variable;
  readonly biasIh: tf.Variable;
  readonly biasHh: tf.Variable;

  constructor(
    readonly inputSize: number,
    readonly hiddenSize: number,
    rng: Rng,
    initRange = 0.1,
  ) {
    super();
    const H4 = 4 * hiddenSize;
    this.weightIh = this.addParam('weight_ih', uniformInit([H4, inputSize], initRange, rng));
    this.weightHh = this.addParam('weight_hh', uniformInit([H4, hiddenSize], initRange, rng));
    this.biasIh = this.addParam('bias_ih', uniformInit([H4], initRange, rng));
    this.biasHh = this.addParam('bias_hh', uniformInit([H4], initRange, rng));
  }

  /** A zero state for `batch` rows. */
  zeroState(batch = 1): LstmState {
    return { h: tf.zeros([batch, this.hiddenSize]), c: tf.zeros([batch, this.hiddenSize]) };
  }

  step(x: tf.Tensor2D, state: LstmState): LstmState {
    const H = this.hiddenSize;
    const gates = tf
      .matMul(x, this.weightIh as tf.Tensor2D, false, true)
      .add(tf.matMul(state.h, this.weightHh as tf.Tensor2D, false, true))
      .add(this.biasIh)
      .add(this.biasHh) as tf.Tensor2D;
    const [gi, gf, gg, go] = tf.split(gates, [H, H, H, H], 1);
    const c = tf
      .sigmoid(gf)
      .mul(state.c)
      .add(tf.sigmoid(gi).mul(tf.tanh(gg))) as tf.Tensor2D;
    const h = tf.sigmoid(go).mul(tf.tanh(c)) as tf.Tensor2D;
    return { h, c };
  }

  forward(): tf.Tensor {
    throw new Error('LstmCell is driven through step(x, state)');
  }
}

/**
 * Stacked LSTM cells (torch.nn.LSTM's layers, one time step at a time): layer l's input is layer
 * l−1's new h; the output is the top layer's h. States are one per layer, bottom first.
 */
export class StackedLstm extends Module {
  readonly cells: LstmCell[];

  constructor(inputSize: number, hiddenSize: number, layers: number, rng: Rng, initRange = 0.1) {
    super();
    if (!(Number.isInteger(layers) && layers >= 1))
      throw new Error(`an LSTM needs at least one layer, got ${layers}`);
    this.cells = Array.from({ length: layers }, (_, l) =>
      this.addChild(`layer_${l}`, new LstmCell(l === 0 ? inputSize : hiddenSize, hiddenSize, rng, initRange)),
    );
  }

  zeroState(batch = 1): LstmState[] {
    return this.cells.map((c) => c.zeroState(batch));
  }

  step(x: tf.Tensor2D, states: readonly LstmState[]): { output: tf.Tensor2D; states: LstmState[] } {
    const next: LstmState[] = [];
    let input = x;
    this.cells.forEach((cell, l) => {
      const s = cell.step(input, states[l]);
      next.push(s);
      input = s.h;
    });
    return { output: input, states: next };
  }

  forward(): tf.Tensor {
    throw new Error('StackedLstm is driven through step(x, states)');
  }
}

/** A lookup table (torch.nn.Embedding): `weight` [count, dim]; row k is token k's vector. */
export class Embedding extends Module {
  readonly weight: tf.Variable;
  constructor(
    readonly count: number,
    readonly dim: number,
    rng: Rng,
    initRange = 0.1,
  ) {
    super();
    this.weight = this.addParam('weight', uniformInit([count, dim], initRange, rng));
  }

  /** Row k as [1, dim]. */
  row(k: number): tf.Tensor2D {
    if (!(Number.isInteger(k) && k >= 0 && k < this.count))
      throw new Error(`embedding has rows 0..${this.count - 1}, asked for ${k}`);
    // A slice, not a gather: its gradient is a pad, which every backend has (gather's needs
    // UnsortedSegmentSum, which the wasm backend lacks).
    return tf.slice(this.weight, [k, 0], [1, this.dim]) as tf.Tensor2D;
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.gather(this.weight, x.toInt());
  }
}

/**
 * Additive attention over earlier controller states, ENAS's pointer for input choices
 * (micro_controller.py: query = tanh(anchors·W1 + h·W2)·v): logit_i = vᵀ·tanh(W1ᵀ·a_i + W2ᵀ·h) for
 * anchors a_i [n, H] and the current state h [1, H]. `w1`, `w2` [H, H], `v` [H, 1] (the reference's
 * layout: row vectors times matrices). `keys` (a·W1) can be computed once per anchor, as the reference does.
 */
export class AdditiveAttention extends Module {
  readonly w1: tf.Variable;
  readonly w2: tf.Variable;
  readonly v: tf.Variable;
  constructor(
    readonly hiddenSize: number,
    rng: Rng,
    initRange = 0.1,
  ) {
    super();
    this.w1 = this.addParam('w_1', uniformInit([hiddenSize, hiddenSize], initRange, rng));
    this.w2 = this.addParam('w_2', uniformInit([hiddenSize, hiddenSize], initRange, rng));
    this.v = this.addParam('v', uniformInit([hiddenSize, 1], initRange, rng));
  }

  /** a·W1 for anchors [n, H]. */
  keys(anchors: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(anchors, this.w1 as tf.Tensor2D);
  }

  /** Logits [1, n] of the n anchors whose keys are given, for the query state h [1, H]. */
  logits(keys: tf.Tensor2D, h: tf.Tensor2D): tf.Tensor2D {
    const q = tf.tanh(keys.add(tf.matMul(h, this.w2 as tf.Tensor2D)));
    return tf.matMul(q, this.v as tf.Tensor2D).reshape([1, keys.shape[0]]) as tf.Tensor2D;
  }

  forward(): tf.Tensor {
    throw new Error('AdditiveAttention is driven through keys() and logits()');
  }
}
