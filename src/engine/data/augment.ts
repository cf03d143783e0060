import type { Rng } from '../util/rng';

/** CIFAR-style augmentation on one uint8 NHWC image, in place into `out` (same size). */
export interface AugmentOptions {
  /** Random crop after zero padding by this many pixels (DARTS: 4); 0 disables. */
  cropPadding: number;
  /** Random horizontal flip with probability 1/2. */
  flip: boolean;
  /** Cutout square side (DARTS final training: 16); 0 disables. Applied after normalisation in the
   * reference, i.e. the cut region becomes the mean; here it is filled with 0 before normalisation,
   * so `cutoutFill` carries the per-channel value that normalises to 0. */
  cutout: number;
  cutoutFill?: number[];
}

/**
 * Draws the random choices from `rng` in a fixed order (crop y, crop x, flip, cutout y, cutout x), so
 * that a seed — and a restored loader position — fixes the augmentation exactly.
 */
export function augmentImage(
  src: Uint8Array,
  h: number,
  w: number,
  c: number,
  opts: AugmentOptions,
  rng: Rng,
  out: Uint8Array,
): void {
  const p = opts.cropPadding;
  const dy = p ? rng.int(2 * p + 1) - p : 0;
  const dx = p ? rng.int(2 * p + 1) - p : 0;
  const flip = opts.flip && rng.uniform() < 0.5;
  for (let y = 0; y < h; y++) {
    const sy = y + dy;
    for (let x = 0; x < w; x++) {
      const sxRaw = x + dx;
      const sx = flip ? w - 1 - sxRaw : sxRaw;
      const o = (y * w + x) * c;
      if (sy < 0 || sy >= h || sxRaw < 0 || sxRaw >= w) for (let k = 0; k < c; k++) out[o + k] = 0;
      else {
        const s = (sy * w + sx) * c;
        for (let k = 0; k < c; k++) out[o + k] = src[s + k];
      }
    }
  }
  if (opts.cutout > 0) {
    // The reference centres the square anywhere in the image and clips it at the borders.
    const cy = rng.int(h);
    const cx = rng.int(w);
    const half = Math.floor(opts.cutout / 2);
    for (let y = Math.max(0, cy - half); y < Math.min(h, cy + half); y++)
      for (let x = Math.max(0, cx - half); x < Math.min(w, cx + half); x++)
        for (let k = 0; k < c; k++) out[(y * w + x) * c + k] = opts.cutoutFill?.[k] ?? 0;
  }
}
