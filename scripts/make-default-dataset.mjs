#!/usr/bin/env node
// Makes the bundled default dataset: a class-balanced subset of Fashion-MNIST (first N images of each
// class from the official train and test files, in file order), written as gzipped IDX files.
// Source: Debian's `dataset-fashion-mnist` package (apt-get install dataset-fashion-mnist).
//   node scripts/make-default-dataset.mjs [SRC_DIR] [TRAIN_PER_CLASS] [TEST_PER_CLASS]
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join } from 'node:path';

const src = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const perClass = { train: Number(process.argv[3] ?? 300), t10k: Number(process.argv[4] ?? 100) };
const out = 'assets/datasets/fashion-mnist-subset';
mkdirSync(out, { recursive: true });

for (const split of ['train', 't10k']) {
  const img = gunzipSync(readFileSync(join(src, `${split}-images-idx3-ubyte.gz`)));
  const lab = gunzipSync(readFileSync(join(src, `${split}-labels-idx1-ubyte.gz`)));
  const n = lab.readUInt32BE(4);
  const [h, w] = [img.readUInt32BE(8), img.readUInt32BE(12)];
  const taken = new Array(10).fill(0);
  const keep = [];
  for (let i = 0; i < n; i++) {
    const l = lab[8 + i];
    if (taken[l] < perClass[split]) {
      taken[l]++;
      keep.push(i);
    }
  }
  const imgOut = Buffer.alloc(16 + keep.length * h * w);
  imgOut.writeUInt32BE(0x00000803, 0);
  imgOut.writeUInt32BE(keep.length, 4);
  imgOut.writeUInt32BE(h, 8);
  imgOut.writeUInt32BE(w, 12);
  const labOut = Buffer.alloc(8 + keep.length);
  labOut.writeUInt32BE(0x00000801, 0);
  labOut.writeUInt32BE(keep.length, 4);
  keep.forEach((i, k) => {
    img.copy(imgOut, 16 + k * h * w, 16 + i * h * w, 16 + (i + 1) * h * w);
    labOut[8 + k] = lab[8 + i];
  });
  writeFileSync(join(out, `${split}-images-idx3-ubyte.gz`), gzipSync(imgOut, { level: 9 }));
  writeFileSync(join(out, `${split}-labels-idx1-ubyte.gz`), gzipSync(labOut, { level: 9 }));
  console.log(`${split}: ${keep.length} images (${taken.join(',')} per class)`);
}
