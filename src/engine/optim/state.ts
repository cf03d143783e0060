import type * as tf from '../tf';

/** Serialisable optimizer/strategy state: JSON scalars plus named tensors (saved as safetensors). */
export interface NamedTensorState {
  scalars: Record<string, number | number[] | string | boolean | null>;
  tensors: Record<string, tf.Tensor>;
}
