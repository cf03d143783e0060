import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/engine/tf';
import { FASHION_MNIST_CLASSES } from '../../src/engine/data/default-dataset';
import { predictImages } from '../../src/engine/export/predict';
import { RunManager } from '../../src/runs/manager';
import { RunDir } from '../../src/runs/run-dir';
import { exportTrainedRun, loadTrainedModel } from '../../src/runs/trained-model';
import { predictRunImage } from '../../src/runs/try-model';
import { StudioService, dispatchCall } from '../../src/service/studio';
import { SettingsSchema, TRY_IMAGE_MAX_BYTES } from '../../src/shared/api';
import type { DoctorReport } from '../../src/shared/doctor';
import { parseTrainConfig } from '../../src/shared/run-config';
import { WorkerMessageSchema, type WorkerMessage } from '../../src/shared/protocol';
import { handleMessage } from '../../src/worker/handlers';
import { writeFinishedRun } from '../e2e/fixture-run';
import { bundledTestPng, tinyTrainConfig, trainTinyRun, writeBundledTestPng } from '../helpers/trained-run';

/**
 * The dashboard's "try it": an uploaded image classified by a completed training run's network,
 * through the service (as both hosts dispatch it) and the worker protocol; every refusal a sentence.
 */

const root = mkdtempSync(join(tmpdir(), 'nas-try-it-'));
let trained: RunDir;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** The service as web mode and main build it, with the engine operation run in-process. */
function service(): StudioService {
  const refuse = () => Promise.reject(new Error('not in this test'));
  return new StudioService({
    runs: new RunManager({
      root,
      launch: () => {
        throw new Error('this test starts no worker');
      },
    }),
    doctor: async () => ({}) as DoctorReport,
    settings: { get: () => SettingsSchema.parse({}), set: () => SettingsSchema.parse({}) },
    emit: () => {},
    previewDataset: refuse,
    probeRun: refuse,
    exportRun: refuse,
    downloadDataset: refuse,
    predictImage: async (runDir, imageBase64, name) =>
      predictRunImage(new RunDir(runDir), imageBase64, { name }),
  });
}

beforeAll(async () => {
  trained = await trainTinyRun(root, 'trained');
  writeFinishedRun(root, 'a-search', 20, 2);
}, 120_000);

describe('try it: one image through a trained run', () => {
  it('gives the softmax of the trained network on the image, top 5 most probable first, as computed independently', async () => {
    const { png, pixels } = bundledTestPng(0);
    const before = tf.memory().numTensors;
    const p = await predictRunImage(trained, b64(png));
    expect(tf.memory().numTensors).toBe(before);
    expect(p.image).toEqual({ kind: 'png', width: 28, height: 28 });
    expect(p.classes).toBe(10);
    expect(p.top).toHaveLength(5);
    for (let i = 1; i < 5; i++) expect(p.top[i].probability).toBeLessThanOrEqual(p.top[i - 1].probability);
    for (const t of p.top) expect(t.name).toBe(FASHION_MNIST_CLASSES[t.index]);
    // The preprocessing the panel shows is the training data's (train-data.json).
    const info = JSON.parse(readFileSync(join(trained.path, 'train-data.json'), 'utf8'));
    expect(p.preprocessing).toEqual({
      height: 28,
      width: 28,
      channels: 1,
      color: 'grayscale',
      resize: 'bilinear',
      scale: 1 / 255,
      mean: info.mean,
      std: info.std,
    });
    // Independently: the dataset's own pixels (no PNG, no resize), normalised as training does,
    // through the rebuilt network, then softmax by hand.
    const m = loadTrainedModel(trained);
    const logits = tf.tidy(() => {
      const x = tf
        .tensor4d(Float32Array.from(pixels), [1, 28, 28, 1])
        .div(255)
        .sub(info.mean)
        .div(info.std) as tf.Tensor4D;
      return Array.from(m.network.run(x, { training: false }).logits.dataSync());
    });
    m.network.dispose();
    const max = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    const expected = e.map((v, index) => ({ index, probability: v / sum }));
    expected.sort((a, b) => b.probability - a.probability);
    expect(p.top.map((t) => t.index)).toEqual(expected.slice(0, 5).map((t) => t.index));
    p.top.forEach((t, i) => expect(t.probability).toBeCloseTo(expected[i].probability, 6));
  });

  it('gives what `nas-studio predict` gives on the run’s TensorFlow.js export', async () => {
    await exportTrainedRun(trained, ['tfjs']);
    const dir = mkdtempSync(join(tmpdir(), 'nas-try-it-img-'));
    const file = writeBundledTestPng(dir, 'shirt.png', 1);
    const cli = await predictImages(join(trained.exportsDir, 'model'), [file], { top: 5, runtime: 'tfjs' });
    const panel = await predictRunImage(trained, b64(readFileSync(file)));
    expect(panel.top.map((t) => t.name)).toEqual(cli.predictions[0].top.map((t) => t.name));
    panel.top.forEach((t, i) => expect(t.probability).toBeCloseTo(cli.predictions[0].top[i].probability, 5));
  });

  it('takes a JPEG too, of another size (resized as the image-folder loader does)', async () => {
    const data = Buffer.alloc(40 * 30 * 4, 128);
    const bytes = jpeg.encode({ data, width: 40, height: 30 }, 90).data;
    const p = await predictRunImage(trained, b64(bytes));
    expect(p.image).toEqual({ kind: 'jpeg', width: 40, height: 30 });
    expect(p.top).toHaveLength(5);
  });

  it('runs through the worker protocol: predict-image in, a valid image-prediction out', async () => {
    const sent: WorkerMessage[] = [];
    await handleMessage(
      { type: 'predict-image', runDir: trained.path, imageBase64: b64(bundledTestPng(2).png), top: 3 },
      (m) => sent.push(m),
    );
    expect(sent).toHaveLength(1);
    const reply = WorkerMessageSchema.parse(sent[0]);
    expect(reply.type).toBe('image-prediction');
    if (reply.type === 'image-prediction') expect(reply.prediction.top).toHaveLength(3);
    // A refusal is the worker's 'failed' error with the sentence.
    const refused: WorkerMessage[] = [];
    await handleMessage(
      { type: 'predict-image', runDir: join(root, 'a-search'), imageBase64: b64(bundledTestPng(2).png) },
      (m) => refused.push(m),
    );
    expect(refused[0]).toMatchObject({
      type: 'error',
      code: 'failed',
      message: expect.stringMatching(/is a search/),
    });
  });

  it('through the service, as web mode and the desktop app dispatch it', async () => {
    const s = service();
    const r = (await dispatchCall(s, 'predictImage', [
      'trained',
      { name: 'bag.png', base64: b64(bundledTestPng(3).png) },
    ])) as { top: unknown[] };
    expect(r.top).toHaveLength(5);
  });
});

describe('try it refuses, in sentences', () => {
  const png = () => b64(bundledTestPng(0).png);
  const call = (args: unknown) => dispatchCall(service(), 'predictImage', args);

  it('a run that is not a completed training run', async () => {
    await expect(call(['a-search', { base64: png() }])).rejects.toThrow(
      /run a-search is a search: images are classified by a trained model/,
    );
    RunDir.create(root, 'queued', parseTrainConfig(tinyTrainConfig()));
    await expect(call(['queued', { base64: png() }])).rejects.toThrow(
      /run queued is queued: images can be classified once its training has completed/,
    );
    await expect(call(['nope', { base64: png() }])).rejects.toThrow(/no run named nope/);
  });

  it('an upload that is not a PNG or JPEG, a damaged one, an empty one, a too large one', async () => {
    const text = b64(new TextEncoder().encode('GIF89a not really'));
    await expect(call(['trained', { name: 'cat.png', base64: text }])).rejects.toThrow(
      /cat\.png is not a PNG or JPEG image/,
    );
    const damaged = Buffer.from(bundledTestPng(0).png).subarray(0, 40);
    await expect(call(['trained', { name: 'cut.png', base64: b64(damaged) }])).rejects.toThrow(
      /cut\.png could not be decoded as PNG/,
    );
    await expect(call(['trained', { base64: '' }])).rejects.toThrow(
      /bad arguments for predictImage: argument 2 \(base64\): the image is empty/,
    );
    const big = 'A'.repeat(4 * Math.ceil((TRY_IMAGE_MAX_BYTES + 10) / 3));
    await expect(call(['trained', { base64: big }])).rejects.toThrow(
      /argument 2 \(base64\): the image is larger than 5 MiB/,
    );
    // Not base64 at all, and the service's own check when called without the API's schema.
    await expect(call(['trained', { base64: '%%%%' }])).rejects.toThrow(/not base64-encoded/);
    await expect(service().predictImage('trained', { base64: big })).rejects.toThrow(
      /the image is about 5\.0 MiB, more than the 5\.0 MiB allowed/,
    );
  });

  it('a PNG whose header names more pixels than allowed, before decoding them', async () => {
    const png = new PNG({ width: 1, height: 1 });
    const bytes = Buffer.from(PNG.sync.write(png));
    bytes.writeUInt32BE(20_000, 16);
    bytes.writeUInt32BE(20_000, 20);
    await expect(call(['trained', { name: 'huge.png', base64: b64(bytes) }])).rejects.toThrow(
      /huge\.png could not be decoded as PNG \(the PNG is 400 megapixels, more than the 100 allowed\)/,
    );
  });

  it('malformed arguments', async () => {
    await expect(call(['trained', { base64: png(), extra: 1 }])).rejects.toThrow(
      /bad arguments for predictImage/,
    );
    await expect(call(['../etc', { base64: png() }])).rejects.toThrow(/argument 1: not a run id/);
    await expect(call(['trained', png()])).rejects.toThrow(/bad arguments for predictImage: argument 2/);
  });
});
