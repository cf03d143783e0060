import { imageKindOf } from '../engine/data/image-kind';
import { TRY_IMAGE_MAX_BASE64, TRY_IMAGE_MAX_BYTES } from '../shared/api';
import type { RunDir } from './run-dir';

/**
 * The checks of the dashboard's "try it" panel that need no engine (the host runs them before it
 * starts a worker; the worker runs them again, as it trusts no host): the run is a completed training
 * run, and the upload is a PNG or JPEG of at most TRY_IMAGE_MAX_BYTES. tfjs-free.
 */

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/** Refuses a run that is not a completed training run, saying what it is and what to do. */
export function assertTryableRun(dir: RunDir): void {
  const config = dir.readConfig();
  if (config.kind !== 'train')
    throw new Error(
      `run ${dir.id} is a search: images are classified by a trained model; train its architecture first (Train this architecture) and try the training run`,
    );
  const status = dir.readStatus().status;
  if (status !== 'completed')
    throw new Error(`run ${dir.id} is ${status}: images can be classified once its training has completed`);
}

/**
 * The uploaded image's bytes from base64, or an error naming the file: too large, not base64, or
 * neither PNG nor JPEG by its signature (a renamed file is judged by its content, not its name).
 */
export function decodeUpload(
  base64: string,
  name = 'the image',
): { bytes: Uint8Array; kind: 'png' | 'jpeg' } {
  if (base64.length > TRY_IMAGE_MAX_BASE64)
    throw new Error(
      `${name} is about ${mib((base64.length * 3) / 4)}, more than the ${mib(TRY_IMAGE_MAX_BYTES)} allowed`,
    );
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0)
    throw new Error(`${name}: the upload is not base64-encoded bytes`);
  const bytes = Uint8Array.from(Buffer.from(base64, 'base64'));
  if (bytes.length === 0) throw new Error(`${name} is empty`);
  const kind = imageKindOf(bytes);
  if (!kind) throw new Error(`${name} is not a PNG or JPEG image (its first bytes are neither signature)`);
  return { bytes, kind };
}
