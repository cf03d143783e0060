import { describe, expect, it } from 'vitest';
import { previewDataset } from './preview';
import type { ImageDataset } from './dataset';

const d: ImageDataset = {
  images: Uint8Array.from([10, 20, 30, 40]),
  labels: Int32Array.from([1, 0, 1, 1]),
  height: 1,
  width: 1,
  channels: 1,
  classNames: ['a', 'b'],
  description: 'tiny',
};

describe('previewDataset', () => {
  it('picks the first images of each class as RGBA and counts classes per split', () => {
    const p = previewDataset(d, 2, { train: { ...d, labels: Int32Array.from([1, 1]) } });
    expect(p.samples.map((s) => s.images.length)).toEqual([1, 2]);
    expect(Array.from(p.samples[1].images[1].rgba)).toEqual([30, 30, 30, 255]);
    expect(Array.from(p.samples[0].images[0].rgba)).toEqual([20, 20, 20, 255]);
    expect(p.histograms).toEqual({ all: [1, 3], train: [0, 2] });
  });
});
