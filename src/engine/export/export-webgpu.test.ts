import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportFolderFiles } from '../../../test/helpers/export-files';
import { tinyTrainedModel, type SpaceCase } from '../../../test/helpers/export-models';
import { writeBundledTestPng } from '../../../test/helpers/trained-run';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import type { Module } from '../nn/module';
import { getNamedWeights, type NamedWeights } from '../nn/named-weights';
import { exportModel, EXPORT_FORMATS, type TrainedModel } from './model-export';
import { predictImages, type Prediction } from './predict';

/**
 * Export and `nas-studio predict` (its TensorFlow.js runtime) with the webgpu backend active (lavapipe
 * in CI), against the same on cpu. Skipped, with the reason printed, where no WebGPU adapter is found.
 *
 * The trained tiny networks are made on cpu; on webgpu every state tensor is then replaced by the same
 * values *computed on the device* (x·1 with tfjs's CPU forwarding off). That is what a network trained
 * on webgpu holds, and unlike a tensor uploaded from the host (whose values tfjs keeps on the host, so
 * a dataSync would succeed) it can only be read asynchronously in Node, so the export must read that
 * way. The values are the cpu network's bit for bit, so:
 * - every exported file (model.onnx, model.json, weights.bin, model.safetensors) equals the cpu
 *   export byte for byte, manifest.json and README.md too but for their creation time;
 * - the export leaves `tf.memory().numTensors` as it found it;
 * - predict's TensorFlow.js runtime, computing on webgpu with the webgpu export, gives the cpu's top
 *   classes in the cpu's order and each class probability within 1e-4 (float32 rounding in other
 *   kernels: the backend parity tests' tolerance).
 */
const CASES: SpaceCase[] = ['nb201', 'darts-dense'];
const IMAGES = 6;

const root = mkdtempSync(join(tmpdir(), 'nas-export-webgpu-'));
const models = new Map<SpaceCase, TrainedModel>();
const weights = new Map<SpaceCase, NamedWeights>();
const cpuPredictions = new Map<SpaceCase, Prediction[]>();
const images = Array.from({ length: IMAGES }, (_, i) => writeBundledTestPng(root, `img${i}.png`, i));
let skipReason = '';

/**
 * Replaces every state tensor of `net` with its value computed on the active backend, so that none
 * is cached on the host (see the file comment). x·1 is exact in float32.
 */
function computedOnDevice(net: Module, values: NamedWeights): void {
  const forward = tf.env().getBool('WEBGPU_CPU_FORWARD');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  try {
    for (const [name, v] of net.namedState()) {
      const w = values.get(name)!;
      tf.tidy(() => v.assign(tf.tensor(w.data, w.shape).mul(1)));
    }
  } finally {
    tf.env().set('WEBGPU_CPU_FORWARD', forward);
  }
}

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  for (const c of CASES) {
    const model = tinyTrainedModel(c);
    models.set(c, model);
    weights.set(c, getNamedWeights(model.network));
    await exportModel(model, join(root, `${c}-cpu`), [...EXPORT_FORMATS]);
    const r = await predictImages(join(root, `${c}-cpu`), images, { top: 10, runtime: 'tfjs' });
    cpuPredictions.set(c, r.predictions);
  }
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`export on webgpu skipped: ${skipReason}`);
  }
}, 600_000);

afterAll(() => {
  for (const m of models.values()) m.network.dispose();
});

describe.each(CASES)('export of a trained tiny %s network with webgpu active', (c) => {
  it('writes the cpu export’s files byte for byte, reading the weights from the device, no leak', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    expect(tf.getBackend()).toBe('webgpu');
    const model = models.get(c)!;
    computedOnDevice(model.network, weights.get(c)!);
    // The premise: these weights cannot be read synchronously here (a dataSync of one would fail).
    const [name, probe] = model.network.namedParameters()[0];
    expect(() => probe.dataSync(), name).toThrow(/synchronous read/);

    const before = tf.memory().numTensors;
    const t0 = Date.now();
    await exportModel(model, join(root, `${c}-webgpu`), [...EXPORT_FORMATS]);
    expect(tf.memory().numTensors).toBe(before);
    const gpu = exportFolderFiles(join(root, `${c}-webgpu`));
    const cpu = exportFolderFiles(join(root, `${c}-cpu`));
    expect([...gpu.keys()].sort()).toEqual([...cpu.keys()].sort());
    for (const [f, bytes] of cpu) expect(gpu.get(f)!.equals(bytes), f).toBe(true);
    console.log(
      `${c}: exported on webgpu in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${gpu.size} files equal to the cpu export`,
    );
  }, 600_000);

  it('predicts the cpu’s top classes with the TensorFlow.js runtime on webgpu', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const gpu = await predictImages(join(root, `${c}-webgpu`), images, { top: 10, runtime: 'tfjs' });
    expect(tf.memory().numTensors).toBe(before);
    const cpu = cpuPredictions.get(c)!;
    let worst = 0;
    gpu.predictions.forEach((p, i) => {
      const want = cpu[i].top;
      expect(
        p.top.slice(0, 3).map((t) => t.index),
        `image ${i}`,
      ).toEqual(want.slice(0, 3).map((t) => t.index));
      const probability = new Map(p.top.map((t) => [t.index, t.probability]));
      for (const t of want) worst = Math.max(worst, Math.abs(probability.get(t.index)! - t.probability));
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
    console.log(`${c}: predict (tfjs) on webgpu, max |Δ probability| vs cpu ${worst.toExponential(2)}`);
  }, 600_000);
});
