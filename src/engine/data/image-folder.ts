import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { DatasetError, type ImageDataset } from './dataset';

const EXT = new Set(['.png', '.jpg', '.jpeg']);

/** Decodes a PNG or JPEG file to RGBA (predict reads images the way the loader does). */
export function decodeImage(file: string): { width: number; height: number; data: Uint8Array } {
  return decodeImageBytes(readFileSync(file), extname(file).toLowerCase() === '.png' ? 'png' : 'jpeg');
}

/**
 * Decodes PNG or JPEG bytes to RGBA: the one decoder of the loader, `predict` and the dashboard's
 * "try it" panel (whose bytes come from the browser, not a file). JPEGs above `maxMegapixels` are
 * refused by the decoder before it allocates their pixels.
 */
export function decodeImageBytes(
  buf: Uint8Array,
  kind: 'png' | 'jpeg',
  maxMegapixels = 100,
): { width: number; height: number; data: Uint8Array } {
  if (kind === 'png') {
    // The header's size first (IHDR: width and height at bytes 16..23): a small, highly compressed
    // file can name billions of pixels, which the decoder would allocate.
    if (buf.length >= 24) {
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const mp = (view.getUint32(16) * view.getUint32(20)) / 1e6;
      if (mp > maxMegapixels)
        throw new Error(`the PNG is ${mp.toFixed(0)} megapixels, more than the ${maxMegapixels} allowed`);
    }
    const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
    return { width: png.width, height: png.height, data: png.data };
  }
  const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxMegapixels });
  return { width: img.width, height: img.height, data: img.data };
}

/** Bilinear resize of an RGBA image to size×size, keeping `channels` (1: luminance, 3: RGB). */
export function resizeTo(
  src: { width: number; height: number; data: Uint8Array },
  size: number,
  channels: 1 | 3,
  out: Uint8Array,
  offset: number,
) {
  const { width: w, height: h, data } = src;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / size - 0.5));
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / size - 0.5));
      const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
      const [y1, x1] = [Math.min(h - 1, y0 + 1), Math.min(w - 1, x0 + 1)];
      const [fy, fx] = [sy - y0, sx - x0];
      const px = (yy: number, xx: number, c: number) => data[(yy * w + xx) * 4 + c];
      const sample = (c: number) =>
        (1 - fy) * ((1 - fx) * px(y0, x0, c) + fx * px(y0, x1, c)) +
        fy * ((1 - fx) * px(y1, x0, c) + fx * px(y1, x1, c));
      if (channels === 3)
        for (let c = 0; c < 3; c++) out[offset + (y * size + x) * 3 + c] = Math.round(sample(c));
      else out[offset + y * size + x] = Math.round(0.299 * sample(0) + 0.587 * sample(1) + 0.114 * sample(2));
    }
}

export interface ImageFolderResult {
  dataset: ImageDataset;
  /** Files that could not be decoded (skipped), named for the user. */
  skipped: string[];
}

/**
 * One sub-folder per class of PNG/JPEG files, resized to size×size. A class folder without images,
 * or more than 1% (and more than 2) undecodable files, is an error; a few undecodable files are
 * skipped and reported.
 */
export function loadImageFolder(root: string, opts: { size: number; channels?: 1 | 3 }): ImageFolderResult {
  if (!existsSync(root) || !statSync(root).isDirectory())
    throw new DatasetError('missing', root, 'not a folder');
  const classes = readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  if (classes.length < 2)
    throw new DatasetError(
      'empty-class',
      root,
      `needs one sub-folder per class (at least 2), found ${classes.length}`,
    );
  const files: Array<{ file: string; label: number }> = [];
  classes.forEach((c, label) => {
    const imgs = readdirSync(join(root, c))
      .filter((f) => EXT.has(extname(f).toLowerCase()))
      .sort();
    if (!imgs.length)
      throw new DatasetError('empty-class', join(root, c), 'this class folder holds no PNG or JPEG images');
    for (const f of imgs) files.push({ file: join(root, c, f), label });
  });
  const channels = opts.channels ?? 3;
  const per = opts.size * opts.size * channels;
  const images = new Uint8Array(files.length * per);
  const labels: number[] = [];
  const skipped: string[] = [];
  let k = 0;
  for (const { file, label } of files) {
    let img;
    try {
      img = decodeImage(file);
    } catch {
      skipped.push(file);
      continue;
    }
    resizeTo(img, opts.size, channels, images, k * per);
    labels.push(label);
    k++;
  }
  if (skipped.length > Math.max(2, files.length * 0.01))
    throw new DatasetError(
      'corrupt',
      root,
      `${skipped.length} of ${files.length} images could not be decoded, e.g. ${skipped.slice(0, 3).join(', ')}`,
    );
  const counts = classes.map((_, c) => labels.filter((l) => l === c).length);
  const empty = counts.findIndex((n) => n === 0);
  if (empty >= 0)
    throw new DatasetError(
      'empty-class',
      join(root, classes[empty]),
      'no image of this class could be decoded',
    );
  return {
    dataset: {
      images: images.subarray(0, k * per),
      labels: Int32Array.from(labels),
      height: opts.size,
      width: opts.size,
      channels,
      classNames: classes,
      description: `image folder ${root} (${k} images, ${classes.length} classes, resized to ${opts.size}x${opts.size})`,
    },
    skipped,
  };
}
