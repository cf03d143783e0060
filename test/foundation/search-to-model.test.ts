import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES, loadDefaultDataset } from '../../src/engine/data/default-dataset';
import { builtFile, root } from './built';

/** The whole path a user takes, through the built CLI: search, train the found cell, export, predict. */
function cli(args: string[]) {
  builtFile('out/node/cli.js');
  const r = spawnSync(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NAS_STUDIO_BACKEND: 'cpu' },
  });
  expect(r.status, `nas-studio ${args.join(' ')}\n${r.stderr}`).toBe(0);
  return r;
}

describe('from a search to a model that classifies images', () => {
  it('a tiny search → training its architecture 1 epoch → export in every format → predict on two bundled images', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-s2m-'));
    const runs = join(dir, 'runs');
    cli([
      'search',
      '--config',
      join(root, 'examples', 'smoke', 'darts-nb201.json'),
      '--runs',
      runs,
      '--name',
      'search',
    ]);
    const train = join(dir, 'train.json');
    writeFileSync(
      train,
      JSON.stringify({
        kind: 'train',
        network: { channels: 4, cellsPerStage: 1 },
        recipe: { preset: 'cpu', epochs: 1, batchSize: 16, stepsPerEpoch: 3 },
        data: { source: 'default', subset: 300 },
      }),
    );
    cli(['train', '--from', 'search', '--config', train, '--runs', runs, '--name', 'model']);
    const exported = cli(['export', 'model', '--runs', runs, '--format', 'onnx,tfjs,safetensors']);
    const folder = join(runs, 'model', 'exports', 'model');
    expect(readdirSync(folder).sort()).toEqual(
      ['README.md', 'manifest.json', 'model.json', 'model.onnx', 'model.safetensors', 'weights.bin'].sort(),
    );
    expect(exported.stdout + exported.stderr).toContain(folder);
    // Two bundled test images as 28×28 grayscale PNGs.
    const d = loadDefaultDataset('test');
    const images = [0, 1].map((i) => {
      const png = new PNG({ width: 28, height: 28 });
      for (let p = 0; p < 784; p++)
        png.data.set([d.images[i * 784 + p], d.images[i * 784 + p], d.images[i * 784 + p], 255], p * 4);
      const file = join(dir, `test-${i}.png`);
      writeFileSync(file, PNG.sync.write(png));
      return file;
    });
    const out = cli(['predict', folder, ...images]).stdout;
    for (const image of images) expect(out).toContain(image);
    expect(FASHION_MNIST_CLASSES.some((c) => out.includes(c))).toBe(true);
    expect(existsSync(join(runs, 'model', 'status.json'))).toBe(true);
  }, 600_000);
});
