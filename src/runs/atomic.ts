import { closeSync, fsyncSync, openSync, renameSync, writeSync, unlinkSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Writes a file so that readers see either the old or the new content, never a torn one: write a
 * temporary file beside it, fsync it, rename over the target, fsync the directory. On failure (full
 * disk, unwritable folder) the temporary file is removed and the previous file is left untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw new Error(`Could not write ${path}: ${describeFsError(e)}`);
  }
  try {
    const dfd = openSync(dirname(path), 'r');
    fsyncSync(dfd);
    closeSync(dfd);
  } catch {
    // Directory fsync is not supported on every platform (Windows); the rename already happened.
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
