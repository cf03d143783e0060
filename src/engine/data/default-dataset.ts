import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ImageDataset } from './dataset';
import { readIdxPair } from './idx';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Finds assets/datasets/fashion-mnist-subset from the sources or from a built bundle. */
export function defaultDatasetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'assets', 'datasets', 'fashion-mnist-subset');
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error(
    'the bundled dataset folder assets/datasets/fashion-mnist-subset was not found beside the app',
  );
}

/** The bundled Fashion-MNIST subset (3000 train / 1000 test, 28x28x1, 10 balanced classes). */
export function loadDefaultDataset(split: 'train' | 'test' = 'train'): ImageDataset {
  const dir = defaultDatasetDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  return readIdxPair(
    join(dir, `${prefix}-images-idx3-ubyte.gz`),
    join(dir, `${prefix}-labels-idx1-ubyte.gz`),
    FASHION_MNIST_CLASSES,
    `Fashion-MNIST subset (bundled, ${split})`,
  );
}
