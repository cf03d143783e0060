import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadCifar } from './cifar';
import { DatasetError, classCounts, type ImageDataset } from './dataset';
import { readIdx, readIdxPair } from './idx';
import { FASHION_MNIST_CLASSES } from './default-dataset';
import { loadImageFolder } from './image-folder';

export type DatasetFormat = 'cifar' | 'idx' | 'image-folder';

/** Recognises what a path holds: a CIFAR archive or folder, an MNIST-style IDX folder, or class folders. */
export function detectFormat(path: string): DatasetFormat {
  if (!existsSync(path)) throw new DatasetError('missing', path, 'not found');
  if (!statSync(path).isDirectory()) {
    if (/\.(tar\.gz|tgz)$/.test(path)) return 'cifar';
    throw new DatasetError('unsupported', path, 'expected a folder or a CIFAR .tar.gz archive');
  }
  const names = readdirSync(path);
  if (names.includes('data_batch_1.bin') || names.includes('train.bin')) return 'cifar';
  if (names.some((n) => /train-images-idx3-ubyte(\.gz)?$/.test(n))) return 'idx';
  if (names.some((n) => statSync(join(path, n)).isDirectory())) return 'image-folder';
  throw new DatasetError(
    'unsupported',
    path,
    'no CIFAR batches, IDX files (train-images-idx3-ubyte) or class sub-folders found',
  );
}

function idxFile(dir: string, stem: string): string {
  for (const f of [`${stem}`, `${stem}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  throw new DatasetError('missing', join(dir, stem), 'file not found (also looked for .gz)');
}

export interface OpenOptions {
  /** Image size for image folders (others keep their native size). */
  imageSize?: number;
  onWarning?: (message: string) => void;
}

/** Loads a split of the dataset at `path`, whatever its format. */
export async function openDataset(
  path: string,
  split: 'train' | 'test',
  opts: OpenOptions = {},
): Promise<ImageDataset> {
  const format = detectFormat(path);
  if (format === 'cifar') return loadCifar(path, split);
  if (format === 'idx') {
    const prefix = split === 'train' ? 'train' : 't10k';
    const labelsFile = idxFile(path, `${prefix}-labels-idx1-ubyte`);
    // IDX carries no class names: count classes from the training labels (MNIST-style sets use 0..K-1).
    const trainLabels = readIdx(idxFile(path, 'train-labels-idx1-ubyte')).data;
    const K = trainLabels.reduce((m, l) => Math.max(m, l), 0) + 1;
    const names =
      /fashion/i.test(path) && K === 10
        ? FASHION_MNIST_CLASSES
        : Array.from({ length: K }, (_, i) => String(i));
    return readIdxPair(
      idxFile(path, `${prefix}-images-idx3-ubyte`),
      labelsFile,
      names,
      `IDX dataset ${path} (${split})`,
    );
  }
  const r = loadImageFolder(path, { size: opts.imageSize ?? 32 });
  if (r.skipped.length)
    opts.onWarning?.(
      `${r.skipped.length} image(s) could not be decoded and were skipped: ${r.skipped.join(', ')}`,
    );
  return r.dataset;
}

/** What `nas-studio data inspect` prints. */
export function describeDataset(d: ImageDataset, format: DatasetFormat) {
  let sum = 0;
  let sq = 0;
  for (const v of d.images) {
    sum += v;
    sq += v * v;
  }
  const n = d.images.length || 1;
  const mean = sum / n;
  return {
    format,
    description: d.description,
    images: d.labels.length,
    imageSize: [d.height, d.width, d.channels],
    classes: d.classNames.length,
    countsPerClass: Object.fromEntries(
      d.classNames.map((c, i) => [c, classCounts(d.labels, d.classNames.length)[i]]),
    ),
    pixelMean: mean / 255,
    pixelStd: Math.sqrt(Math.max(sq / n - mean * mean, 0)) / 255,
  };
}
