import { writeFileAtomicSync } from '../engine/export/atomic-write';

/**
 * Writes a file atomically (temporary file, fsync, rename: see engine/export/atomic-write.ts) and turns
 * a failure (full disk, unwritable folder) into a sentence naming the file; the previous file is left
 * untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeFileAtomicSync(path, data);
  } catch (e) {
    throw new Error(`Could not write ${path}: ${describeFsError(e)}`);
  }
}

/** A plain sentence for common file-system failures. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err?.code) {
    case 'ENOSPC':
      return 'the disk is full; free some space and resume the run';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; choose a folder you can write to';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOENT':
      return 'the folder does not exist';
    default:
      return err?.message ?? String(e);
  }
}
