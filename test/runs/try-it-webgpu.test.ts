import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/engine/tf';
import { chooseBackend } from '../../src/engine/backend';
import { EXPORT_FORMATS } from '../../src/engine/export/model-export';
import type { ImagePrediction, WorkerMessage } from '../../src/shared/protocol';
import type { RunDir } from '../../src/runs/run-dir';
import { exportTrainedRun } from '../../src/runs/trained-model';
import { predictRunImage } from '../../src/runs/try-model';
import { handleMessage } from '../../src/worker/handlers';
import { exportFolderFiles } from '../helpers/export-files';
import { bundledTestPng, trainTinyRun } from '../helpers/trained-run';

/**
 * A training run's export and its "try it" with the webgpu backend active (lavapipe in CI), through
 * the entry points the app calls (exportTrainedRun, predictRunImage, the worker's predict-image),
 * against the same on cpu. Skipped, with the reason printed, where no WebGPU adapter is found.
 * (The app itself starts a fresh worker per export or try-it request, which picks cpu: see
 * docs/backends.md. These entry points work on whichever backend is active.)
 *
 * - The export rebuilds the network from the run's checkpoint on webgpu: every file equals the cpu
 *   export byte for byte (manifest.json and README.md but for their creation time), no tensor left.
 * - "Try it" computes the logits on the device, which Node reads only asynchronously: the webgpu
 *   prediction of each image has the cpu's three most probable classes in order and every class
 *   probability within 1e-4 (float32 rounding in other kernels), and leaves no tensor behind.
 */
const IMAGES = 6;
const root = mkdtempSync(join(tmpdir(), 'nas-try-it-webgpu-'));
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
let trained: RunDir;
let cpuExport: string;
const cpuPredictions: ImagePrediction[] = [];
let skipReason = '';

const predictAll = async () => {
  const out: ImagePrediction[] = [];
  for (let i = 0; i < IMAGES; i++)
    out.push(await predictRunImage(trained, b64(bundledTestPng(i).png), { top: 10 }));
  return out;
};

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
  trained = await trainTinyRun(root, 'trained');
  const r = await exportTrainedRun(trained, EXPORT_FORMATS);
  // The run's exports/model/ is replaced by the next export: keep the cpu one aside.
  cpuExport = join(root, 'cpu-export');
  cpSync(r.folder, cpuExport, { recursive: true });
  cpuPredictions.push(...(await predictAll()));
  const report = await chooseBackend({ prefer: 'webgpu' });
  if (report.chosen !== 'webgpu') {
    skipReason = report.attempts[0].detail;
    console.warn(`try it and export on webgpu skipped: ${skipReason}`);
  }
}, 600_000);

describe('a training run with webgpu active', () => {
  it('exports the files the cpu exports, byte for byte, no leak', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const r = await exportTrainedRun(trained, EXPORT_FORMATS);
    expect(tf.memory().numTensors).toBe(before);
    const gpu = exportFolderFiles(r.folder);
    const cpu = exportFolderFiles(cpuExport);
    expect([...gpu.keys()].sort()).toEqual([...cpu.keys()].sort());
    for (const [f, bytes] of cpu) expect(gpu.get(f)!.equals(bytes), f).toBe(true);
  }, 600_000);

  it('"try it" gives the cpu’s top classes, no leak', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    const before = tf.memory().numTensors;
    const gpu = await predictAll();
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    gpu.forEach((p, i) => {
      const want = cpuPredictions[i];
      expect(p.backend).toBe('webgpu');
      expect(
        p.top.slice(0, 3).map((t) => t.index),
        `image ${i}`,
      ).toEqual(want.top.slice(0, 3).map((t) => t.index));
      const probability = new Map(p.top.map((t) => [t.index, t.probability]));
      for (const t of want.top) worst = Math.max(worst, Math.abs(probability.get(t.index)! - t.probability));
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
    console.log(`try it on webgpu: ${IMAGES} images, max |Δ probability| vs cpu ${worst.toExponential(2)}`);
  }, 600_000);

  it('the worker’s predict-image runs on the active webgpu backend', async (ctx) => {
    if (skipReason) ctx.skip(`no webgpu backend: ${skipReason}`);
    const sent: WorkerMessage[] = [];
    await handleMessage(
      { type: 'predict-image', runDir: trained.path, imageBase64: b64(bundledTestPng(0).png), top: 3 },
      (m) => sent.push(m),
    );
    expect(sent).toHaveLength(1);
    const reply = sent[0];
    expect(reply.type, JSON.stringify(reply)).toBe('image-prediction');
    if (reply.type !== 'image-prediction') return;
    expect(reply.prediction.backend).toBe('webgpu');
    expect(reply.prediction.top.map((t) => t.index)).toEqual(
      cpuPredictions[0].top.slice(0, 3).map((t) => t.index),
    );
  }, 600_000);
});
