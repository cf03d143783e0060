import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import { DatasetError, type ImageDataset } from './dataset';

/** CIFAR binary layout: per record, label byte(s) then 3×32×32 bytes, channel-major (R plane, G, B). */
const PIXELS = 32 * 32 * 3;

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

interface Variant {
  name: 'cifar10' | 'cifar100';
  labelBytes: number;
  /** Which label byte is the class (CIFAR-100: coarse, fine → fine). */
  labelIndex: number;
  train: string[];
  test: string[];
  classes: number;
}

const CIFAR10: Variant = {
  name: 'cifar10',
  labelBytes: 1,
  labelIndex: 0,
  train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`),
  test: ['test_batch.bin'],
  classes: 10,
};
const CIFAR100: Variant = {
  name: 'cifar100',
  labelBytes: 2,
  labelIndex: 1,
  train: ['train.bin'],
  test: ['test.bin'],
  classes: 100,
};

/** Decodes CIFAR records into NHWC uint8, checking the size and the label range. */
function decode(
  buffers: Array<{ file: string; data: Buffer }>,
  v: Variant,
  description: string,
): ImageDataset {
  const rec = v.labelBytes + PIXELS;
  let n = 0;
  for (const { file, data } of buffers) {
    if (data.length === 0 || data.length % rec !== 0)
      throw new DatasetError(
        'corrupt',
        file,
        `size ${data.length} bytes is not a whole number of ${rec}-byte CIFAR records (truncated?)`,
      );
    n += data.length / rec;
  }
  const images = new Uint8Array(n * PIXELS);
  const labels = new Int32Array(n);
  let k = 0;
  for (const { file, data } of buffers) {
    for (let off = 0; off < data.length; off += rec, k++) {
      const label = data[off + v.labelIndex];
      if (label >= v.classes)
        throw new DatasetError(
          'corrupt',
          file,
          `record ${k} has label ${label}, beyond the ${v.classes} classes`,
        );
      labels[k] = label;
      const px = off + v.labelBytes;
      for (let p = 0; p < 1024; p++)
        for (let c = 0; c < 3; c++) images[k * PIXELS + p * 3 + c] = data[px + c * 1024 + p];
    }
  }
  const classNames =
    v.name === 'cifar10' ? CIFAR10_CLASSES : Array.from({ length: 100 }, (_, i) => `class ${i}`);
  return { images, labels, height: 32, width: 32, channels: 3, classNames, description };
}

function variantOf(names: string[]): Variant | null {
  if (names.some((n) => n.endsWith('data_batch_1.bin'))) return CIFAR10;
  if (names.some((n) => /(^|\/)train\.bin$/.test(n))) return CIFAR100;
  return null;
}

/** Reads the needed members of a CIFAR binary .tar.gz as downloaded, streaming (no extraction). */
async function readTarGz(path: string, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => {
      if (wanted(header.name)) chunks.push(c as Buffer);
    });
    stream.on('end', () => {
      if (wanted(header.name)) out.set(header.name, Buffer.concat(chunks));
      next();
    });
    stream.resume();
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) =>
      reject(new DatasetError('corrupt', path, `the archive is damaged or truncated (${e.message})`));
    createReadStream(path)
      .on('error', fail)
      .pipe(createGunzip())
      .on('error', fail)
      .pipe(ex)
      .on('error', fail);
    ex.on('finish', resolve);
  });
  return out;
}

/** CIFAR-10/100 binary version, from the downloaded .tar.gz or its extracted folder. */
export async function loadCifar(path: string, split: 'train' | 'test'): Promise<ImageDataset> {
  if (!existsSync(path)) throw new DatasetError('missing', path, 'not found');
  let files: Array<{ file: string; data: Buffer }>;
  let v: Variant | null;
  if (statSync(path).isDirectory()) {
    const names = [...CIFAR10.train, ...CIFAR100.train].filter((f) => existsSync(join(path, f)));
    v = variantOf(names);
    if (!v)
      throw new DatasetError(
        'missing',
        path,
        'no data_batch_1.bin (CIFAR-10) or train.bin (CIFAR-100) in this folder',
      );
    const list = v[split];
    for (const f of list)
      if (!existsSync(join(path, f)))
        throw new DatasetError('missing', join(path, f), 'file not found (incomplete CIFAR folder)');
    files = list.map((f) => ({ file: join(path, f), data: readFileSync(join(path, f)) }));
  } else {
    const members = await readTarGz(path, (n) => n.endsWith('.bin'));
    v = variantOf([...members.keys()]);
    if (!v) throw new DatasetError('corrupt', path, 'the archive holds no CIFAR binary batches');
    const variant = v;
    files = variant[split].map((f) => {
      const key = [...members.keys()].find((k) => k.endsWith(`/${f}`) || k === f);
      if (!key) throw new DatasetError('missing', `${path}:${f}`, 'member not found in the archive');
      return { file: `${path}:${key}`, data: members.get(key) as Buffer };
    });
  }
  return decode(files, v, `${v.name === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} (${split}) from ${path}`);
}
