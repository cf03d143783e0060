/**
 * Child process for wasm-threads.test.ts: picks the wasm backend (threads from
 * NAS_STUDIO_WASM_THREADS), runs a conv's forward and both gradients, and prints one JSON line with
 * the thread count and the results' bytes. It must exit by itself: a pthread worker that keeps the
 * process alive would hang every CLI run and worker.
 */
import * as tf from '../../src/engine/tf';
import { chooseBackend } from '../../src/engine/backend';
import { Rng } from '../../src/engine/util/rng';

const report = await chooseBackend({ prefer: 'wasm' });
const rng = new Rng(7);
const normal = (shape: number[]) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
};
const x = normal([4, 12, 12, 16]);
const w = normal([3, 3, 16, 24]);
const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, 2, 'same').square().sum();
const [dx, dw] = tf.grads(f as (...t: tf.Tensor[]) => tf.Tensor)([x, w]);
const y = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same');
const bytes = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).buffer).toString('base64');
console.log(JSON.stringify({ chosen: report.chosen, device: report.device, y: bytes(y), dx: bytes(dx), dw: bytes(dw) }));
