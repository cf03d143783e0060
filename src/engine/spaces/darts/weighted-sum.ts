import * as tf from '../../tf';

/**
 * y = Σ_i w[index_i] · outputs_i with a hand-written gradient. Autodiff would keep every product
 * w_k·o_k of every edge for the backward pass; this keeps only the op outputs (needed anyway) and w:
 * ∂/∂o_i = w[index_i]·dy, ∂/∂w[k] = Σ dy·o_i for the output with index k, 0 for weights of skipped ops
 * ('none'). Tested against autodiff (weighted-sum.test.ts).
 */
export function weightedSum(outputs: tf.Tensor[], w: tf.Tensor1D, index: readonly number[]): tf.Tensor {
  const K = w.shape[0];
  const f = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args.pop() as tf.GradSaveFunc;
    const weights = args.pop() as tf.Tensor1D;
    const outs = args as tf.Tensor[];
    const scalars = tf.unstack(weights);
    const value = tf.addN(outs.map((o, i) => o.mul(scalars[index[i]])));
    save([weights, ...outs]);
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor;
        const [ws, ...os] = saved;
        const wsc = tf.unstack(ws);
        const perWeight: tf.Tensor[] = Array.from({ length: K }, () => tf.scalar(0));
        os.forEach((o, i) => (perWeight[index[i]] = g.mul(o).sum()));
        return [...os.map((_, i) => g.mul(wsc[index[i]])), tf.stack(perWeight)];
      },
    };
  };
  return tf.customGrad(f as unknown as Parameters<typeof tf.customGrad>[0])(...outputs, w);
}
