import { classCounts, type ImageDataset } from './dataset';

/** What the wizard shows of a dataset: a few images per class as RGBA, and class counts per split. */
export interface DatasetPreview {
  classNames: string[];
  /** Per class, up to `perClass` images as RGBA bytes (height × width × 4), in dataset order. */
  samples: Array<{
    className: string;
    images: Array<{ width: number; height: number; rgba: Uint8ClampedArray }>;
  }>;
  histograms: Record<string, number[]>;
}

function toRgba(d: ImageDataset, i: number): Uint8ClampedArray {
  const { height: h, width: w, channels: c } = d;
  const out = new Uint8ClampedArray(h * w * 4);
  for (let p = 0; p < h * w; p++) {
    const base = (i * h * w + p) * c;
    const [r, g, b] =
      c === 1
        ? [d.images[base], d.images[base], d.images[base]]
        : [d.images[base], d.images[base + 1], d.images[base + 2]];
    out.set([r, g, b, 255], p * 4);
  }
  return out;
}

export function previewDataset(
  d: ImageDataset,
  perClass: number,
  splits: Record<string, ImageDataset> = {},
): DatasetPreview {
  const picked: number[][] = d.classNames.map(() => []);
  for (let i = 0; i < d.labels.length; i++) {
    const l = d.labels[i];
    if (picked[l].length < perClass) picked[l].push(i);
  }
  return {
    classNames: d.classNames,
    samples: d.classNames.map((className, k) => ({
      className,
      images: picked[k].map((i) => ({ width: d.width, height: d.height, rgba: toRgba(d, i) })),
    })),
    histograms: Object.fromEntries(
      Object.entries({ all: d, ...splits }).map(([name, s]) => [
        name,
        classCounts(s.labels, d.classNames.length),
      ]),
    ),
  };
}
