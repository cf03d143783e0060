/**
 * Child process for wasm-threads.test.ts: picks the wasm backend (threads from
 * NAS_STUDIO_WASM_THREADS), runs a conv's forward and both gradients and a small graph on the engine's
 * SIMD kernels, and prints one JSON line with
 * the thread count and the results' bytes. It must exit by itself: a pthread worker that keeps the
 * process alive would hang every CLI run and worker.
 */
import * as tf from '../../src/engine/tf';
import { chooseBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/util/rng';
import { BatchNorm } from '../../src/engine/nn/batchnorm';

const report = await chooseBackend({ prefer: 'wasm' });
const rng = new Rng(7);
const normal = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => rng.normal()),
    shape,
  );
};
const x = normal([4, 12, 12, 16]);
const w = normal([3, 3, 16, 24]);
const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, 2, 'same').square().sum();
const [dx, dw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64');
// The SIMD kernels on the (shared, when threaded) wasm memory: depthwise filter gradient, BatchNorm
// forward and backward, max-pool gradient — 8 channels, so the SIMD paths take them.
const bn = new BatchNorm(8, false);
const g = (a: tf.Tensor4D, b: tf.Tensor4D) =>
  tf
    .maxPool(bn.forward(tf.depthwiseConv2d(a, b, 1, 'same'), { training: true }) as tf.Tensor4D, 3, 1, 'same')
    .square()
    .sum();
const simd = tf.grads(g as (...t: tf.Tensor[]) => tf.Tensor)([normal([2, 9, 9, 8]), normal([3, 3, 8, 1])]);
const simdKernels = report.attempts.find((a) => a.ok)?.detail.includes('SIMD kernels: ') ?? false;
console.log(
  JSON.stringify({
    chosen: report.chosen,
    device: report.device,
    y: bytes(y),
    dx: bytes(dx),
    dw: bytes(dw),
    simd: simd.map(bytes).join(','),
    simdKernels,
  }),
);
