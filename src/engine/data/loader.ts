import * as tf from '../tf';
import type { BatchSource } from '../search/batch-source';
import type { Batch } from './batch';
import { Rng, type RngState } from '../util/rng';
import type { ImageDataset } from './dataset';
import { augmentImage, type AugmentOptions } from './augment';

export interface LoaderPosition {
  epoch: number;
  index: number;
  order: number[];
  rng: RngState;
}

/**
 * Endless shuffled mini-batches over a uint8 dataset. Images stay uint8 on the host; each batch is
 * uploaded as int32 and normalised on the backend ((x/255 − mean)/std per channel). Drops the last
 * incomplete batch of an epoch, reshuffles per epoch from its own seeded Rng, and reports an exact
 * position so that a resumed run sees the same batches.
 */
export class BatchLoader implements BatchSource {
  readonly batchesPerEpoch: number;
  private rng: Rng;
  private order: Int32Array;
  private index = 0;
  private epoch = 0;
  private readonly mean: number[];
  private readonly std: number[];

  constructor(
    private readonly data: ImageDataset,
    private readonly batchSize: number,
    seed: number,
    stats?: { mean: number[]; std: number[] },
    private readonly augment?: AugmentOptions,
  ) {
    this.rng = new Rng(seed);
    this.batchesPerEpoch = Math.floor(data.labels.length / batchSize);
    this.order = this.rng.permutation(data.labels.length);
    const s = stats ?? channelStats(data);
    this.mean = s.mean;
    this.std = s.std;
  }

  next(): Batch {
    if (this.index + this.batchSize > this.data.labels.length) {
      this.epoch += 1;
      this.order = this.rng.permutation(this.data.labels.length);
      this.index = 0;
    }
    const { height: h, width: w, channels: c } = this.data;
    const per = h * w * c;
    const xb = new Int32Array(this.batchSize * per);
    const yb = new Int32Array(this.batchSize);
    const scratch = this.augment ? new Uint8Array(per) : null;
    for (let b = 0; b < this.batchSize; b++) {
      const i = this.order[this.index + b];
      let img = this.data.images.subarray(i * per, (i + 1) * per);
      if (scratch && this.augment) {
        // Augmentation draws from the loader's own Rng, so a restored position replays it exactly.
        augmentImage(img, h, w, c, this.augment, this.rng, scratch);
        img = scratch;
      }
      for (let j = 0; j < per; j++) xb[b * per + j] = img[j];
      yb[b] = this.data.labels[i];
    }
    this.index += this.batchSize;
    const x = tf.tidy(() =>
      tf.tensor4d(xb, [this.batchSize, h, w, c], 'int32').toFloat().div(255).sub(this.mean).div(this.std),
    ) as tf.Tensor4D;
    return { x, y: tf.tensor1d(yb, 'int32') };
  }

  getPosition(): LoaderPosition {
    return { epoch: this.epoch, index: this.index, order: Array.from(this.order), rng: this.rng.getState() };
  }

  restorePosition(p: unknown): void {
    const pos = p as LoaderPosition;
    if (!pos || !Array.isArray(pos.order) || pos.order.length !== this.data.labels.length)
      throw new Error('the saved data-loader position does not fit this dataset');
    this.epoch = pos.epoch;
    this.index = pos.index;
    this.order = Int32Array.from(pos.order);
    this.rng = new Rng(pos.rng);
  }
}

/** Per-channel mean and standard deviation of pixel values in [0, 1]. */
export function channelStats(d: ImageDataset): { mean: number[]; std: number[] } {
  const c = d.channels;
  const sum = new Float64Array(c);
  const sq = new Float64Array(c);
  for (let i = 0; i < d.images.length; i++) {
    const v = d.images[i] / 255;
    sum[i % c] += v;
    sq[i % c] += v * v;
  }
  const n = d.images.length / c;
  const mean = Array.from(sum, (s) => s / n);
  const std = Array.from(sq, (s, k) => Math.sqrt(Math.max(s / n - mean[k] ** 2, 1e-12)));
  return { mean, std };
}
