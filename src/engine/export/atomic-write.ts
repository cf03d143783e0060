import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file so that readers (and a crash) see either the old content or the complete new one,
 * never a torn file: write a temporary file beside the target, fsync it, rename it over the target
 * (atomic within a filesystem), then fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempPathFor(path);
  try {
    const fh = await open(tmp, 'wx');
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  syncDirectory(dirname(path));
}

/** The synchronous twin of writeFileAtomic, for callers that cannot await. */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const tmp = tempPathFor(path);
  try {
    const fd = openSync(tmp, 'wx');
    try {
      const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDirectory(dirname(path));
}

/** A unique hidden name in the target's directory (same filesystem, so the rename is atomic). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
}

/** Best effort: POSIX needs it for a durable rename; Windows cannot open a directory, so skip there. */
function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return;
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the data file itself is already synced.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
