import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError, type ImageDataset } from './dataset';

/** Reads an IDX file (MNIST format), gzipped or raw, checking magic number and sizes. */
export function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  if (!existsSync(file)) throw new DatasetError('missing', file, 'file not found');
  let buf: Buffer = readFileSync(file);
  if (buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new DatasetError(
        'corrupt',
        file,
        `the gzip data is damaged or truncated (${(e as Error).message})`,
      );
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0 || buf[2] !== 0x08)
    throw new DatasetError('bad-magic', file, 'not an unsigned-byte IDX file (wrong magic number)');
  const ndim = buf[3];
  if (ndim < 1 || ndim > 4 || buf.length < 4 + 4 * ndim)
    throw new DatasetError('corrupt', file, `bad IDX header (${ndim} dimensions)`);
  const dims = Array.from({ length: ndim }, (_, i) => buf.readUInt32BE(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const offset = 4 + 4 * ndim;
  if (buf.length - offset !== size)
    throw new DatasetError(
      'corrupt',
      file,
      `expected ${size} data bytes for dimensions ${dims.join('x')}, found ${buf.length - offset} (truncated?)`,
    );
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + offset, size) };
}

/** An images file (N×H×W) and its labels file (N) as an ImageDataset with one channel. */
export function readIdxPair(
  imagesFile: string,
  labelsFile: string,
  classNames: string[],
  description: string,
): ImageDataset {
  const img = readIdx(imagesFile);
  const lab = readIdx(labelsFile);
  if (img.dims.length !== 3)
    throw new DatasetError(
      'corrupt',
      imagesFile,
      `expected N×H×W images, found dimensions ${img.dims.join('x')}`,
    );
  if (lab.dims.length !== 1)
    throw new DatasetError('corrupt', labelsFile, `expected a vector of labels, found ${lab.dims.join('x')}`);
  if (img.dims[0] !== lab.dims[0])
    throw new DatasetError(
      'mismatch',
      labelsFile,
      `${lab.dims[0]} labels for ${img.dims[0]} images in ${imagesFile}`,
    );
  const labels = Int32Array.from(lab.data);
  const bad = labels.findIndex((l) => l >= classNames.length);
  if (bad >= 0)
    throw new DatasetError(
      'corrupt',
      labelsFile,
      `label ${labels[bad]} at index ${bad} exceeds the ${classNames.length} classes`,
    );
  return {
    images: new Uint8Array(img.data),
    labels,
    height: img.dims[1],
    width: img.dims[2],
    channels: 1,
    classNames,
    description,
  };
}
