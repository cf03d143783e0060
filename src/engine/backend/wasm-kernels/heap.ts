import * as tf from '../../tf';

/** The parts of tfjs-backend-wasm that locate a tensor's data in its memory. */
export interface WasmHeap {
  dataIdMap: { get(dataId: unknown): { memoryOffset: number } };
  wasm: { HEAPF32: Float32Array };
}

/** Byte offset of a tensor's data in the wasm memory. */
export const offsetOf = (b: WasmHeap, t: tf.TensorInfo): number => b.dataIdMap.get(t.dataId).memoryOffset;

/**
 * A tensor's float32 data as a view of the wasm heap, for kernels that work in place. Take views after
 * allocating outputs: an allocation may grow the heap and detach older views.
 */
export const heapView = (b: WasmHeap, t: tf.TensorInfo): Float32Array =>
  new Float32Array(b.wasm.HEAPF32.buffer, offsetOf(b, t), tf.util.sizeFromShape(t.shape));
