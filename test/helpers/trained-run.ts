import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { chooseBackend } from '../../src/engine/backend';
import * as tf from '../../src/engine/tf';
import { loadDefaultDataset } from '../../src/engine/data/default-dataset';
import { executeRun } from '../../src/runs/execute';
import { RunDir } from '../../src/runs/run-dir';
import { parseTrainConfig, type TrainConfigInput } from '../../src/shared/run-config';

/**
 * A tiny training run on the bundled Fashion-MNIST subset (28×28 grayscale, 10 classes), as
 * test/foundation/search-to-model.test.ts trains through the CLI but in-process and with the
 * architecture given as text: an NB201 cell with 4 channels, one cell per stage, a few steps.
 */
export const NB201_CELL =
  '|nor_conv_3x3~0|+|skip_connect~0|avg_pool_3x3~1|+|nor_conv_1x1~0|none~1|skip_connect~2|';

export function tinyTrainConfig(over: Partial<TrainConfigInput> = {}): TrainConfigInput {
  return {
    kind: 'train',
    space: { name: 'nb201' } as never,
    architecture: { text: NB201_CELL },
    network: { channels: 4, cellsPerStage: 1 },
    recipe: { preset: 'cpu', epochs: 1, batchSize: 16, stepsPerEpoch: 3 },
    data: { source: 'default', subset: 200 },
    seed: 1,
    ...over,
  } as TrainConfigInput;
}

/** Creates the run folder `name` under `root` and trains it to completion on the CPU backend. */
export async function trainTinyRun(
  root: string,
  name: string,
  over: Partial<TrainConfigInput> = {},
): Promise<RunDir> {
  if (!tf.getBackend()) await chooseBackend({ prefer: 'cpu' });
  const dir = RunDir.create(root, name, parseTrainConfig(tinyTrainConfig(over)));
  const outcome = await executeRun(dir, { resume: false });
  if (outcome !== 'completed') throw new Error(`the tiny training run ended ${outcome}`);
  return dir;
}

/** Bundled test image `i` (28×28 grayscale) as PNG bytes, gray in R, G and B, and its label. */
export function bundledTestPng(i: number): { png: Buffer; label: number; pixels: Uint8Array } {
  const d = loadDefaultDataset('test');
  const pixels = d.images.slice(i * 784, (i + 1) * 784);
  const png = new PNG({ width: 28, height: 28 });
  for (let p = 0; p < 784; p++) png.data.set([pixels[p], pixels[p], pixels[p], 255], p * 4);
  return { png: PNG.sync.write(png), label: d.labels[i], pixels };
}

/** Writes bundled test image `i` as a PNG file `dir/name`; returns its path. */
export function writeBundledTestPng(dir: string, name: string, i: number): string {
  const file = join(dir, name);
  writeFileSync(file, bundledTestPng(i).png);
  return file;
}
