import * as tf from '../tf';
import type { Batch } from '../data/batch';
import { DatasetError, type ImageDataset } from '../data/dataset';
import { loadDefaultDataset } from '../data/default-dataset';
import { BatchLoader, channelStats } from '../data/loader';
import { openDataset } from '../data/open';
import { searchSplit } from '../data/splits';
import { syntheticDataset } from '../data/synthetic';
import { loadSearchDataset } from '../search/build-data';
import type { BatchSource } from '../search/batch-source';
import type { TrainConfig } from './train-config';

/** What a training session needs of its data: the training stream and the held-out test split. */
export interface TrainData {
  train: BatchSource<Batch>;
  test: ImageDataset;
  /** Normalisation of the training set, applied to both (the export's preprocessing). */
  stats: { mean: number[]; std: number[] };
  classNames: string[];
  inChannels: number;
  imageSize: number;
  description: string;
}

/** Two datasets of the same image shape as one. */
function concat(a: ImageDataset, b: ImageDataset, description: string): ImageDataset {
  const images = new Uint8Array(a.images.length + b.images.length);
  images.set(a.images);
  images.set(b.images, a.images.length);
  const labels = new Int32Array(a.labels.length + b.labels.length);
  labels.set(a.labels);
  labels.set(b.labels, a.labels.length);
  return { ...a, images, labels, description };
}

/**
 * The test split of the config's dataset: the bundled set's and CIFAR's/IDX's own test files; for a
 * synthetic task a second draw (another seed) of the same task; for a dataset without a test split
 * (an image folder) a stratified 10% held out of the training images, with a warning.
 */
async function loadTestSplit(
  config: TrainConfig,
  train: ImageDataset,
  onWarning?: (m: string) => void,
): Promise<{ train: ImageDataset; test: ImageDataset }> {
  const d = config.data;
  if (d.source === 'default') return { train, test: loadDefaultDataset('test') };
  if (d.source === 'synthetic') {
    const size = Math.max(d.synthetic.classes * 8, Math.round(d.synthetic.size / 4));
    const test = syntheticDataset({ ...d.synthetic, size, seed: config.seed + 7919 });
    return { train, test: { ...test, description: `${test.description} (test draw)` } };
  }
  try {
    return {
      train,
      test: await openDataset(d.path as string, 'test', { imageSize: d.imageSize, onWarning }),
    };
  } catch (e) {
    if (!(e instanceof DatasetError)) throw e;
    onWarning?.(
      `${d.path} has no test split (${e.message}); 10% of its training images are held out as the test split`,
    );
    const split = searchSplit(train, 0.9, config.seed);
    return { train: split.train, test: { ...split.val, description: `${train.description} (held-out 10%)` } };
  }
}

/**
 * Loads the data of a training run: the whole training split (search-train and search-validation
 * together: nothing is held back for α any more), augmented as the recipe says, and the test split.
 */
export async function buildTrainData(
  config: TrainConfig,
  onWarning?: (m: string) => void,
): Promise<TrainData> {
  const d = config.data;
  let full = await loadSearchDataset(d, config.seed, onWarning);
  if (d.subset !== undefined) {
    const s = searchSplit(full, d.trainFraction, config.seed, d.subset);
    full = concat(s.train, s.val, `${full.description} (${d.subset}-image subset)`);
  }
  const { train, test } = await loadTestSplit(config, full, onWarning);
  if (test.height !== train.height || test.width !== train.width || test.channels !== train.channels)
    throw new Error(
      `the test split's images are ${test.height}×${test.width}×${test.channels} but the training images are ${train.height}×${train.width}×${train.channels}`,
    );
  if (test.classNames.length !== train.classNames.length)
    throw new Error(
      `the test split has ${test.classNames.length} classes but the training split ${train.classNames.length}`,
    );
  const stats = channelStats(train);
  const r = config.recipe;
  if (r.cutout > train.height || r.cutout > train.width)
    throw new Error(
      `recipe.cutout: a ${r.cutout}-pixel cutout square does not fit ${train.height}×${train.width} images`,
    );
  const augment =
    r.augment || r.cutout > 0
      ? {
          cropPadding: r.augment ? 4 : 0,
          flip: r.augment,
          cutout: r.cutout,
          // The reference cuts out after normalisation (the square reads 0): the pixel that normalises to 0.
          cutoutFill: stats.mean.map((m) => Math.round(m * 255)),
        }
      : undefined;
  const loader = new BatchLoader(train, r.batchSize, config.seed + 1, stats, augment);
  if (loader.batchesPerEpoch < 1)
    throw new Error(
      `recipe.batchSize: ${r.batchSize} is larger than the ${train.labels.length} training images`,
    );
  return {
    train: loader,
    test,
    stats,
    classNames: train.classNames,
    inChannels: train.channels,
    imageSize: train.height,
    description: `${train.description}: ${train.labels.length} training / ${test.labels.length} test images`,
  };
}

/** The test split in order, in batches of at most `batchSize` (the last one may be smaller), normalised as training. */
export function* testBatches(
  d: ImageDataset,
  stats: { mean: number[]; std: number[] },
  batchSize: number,
): Generator<Batch> {
  const per = d.height * d.width * d.channels;
  for (let start = 0; start < d.labels.length; start += batchSize) {
    const n = Math.min(batchSize, d.labels.length - start);
    const raw = d.images.subarray(start * per, (start + n) * per);
    const x = tf.tidy(() =>
      tf
        .tensor4d(Int32Array.from(raw), [n, d.height, d.width, d.channels], 'int32')
        .toFloat()
        .div(255)
        .sub(stats.mean)
        .div(stats.std),
    ) as tf.Tensor4D;
    yield { x, y: tf.tensor1d(d.labels.subarray(start, start + n), 'int32') };
  }
}
