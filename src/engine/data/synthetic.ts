import { Rng } from '../util/rng';
import type { ImageDataset } from './dataset';

/**
 * A seeded, learnable synthetic image task for tests and smoke runs: class k brightens one of a
 * grid of patches (and tints channel k mod C), plus uniform noise.
 */
export function syntheticDataset(opts: {
  size: number;
  imageSize: number;
  channels: number;
  classes: number;
  seed: number;
}): ImageDataset {
  const { size: n, imageSize: s, channels: c, classes: K, seed } = opts;
  const rng = new Rng(seed);
  const images = new Uint8Array(n * s * s * c);
  const labels = new Int32Array(n);
  const grid = Math.ceil(Math.sqrt(K));
  const cell = Math.max(1, Math.floor(s / grid));
  for (let i = 0; i < n; i++) {
    const k = i % K;
    labels[i] = k;
    const [pr, pc] = [Math.floor(k / grid) * cell, (k % grid) * cell];
    for (let r = 0; r < s; r++)
      for (let col = 0; col < s; col++)
        for (let ch = 0; ch < c; ch++) {
          const inPatch = r >= pr && r < pr + cell && col >= pc && col < pc + cell;
          const v = 60 * rng.uniform() + (inPatch ? 150 : 0) + (ch === k % c ? 30 : 0);
          images[((i * s + r) * s + col) * c + ch] = Math.min(255, Math.round(v));
        }
  }
  return {
    images,
    labels,
    height: s,
    width: s,
    channels: c,
    classNames: Array.from({ length: K }, (_, k) => `class ${k}`),
    description: `synthetic (${n} images ${s}x${s}x${c}, ${K} classes)`,
  };
}
