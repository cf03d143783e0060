import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCifar } from '../../src/engine/data/cifar';
import { readIdx } from '../../src/engine/data/idx';
import { loadImageFolder } from '../../src/engine/data/image-folder';
import { detectFormat, openDataset } from '../../src/engine/data/open';
import { searchSplit, randomLabels } from '../../src/engine/data/splits';
import { BatchLoader } from '../../src/engine/data/loader';
import { loadDefaultDataset } from '../../src/engine/data/default-dataset';
import { chooseBackend } from '../../src/engine/backend';
import { idxBuffer, writeCifarFolder, writeCifarTarGz, writeIdxFolder, writeImageFolder } from './fixtures';

const tmp = () => mkdtempSync(join(tmpdir(), 'nas-data-'));

describe('dataset sources', () => {
  it('reads CIFAR-10 binaries from a folder and from the .tar.gz, planes to NHWC', async () => {
    const dir = writeCifarFolder(join(tmp(), 'cifar-10-batches-bin'));
    const d = await loadCifar(dir, 'train');
    expect(d.labels.length).toBe(10);
    expect(Array.from(d.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect([d.height, d.width, d.channels]).toEqual([32, 32, 3]);
    // overall record 3 is record i=1 of data_batch_2; its first pixel is (R, G, B) = (10·i + c) for c = 0, 1, 2
    expect(Array.from(d.images.subarray(3 * 3072, 3 * 3072 + 3))).toEqual([10, 11, 12]);
    const t = await loadCifar(await writeCifarTarGz(join(tmp(), 'cifar-10-binary.tar.gz')), 'train');
    expect(Array.from(t.labels)).toEqual(Array.from(d.labels));
    expect(Buffer.from(t.images).equals(Buffer.from(d.images))).toBe(true);
    expect(detectFormat(dir)).toBe('cifar');
  });

  it('reads IDX files gzipped and raw alike', async () => {
    const a = await openDataset(writeIdxFolder(join(tmp(), 'gz'), true), 'train');
    const b = await openDataset(writeIdxFolder(join(tmp(), 'raw'), false), 'train');
    expect(a.labels.length).toBe(12);
    expect(a.classNames).toHaveLength(3);
    expect(Buffer.from(a.images).equals(Buffer.from(b.images))).toBe(true);
  });

  it('reads an image folder, resizing mixed sizes, one class per sub-folder', () => {
    const root = writeImageFolder(tmp(), { cat: 3, dog: 2 });
    const { dataset, skipped } = loadImageFolder(root, { size: 8 });
    expect(skipped).toEqual([]);
    expect(dataset.classNames).toEqual(['cat', 'dog']);
    expect(Array.from(dataset.labels)).toEqual([0, 0, 0, 1, 1]);
    expect(Array.from(dataset.images.subarray(0, 3))).toEqual([0, 50, 200]);
    expect(Array.from(dataset.images.subarray(3 * 192, 3 * 192 + 3))).toEqual([100, 50, 100]);
  });

  it('the bundled default is balanced Fashion-MNIST 28x28x1', () => {
    const d = loadDefaultDataset('train');
    expect(d.labels.length).toBe(3000);
    expect([d.height, d.width, d.channels]).toEqual([28, 28, 1]);
    expect(new Set(Array.from(d.labels)).size).toBe(10);
  });
});

describe('bad input gets a clear error naming the file', () => {
  it('missing, wrong magic, truncated, count mismatch', () => {
    const dir = tmp();
    expect(() => readIdx(join(dir, 'nope.gz'))).toThrow(/nope\.gz: file not found/);
    writeFileSync(join(dir, 'bad'), Buffer.from([1, 2, 3, 4, 5, 6]));
    expect(() => readIdx(join(dir, 'bad'))).toThrow(
      /bad: not an unsigned-byte IDX file \(wrong magic number\)/,
    );
    writeFileSync(join(dir, 'trunc'), idxBuffer('images', 5).subarray(0, 40));
    expect(() => readIdx(join(dir, 'trunc'))).toThrow(
      /trunc: expected 80 data bytes .* found 24 \(truncated\?\)/,
    );
    const m = join(dir, 'mismatch');
    mkdirSync(m);
    writeFileSync(join(m, 'train-images-idx3-ubyte'), idxBuffer('images', 5));
    writeFileSync(join(m, 'train-labels-idx1-ubyte'), idxBuffer('labels', 4));
    return expect(openDataset(m, 'train')).rejects.toThrow(/train-labels-idx1-ubyte: 4 labels for 5 images/);
  });

  it('truncated CIFAR batch and damaged archive', async () => {
    const dir = writeCifarFolder(join(tmp(), 'c'));
    writeFileSync(
      join(dir, 'data_batch_3.bin'),
      readFileSync(join(dir, 'data_batch_3.bin')).subarray(0, 5000),
    );
    await expect(loadCifar(dir, 'train')).rejects.toThrow(
      /data_batch_3\.bin: size 5000 bytes is not a whole number of 3073-byte CIFAR records/,
    );
    const tgz = await writeCifarTarGz(join(tmp(), 'x.tar.gz'));
    writeFileSync(tgz, readFileSync(tgz).subarray(0, 200));
    await expect(loadCifar(tgz, 'train')).rejects.toThrow(/x\.tar\.gz: the archive is damaged or truncated/);
  });

  it('empty class folder, undecodable images (few: warning; many: error)', () => {
    const root = writeImageFolder(tmp(), { a: 2, b: 2 });
    mkdirSync(join(root, 'empty'));
    expect(() => loadImageFolder(root, { size: 4 })).toThrow(
      /empty: this class folder holds no PNG or JPEG images/,
    );
    const r2 = writeImageFolder(tmp(), { a: 3, b: 3 });
    writeFileSync(join(r2, 'a', 'broken.png'), 'not a png');
    const ok = loadImageFolder(r2, { size: 4 });
    expect(ok.skipped).toEqual([join(r2, 'a', 'broken.png')]);
    expect(ok.dataset.labels.length).toBe(6);
    for (let i = 0; i < 3; i++) writeFileSync(join(r2, 'b', `bad${i}.jpg`), 'nope');
    expect(() => loadImageFolder(r2, { size: 4 })).toThrow(/4 of 10 images could not be decoded/);
  });

  it('a split that leaves a class empty', () => {
    const root = writeImageFolder(tmp(), { a: 4, b: 1 });
    const { dataset } = loadImageFolder(root, { size: 4 });
    expect(() => searchSplit(dataset, 0.5, 1)).toThrow(/class 'b' has too few examples \(1\)/);
  });
});

describe('splits, labels and the loader', () => {
  it('stratified 50/50 split, reproducible by seed, random labels fixed by seed', () => {
    const d = loadDefaultDataset('train');
    const a = searchSplit(d, 0.5, 7, 1000);
    expect(a.summary.train).toEqual(new Array(10).fill(50));
    expect(a.summary.val).toEqual(new Array(10).fill(50));
    const b = searchSplit(d, 0.5, 7, 1000);
    expect(Buffer.from(b.train.images).equals(Buffer.from(a.train.images))).toBe(true);
    const c = searchSplit(d, 0.5, 8, 1000);
    expect(Buffer.from(c.train.images).equals(Buffer.from(a.train.images))).toBe(false);
    const r1 = randomLabels(a.train, 3);
    expect(Array.from(randomLabels(a.train, 3).labels)).toEqual(Array.from(r1.labels));
    expect(Array.from(r1.labels)).not.toEqual(Array.from(a.train.labels));
    expect(Math.max(...r1.labels)).toBeLessThan(10);
  });

  it('a restored loader (with seeded augmentation) yields exactly the batches of an uninterrupted one', async () => {
    await chooseBackend({ prefer: 'cpu' });
    const d = searchSplit(loadDefaultDataset('train'), 0.5, 1, 200).train;
    const aug = { cropPadding: 4, flip: true, cutout: 0 };
    const a = new BatchLoader(d, 16, 5, undefined, aug);
    const b = new BatchLoader(d, 16, 5, undefined, aug);
    for (let i = 0; i < 9; i++) {
      const x = a.next();
      x.x.dispose();
      x.y.dispose();
    }
    b.restorePosition(JSON.parse(JSON.stringify(a.getPosition())));
    for (let i = 0; i < 8; i++) {
      const p = a.next();
      const q = b.next();
      expect(Array.from(q.y.dataSync())).toEqual(Array.from(p.y.dataSync()));
      expect(Array.from(q.x.dataSync())).toEqual(Array.from(p.x.dataSync()));
      [p.x, p.y, q.x, q.y].forEach((t) => t.dispose());
    }
  });
});
