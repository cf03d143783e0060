import type * as tf from '../tf';
import { Module, type ForwardContext } from '../nn/module';
import type { Rng } from '../util/rng';
import type { InputShape, SearchSpace } from './space';

/**
 * How a strategy drives one label's decisions in a forward pass (NNI-style: a strategy never touches
 * the network's internals).
 * - `mix`: row e outputs Σ_k weights[e,k]·op_k(x) (DARTS softmax, FairDARTS sigmoid, SNAS relaxed
 *   samples); `channelFraction` 1/K runs the ops on that share of the channels (PC-DARTS: the first
 *   C/K channels go through the ops, the rest bypass them, then a channel shuffle with K groups);
 *   `edgeWeights` [rows] scales row e's whole output by edgeWeights[e] (PC-DARTS's edge normalisation).
 * - `sample`: row e runs only option ops[e] (-1: the row is off and contributes nothing); with `gate`
 *   its output is scaled by gate[e] (GDAS's straight-through one-hot weight, so gradients reach α),
 *   else it is the bare option (SPOS, random search); with `offset` the scalar offset[e] is added to
 *   every element of row e's output (GDAS's unchosen weights Σ_{j≠k} h[e,j]: value 0, but their
 *   gradient reaches every α of the row).
 *   `skipDropout` drops out the output of every identity skip op (stride 1) before it is weighted
 *   (P-DARTS's dropout after skip connections), each element with probability `rate`, the survivors
 *   scaled by 1/(1 − rate); the masks are a function of `seed` and the op's place in the network, so
 *   a recomputed segment replays them.
 * Absent optional fields change nothing: the supernet computes exactly what it computes without them.
 */
export type Assignment =
  | {
      kind: 'mix';
      weights: tf.Tensor2D;
      channelFraction?: number;
      edgeWeights?: tf.Tensor1D;
      skipDropout?: SkipDropout;
    }
  | { kind: 'sample'; ops: readonly number[]; gate?: tf.Tensor1D; offset?: tf.Tensor1D };

/** Dropout after identity skip ops (see Assignment): drop probability in [0, 1) and a mask seed. */
export interface SkipDropout {
  rate: number;
  seed: number;
}

/** One assignment per label of the space's choice points. */
export type ArchAssignment = Record<string, Assignment>;

/** The weight-sharing network of a space. Its named state is what checkpoints store as `network.*`. */
export abstract class Supernet extends Module {
  /** Logits [N, classes] for x [N, H, W, C] under one assignment per label. */
  abstract logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D;
  /**
   * The trainable parameters behind one option of one row (empty for parameter-free options): what a
   * sub-network owns (SPOS keeps the others still; RLNAS's angle metric reads them).
   */
  abstract optionParameters(label: string, row: number, option: number): tf.Variable[];
  /** Trainable parameters outside every choice (stem, cell-input adapters, classifier). */
  abstract sharedParameters(): tf.Variable[];

  forward(): tf.Tensor {
    throw new Error('a supernet needs an architecture assignment: call logits(x, arch, ctx)');
  }
}

/** The tensor side of a space, registered beside its spec (spaces/registry.ts). */
export interface SpaceNetworks<A = unknown> {
  supernet(space: SearchSpace<A>, shape: InputShape, rng: Rng): Supernet;
  /** The stand-alone network of one architecture; `options` is the space's final-network config (e.g. DARTS: channels, layers, auxiliary). */
  buildFinal(space: SearchSpace<A>, arch: A, shape: InputShape, rng: Rng, options?: unknown): FinalNetwork;
}

/** The sample assignment of a discrete architecture: every label runs its chosen options only. */
export function sampleAssignment(choices: Record<string, number[]>): ArchAssignment {
  return Object.fromEntries(Object.entries(choices).map(([label, ops]) => [label, { kind: 'sample', ops }]));
}

/**
 * A discrete architecture as its own network, for final training (the space's evaluation network):
 * `forward(x, ctx)` returns logits; `run` also returns the auxiliary head's logits where there is one.
 */
export interface FinalNetwork extends Module {
  run(
    x: tf.Tensor4D,
    ctx: ForwardContext & { dropPathProb?: number; rng?: Rng },
  ): { logits: tf.Tensor2D; auxLogits: tf.Tensor2D | null };
}

/**
 * What a forward pass of a language model may use besides `training`: the generator its dropout masks
 * are drawn from (the loop's checkpointed one, so a resumed run draws the same masks). Without `rng`
 * no dropout is applied, whatever `training` says.
 */
export interface LmForwardContext extends ForwardContext {
  rng?: Rng;
}

/**
 * The language-model side of a supernet (a text space such as enas-rnn): next-token logits for a BPTT
 * window. `hidden` is the state carried from the previous window ([batch, hiddenSize]); the returned
 * `hidden` is the state after the window's last token, for the next window (the caller detaches and
 * keeps it: train/language-model.ts HiddenCarry). `logits` are [batch·len, vocab] in batch-major
 * order (row b·len + t is stream b, token t), aligned with the window's targets flattened the same way.
 */
export interface LanguageModelNet {
  readonly vocabSize: number;
  readonly hiddenSize: number;
  initHidden(batch: number): tf.Tensor2D;
}

export interface LanguageModelSupernet extends Supernet, LanguageModelNet {
  lmLogits(
    x: tf.Tensor2D,
    hidden: tf.Tensor2D,
    arch: ArchAssignment,
    ctx: LmForwardContext,
  ): { logits: tf.Tensor2D; hidden: tf.Tensor2D };
}

/** A language model of one architecture (a text space's final network). */
export interface LanguageModelNetwork extends FinalNetwork, LanguageModelNet {
  lmForward(
    x: tf.Tensor2D,
    hidden: tf.Tensor2D,
    ctx: LmForwardContext,
  ): {
    logits: tf.Tensor2D;
    hidden: tf.Tensor2D;
    /** The cell's output at every token before output dropout, [batch, len, hidden] (a regulariser reads it). */
    outputs?: tf.Tensor3D;
  };
}

export function isLanguageModel(net: Supernet): net is LanguageModelSupernet {
  return typeof (net as Partial<LanguageModelSupernet>).lmLogits === 'function';
}
