import * as tf from '../tf';
import type { Rng } from '../util/rng';

/**
 * PyTorch's default initialisation of conv and linear weights and biases (kaiming_uniform with
 * a = √5, which reduces to U(−1/√fan_in, 1/√fan_in)), drawn from the engine's seeded Rng.
 */
export function uniformFanIn(shape: number[], fanIn: number, rng: Rng): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(rng.fillUniform(n, -bound, bound), shape);
}
