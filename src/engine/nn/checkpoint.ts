import * as tf from '../tf';
import type { ForwardContext } from './module';

/**
 * A segment of a network for `checkpoint`: computes its output from `inputs` (and from variables it
 * captures). `replay` is false on the forward pass and true when the segment is recomputed for the
 * backward pass; a replayed segment must compute exactly the same values and must not repeat side
 * effects (BatchNorm's running statistics: see ForwardContext.replay).
 */
export type Segment = (inputs: tf.Tensor[], replay: boolean) => tf.Tensor;

/**
 * Gradient checkpointing (recomputation): y = segment(inputs) whose backward pass keeps only the
 * segment's inputs. The forward runs inside tf.customGrad, where nothing is recorded on the tape, so
 * the segment's intermediates are freed as soon as it returns; the backward recomputes the segment
 * under a fresh tape and backpropagates dy through it. Costs one extra forward pass of the segment.
 *
 * `vars` must list every trainable variable the segment uses: they become explicit inputs of the
 * gradient graph so that tfjs routes their gradients (by tensor id) through it. They are given a node
 * of their own: y = J(A(inputs), B(vars)), where B outputs a scalar token and J passes A's value on
 * (saving nothing) and hands the full dy to B. tfjs calls B's gradient only when some variable is
 * differentiated, so a pass that wants only input gradients (DARTS's α step) skips the weight
 * gradients, as plain autodiff does. When both are wanted, B's recomputation yields the inputs'
 * gradients too and A reuses them: one recomputation per backward pass either way. (The backward
 * pass visits J, then B, then A: the reverse of the order they were recorded in.) Variables the
 * segment does not use get zero gradients.
 *
 * Without an active tape (inference, or a loss evaluated outside a gradient) the segment just runs.
 * Not for higher-order gradients (tf.grad of a tf.grad through a checkpoint): refused.
 */
export function checkpoint(segment: Segment, inputs: tf.Tensor[], vars: readonly tf.Variable[]): tf.Tensor {
  if (!tf.engine().isTapeOn()) return segment(inputs, false);
  const n = inputs.length;
  /** Input gradients computed by B's recomputation, for A to reuse. */
  let stash: tf.Tensor[] | null = null;
  /** The segment's output gradient, as J received it, for B. */
  let dyFull: tf.Tensor | null = null;
  type Custom = Parameters<typeof tf.customGrad>[0];
  const custom = (f: (...args: Array<tf.Tensor | tf.GradSaveFunc>) => unknown) =>
    tf.customGrad(f as unknown as Custom);

  const y = custom((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    save(xs);
    return {
      value: segment(xs, false),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        if (stash) {
          const g = stash;
          stash = null;
          return g;
        }
        return recomputeGradients(segment, saved, [], dy as tf.Tensor);
      },
    };
  })(...inputs);
  if (vars.length === 0) return y;

  const token = custom((...args) => {
    const save = args.pop() as tf.GradSaveFunc;
    save(inputs);
    return {
      value: tf.scalar(0),
      gradFunc: (_: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        if (!dyFull) throw new Error("checkpoint: the variables' gradient ran before the output's");
        const all = recomputeGradients(segment, saved, vars, dyFull);
        stash = all.slice(0, n);
        return all.slice(n);
      },
    };
  })(...vars);

  return custom((a, t) => ({
    value: (a as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
      dyFull = dy as tf.Tensor;
      return [dyFull.clone(), tf.zerosLike(t as tf.Tensor)];
    },
  }))(y, token);
}

/**
 * Gradients of segment(saved) · dy with respect to saved inputs and `vars` (zeros where the segment
 * does not depend on one), by recomputing the segment under a tape of its own.
 */
function recomputeGradients(
  segment: Segment,
  saved: tf.Tensor[],
  vars: readonly tf.Variable[],
  dy: tf.Tensor,
): tf.Tensor[] {
  const engine = tf.engine();
  if (engine.state.gradientDepth !== 0)
    throw new Error('checkpoint: higher-order gradients through a recomputed segment are not supported');
  // engine.gradients() below starts a tape of its own and, finishing at depth 0, disposes that tape and
  // clears state.activeTape; the outer backward pass (which is running us) still has to dispose the
  // tensors saved on its own tape at its end, so its tape is put back.
  const outerTape = engine.state.activeTape;
  try {
    return tf.tidy(() => {
      const xs = [...saved, ...vars];
      const { grads } = engine.gradients(() => segment(saved, true), xs, dy, true);
      return xs.map((x, i) => grads[i] ?? tf.zerosLike(x));
    });
  } finally {
    engine.state.activeTape = outerTape;
  }
}

/** The forward context of a segment's recomputation: the same context, marked as a replay. */
export function replayed(ctx: ForwardContext, replay: boolean): ForwardContext {
  return replay ? { ...ctx, replay: true } : ctx;
}

/**
 * op(x)·gate + offset recomputed in the backward pass (GDAS's straight-through scalars): the scalars
 * are inputs of the segment, so that the tape keeps one tensor per edge, not the op's output and its
 * scaled copy. `op` runs the option; `vars` are its parameters.
 */
export function checkpointGated(
  op: (x: tf.Tensor4D, replay: boolean) => tf.Tensor4D,
  x: tf.Tensor4D,
  vars: readonly tf.Variable[],
  gate?: tf.Scalar,
  offset?: tf.Scalar,
): tf.Tensor4D {
  const seg = (xs: tf.Tensor[], replay: boolean) => {
    const out = op(xs[0] as tf.Tensor4D, replay);
    const gated = gate ? out.mul(xs[1]) : out;
    return offset ? gated.add(xs[gate ? 2 : 1]) : gated;
  };
  return checkpoint(seg, [x, ...(gate ? [gate] : []), ...(offset ? [offset] : [])], vars) as tf.Tensor4D;
}
