/** Images as uint8 NHWC with integer labels: the in-memory form every source produces. */
export interface ImageDataset {
  images: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  /** Where it came from, for logs and the UI. */
  description: string;
}

/** A dataset error the UI can show as a sentence: it names the file and the problem. */
export class DatasetError extends Error {
  constructor(
    readonly code: 'missing' | 'corrupt' | 'bad-magic' | 'mismatch' | 'empty-class' | 'unsupported',
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'DatasetError';
  }
}

export function datasetSize(d: ImageDataset): number {
  return d.labels.length;
}

/** The subset of `d` at `indices` (copied). */
export function selectExamples(
  d: ImageDataset,
  indices: ArrayLike<number>,
  description = d.description,
): ImageDataset {
  const per = d.height * d.width * d.channels;
  const images = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    images.set(d.images.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = d.labels[i];
  }
  return { ...d, images, labels, description };
}

export function classCounts(labels: Int32Array, numClasses: number): number[] {
  const c = new Array<number>(numClasses).fill(0);
  for (const l of labels) c[l]++;
  return c;
}
