import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { pack } from 'tar-stream';

/** CIFAR-10 binary records: label byte then R, G, B planes; pixel value encodes (record, channel). */
export function cifarRecords(labels: number[]): Buffer {
  const rec = 1 + 3072;
  const buf = Buffer.alloc(labels.length * rec);
  labels.forEach((l, i) => {
    buf[i * rec] = l;
    for (let c = 0; c < 3; c++)
      for (let p = 0; p < 1024; p++) buf[i * rec + 1 + c * 1024 + p] = (i * 10 + c) % 256;
  });
  return buf;
}

export function writeCifarFolder(
  dir: string,
  perBatch: number[][] = [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
    [8, 9],
  ],
  test = [0, 9],
): string {
  mkdirSync(dir, { recursive: true });
  perBatch.forEach((labels, i) => writeFileSync(join(dir, `data_batch_${i + 1}.bin`), cifarRecords(labels)));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(test));
  return dir;
}

export async function writeCifarTarGz(
  file: string,
  perBatch: number[][] = [
    [0, 1],
    [2, 3],
    [4, 5],
    [6, 7],
    [8, 9],
  ],
): Promise<string> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  perBatch.forEach((labels, i) =>
    p.entry({ name: `cifar-10-batches-bin/data_batch_${i + 1}.bin` }, cifarRecords(labels)),
  );
  p.entry({ name: 'cifar-10-batches-bin/test_batch.bin' }, cifarRecords([1]));
  p.finalize();
  await done;
  writeFileSync(file, gzipSync(Buffer.concat(chunks)));
  return file;
}

export function idxBuffer(
  kind: 'images' | 'labels',
  n: number,
  size = 4,
  labelOf = (i: number) => i % 3,
): Buffer {
  if (kind === 'labels') {
    const b = Buffer.alloc(8 + n);
    b.writeUInt32BE(0x801, 0);
    b.writeUInt32BE(n, 4);
    for (let i = 0; i < n; i++) b[8 + i] = labelOf(i);
    return b;
  }
  const b = Buffer.alloc(16 + n * size * size);
  b.writeUInt32BE(0x803, 0);
  b.writeUInt32BE(n, 4);
  b.writeUInt32BE(size, 8);
  b.writeUInt32BE(size, 12);
  for (let i = 0; i < n * size * size; i++) b[16 + i] = i % 251;
  return b;
}

export function writeIdxFolder(dir: string, gz: boolean, n = 12): string {
  mkdirSync(dir, { recursive: true });
  const w = (name: string, b: Buffer) =>
    writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b);
  w('train-images-idx3-ubyte', idxBuffer('images', n));
  w('train-labels-idx1-ubyte', idxBuffer('labels', n));
  w('t10k-images-idx3-ubyte', idxBuffer('images', 3));
  w('t10k-labels-idx1-ubyte', idxBuffer('labels', 3));
  return dir;
}

export function pngBytes(w: number, h: number, rgb: [number, number, number]): Buffer {
  const png = new PNG({ width: w, height: h });
  for (let i = 0; i < w * h; i++) png.data.set([...rgb, 255], i * 4);
  return PNG.sync.write(png);
}

export function writeImageFolder(dir: string, classes: Record<string, number>): string {
  Object.entries(classes).forEach(([name, count], k) => {
    mkdirSync(join(dir, name), { recursive: true });
    for (let i = 0; i < count; i++)
      writeFileSync(join(dir, name, `${i}.png`), pngBytes(6 + i, 5, [k * 100, 50, 200 - k * 100]));
  });
  return dir;
}
