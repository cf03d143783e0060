import * as tf from '../../src/engine/tf';
import type { BatchSource } from '../../src/engine/search/batch-source';
import type { Batch } from '../../src/engine/data/batch';
import { Rng } from '../../src/engine/util/rng';

/**
 * A separable toy task for engine tests: class k brightens quadrant k (4 classes) or channel k, plus
 * noise. Returns float32 images NHWC and labels.
 */
export function separableImages(n: number, size: number, channels: number, seed: number) {
  const rng = new Rng(seed);
  const classes = 4;
  const x = new Float32Array(n * size * size * channels);
  const y = new Int32Array(n);
  const h = size / 2;
  for (let i = 0; i < n; i++) {
    const k = i % classes;
    y[i] = k;
    for (let r = 0; r < size; r++)
      for (let c = 0; c < size; c++)
        for (let ch = 0; ch < channels; ch++) {
          const quadrant = (r < h ? 0 : 2) + (c < h ? 0 : 1);
          const signal = quadrant === k ? 1.5 : 0;
          x[((i * size + r) * size + c) * channels + ch] = signal + 0.5 * rng.normal();
        }
  }
  return { x, y, classes, size, channels, n };
}

/** Endless seeded mini-batches over fixed arrays, with an exact position. */
export class ArrayBatches implements BatchSource {
  readonly batchesPerEpoch: number;
  private order: Int32Array;
  private index = 0;
  private rng: Rng;

  constructor(
    private readonly data: ReturnType<typeof separableImages>,
    private readonly batchSize: number,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    this.batchesPerEpoch = Math.floor(data.n / batchSize);
    this.order = this.rng.permutation(data.n);
  }

  next(): Batch {
    if (this.index + this.batchSize > this.data.n) {
      this.order = this.rng.permutation(this.data.n);
      this.index = 0;
    }
    const { size, channels } = this.data;
    const per = size * size * channels;
    const xb = new Float32Array(this.batchSize * per);
    const yb = new Int32Array(this.batchSize);
    for (let b = 0; b < this.batchSize; b++) {
      const i = this.order[this.index + b];
      xb.set(this.data.x.subarray(i * per, (i + 1) * per), b * per);
      yb[b] = this.data.y[i];
    }
    this.index += this.batchSize;
    return { x: tf.tensor4d(xb, [this.batchSize, size, size, channels]), y: tf.tensor1d(yb, 'int32') };
  }

  getPosition() {
    return { order: Array.from(this.order), index: this.index, rng: this.rng.getState() };
  }

  restorePosition(p: unknown): void {
    const pos = p as ReturnType<ArrayBatches['getPosition']>;
    this.order = Int32Array.from(pos.order);
    this.index = pos.index;
    this.rng = new Rng(pos.rng);
  }
}
