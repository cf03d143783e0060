import { TRY_IMAGE_MAX_BYTES, type ImagePredictionDto } from '../../../shared/api';

/**
 * What the "try it" panel checks before it sends a file (the host checks again, by the file's
 * bytes): its size and that it says it is a PNG or JPEG. Null when it may go.
 */
export function tryFileProblem(file: { name: string; size: number; type: string }): string | null {
  if (file.size === 0) return `${file.name} is empty`;
  if (file.size > TRY_IMAGE_MAX_BYTES)
    return `${file.name} is ${(file.size / 1024 / 1024).toFixed(1)} MiB, more than the ${TRY_IMAGE_MAX_BYTES / 1024 / 1024} MiB allowed`;
  const byType = file.type === 'image/png' || file.type === 'image/jpeg';
  // A browser that names no type: the name decides here, the bytes on the host.
  const byName = file.type === '' && /\.(png|jpe?g)$/i.test(file.name);
  if (!byType && !byName) return `${file.name} is not a PNG or JPEG image (${file.type || 'unknown type'})`;
  return null;
}

/** The preprocessing as one sentence: how the uploaded image became the network's input. */
export function describePreprocessing(p: ImagePredictionDto['preprocessing']): string {
  const f = (v: number[]) =>
    v.length === 1 ? v[0].toFixed(3) : `(${v.map((x) => x.toFixed(3)).join(', ')})`;
  const color =
    p.color === 'grayscale' ? 'to grayscale (0.299 R + 0.587 G + 0.114 B)' : 'as RGB (alpha dropped)';
  return `resized ${p.resize}ly to ${p.width}×${p.height}, ${color}, pixel × 1/${Math.round(1 / p.scale)}, then (v − mean) / std with mean ${f(p.mean)} and std ${f(p.std)}, the training data's`;
}
