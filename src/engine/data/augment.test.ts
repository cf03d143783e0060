import { describe, expect, it } from 'vitest';
import { Rng } from '../util/rng';
import { augmentImage } from './augment';

/** A 4x4 one-channel image with value 10·y + x. */
const img = Uint8Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4));

/** A fake Rng whose draws are given: int() and uniform() return the next scripted value. */
function scripted(values: number[]): Rng {
  const r = new Rng(0);
  let k = 0;
  r.int = () => values[k++];
  r.uniform = () => values[k++];
  return r;
}

describe('augmentImage', () => {
  it('crops with zero padding by the drawn offset', () => {
    const out = new Uint8Array(16);
    // padding 1: int(3) = 2 → dy = +1; int(3) = 0 → dx = −1; no flip.
    augmentImage(img, 4, 4, 1, { cropPadding: 1, flip: false, cutout: 0 }, scripted([2, 0]), out);
    expect(Array.from(out)).toEqual([0, 10, 11, 12, 0, 20, 21, 22, 0, 30, 31, 32, 0, 0, 0, 0]);
  });

  it('flips horizontally when the draw is below 1/2', () => {
    const out = new Uint8Array(16);
    augmentImage(img, 4, 4, 1, { cropPadding: 0, flip: true, cutout: 0 }, scripted([0.2]), out);
    expect(Array.from(out.subarray(0, 4))).toEqual([3, 2, 1, 0]);
    augmentImage(img, 4, 4, 1, { cropPadding: 0, flip: true, cutout: 0 }, scripted([0.7]), out);
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 1, 2, 3]);
  });

  it('cuts out a clipped square around the drawn centre', () => {
    const out = new Uint8Array(16);
    augmentImage(
      img,
      4,
      4,
      1,
      { cropPadding: 0, flip: false, cutout: 2, cutoutFill: [99] },
      scripted([0, 3]),
      out,
    );
    // centre (0, 3), half 1: rows [0, 1), cols [2, 4)
    expect(Array.from(out.subarray(0, 4))).toEqual([0, 1, 99, 99]);
    expect(Array.from(out.subarray(4, 8))).toEqual([10, 11, 12, 13]);
  });

  it('is reproducible from the seed', () => {
    const a = new Uint8Array(16);
    const b = new Uint8Array(16);
    const opts = { cropPadding: 2, flip: true, cutout: 2 };
    augmentImage(img, 4, 4, 1, opts, new Rng(4), a);
    augmentImage(img, 4, 4, 1, opts, new Rng(4), b);
    expect(b).toEqual(a);
  });
});
