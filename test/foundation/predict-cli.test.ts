import '@tensorflow/tfjs-backend-cpu';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../src/engine/tf';
import { FASHION_MNIST_CLASSES, loadDefaultDataset } from '../../src/engine/data/default-dataset';
import { parseModelManifest } from '../../src/engine/export/manifest';
import { exportModel, type TrainedModel } from '../../src/engine/export/model-export';
import { imageInput } from '../../src/engine/export/predict';
import { tinyTrainedModel } from '../helpers/export-models';
import { builtFile, root } from './built';

/** `nas-studio predict` through the built CLI, on two images of the bundled dataset. */

const dir = mkdtempSync(join(tmpdir(), 'nas-predict-'));
let model: TrainedModel;
const images = [join(dir, 'test-0.png'), join(dir, 'test-1.png')];

function cli(args: string[]) {
  builtFile('out/node/cli.js');
  return spawnSync(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NAS_STUDIO_BACKEND: 'cpu' },
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = tinyTrainedModel('mobilenet');
  await exportModel(model, join(dir, 'all'), ['onnx', 'tfjs', 'safetensors']);
  await exportModel(model, join(dir, 'tfjs-only'), ['tfjs']);
  // Two bundled test images as 28×28 grayscale PNGs (predict resizes them to the model's 14×14).
  const d = loadDefaultDataset('test');
  images.forEach((file, i) => {
    const png = new PNG({ width: 28, height: 28 });
    for (let p = 0; p < 784; p++) {
      const v = d.images[i * 784 + p];
      png.data.set([v, v, v, 255], p * 4);
    }
    writeFileSync(file, PNG.sync.write(png));
  });
});
afterAll(() => model?.network.dispose());

/** The engine's top class for an image file, preprocessed as the manifest says. */
function engineTopClass(file: string, exportDir: string): string {
  const manifest = parseModelManifest(readFileSync(join(exportDir, 'manifest.json'), 'utf8'));
  const x = imageInput(file, manifest);
  const k = tf.tidy(
    () =>
      model.network
        .run(tf.tensor4d(x, [1, 14, 14, 1]), { training: false })
        .logits.argMax(1)
        .dataSync()[0],
  );
  return FASHION_MNIST_CLASSES[k];
}

describe('nas-studio predict', () => {
  it('prints the top classes of two bundled images with the ONNX model, as the engine ranks them', () => {
    const r = cli(['predict', join(dir, 'all'), ...images, '--top', '2']);
    expect(r.stderr).toContain('(onnx)');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    lines.forEach((line, i) => {
      const m = line.match(/^(.+): (.+) (\d+\.\d)%, (.+) (\d+\.\d)%$/);
      expect(m, line).not.toBeNull();
      expect(m![1]).toBe(images[i]);
      expect(FASHION_MNIST_CLASSES).toContain(m![2]);
      expect(m![2]).toBe(engineTopClass(images[i], join(dir, 'all')));
      expect(Number(m![3])).toBeGreaterThanOrEqual(Number(m![5]));
    });
  });

  it('uses the TensorFlow.js model when the folder has no ONNX model', () => {
    const r = cli(['predict', join(dir, 'tfjs-only'), images[0], '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      runtime: string;
      predictions: Array<{ top: Array<{ name: string }> }>;
    };
    expect(out.runtime).toBe('tfjs');
    expect(out.predictions[0].top).toHaveLength(3);
    expect(out.predictions[0].top[0].name).toBe(engineTopClass(images[0], join(dir, 'tfjs-only')));
  });

  it('names a missing model folder, a folder that is not an export, and a bad image', () => {
    const missing = cli(['predict', join(dir, 'nope'), images[0]]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain(`${join(dir, 'nope')}: no such model folder`);

    mkdirSync(join(dir, 'empty'));
    const notExport = cli(['predict', join(dir, 'empty'), images[0]]);
    expect(notExport.status).toBe(1);
    expect(notExport.stderr).toContain('not a nas-studio export folder (it has no manifest.json)');

    const bad = join(dir, 'broken.png');
    writeFileSync(bad, 'not a png at all');
    const r = cli(['predict', join(dir, 'all'), images[0], bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${bad}: could not be decoded as PNG`);
    expect(r.stdout).toBe('');
  });
});
