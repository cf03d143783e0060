import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** What an export wrote: each file's name and size on disk. */
export interface ExportResult {
  files: Array<{ name: string; bytes: number }>;
}

/** A file of the folder as its manifest lists it. */
export interface ExportedFile<Format extends string> {
  name: string;
  bytes: number;
  format: Format;
}

/** Writes one file into the folder being filled and lists it (in `files`, in writing order). */
export type PutFile<Format extends string> = (
  name: string,
  data: Uint8Array | string,
  format: Format,
) => Promise<void>;

/**
 * Writes an export folder atomically, for every kind of model (model-export.ts, lm-export.ts):
 * `fill` writes the files through `put` into a temporary sibling of `outDir`, which replaces `outDir`
 * only once everything is written (an existing folder stays until then); on any failure the
 * temporary folder is removed, so a failed export leaves nothing behind. `files` is the list `put`
 * keeps, for the manifest.
 */
export async function writeExportFolder<Format extends string>(
  outDir: string,
  fill: (put: PutFile<Format>, files: ExportedFile<Format>[]) => Promise<void>,
): Promise<ExportResult> {
  const target = resolve(outDir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.partial-${randomBytes(5).toString('hex')}`);
  await mkdir(tmp);
  try {
    const files: ExportedFile<Format>[] = [];
    await fill(async (name, data, format) => {
      await writeFile(join(tmp, name), data);
      files.push({
        name,
        bytes: typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength,
        format,
      });
    }, files);
    await replaceFolder(tmp, target);
    const out = await Promise.all(
      files.map(async (f) => ({ name: f.name, bytes: (await stat(join(target, f.name))).size })),
    );
    return { files: out };
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Renames `tmp` to `target`, replacing an existing `target` only once the new folder is complete. */
async function replaceFolder(tmp: string, target: string): Promise<void> {
  if (!existsSync(target)) {
    await rename(tmp, target);
    return;
  }
  const old = `${tmp}.old`;
  await rename(target, old);
  try {
    await rename(tmp, target);
  } catch (e) {
    await rename(old, target);
    throw e;
  }
  await rm(old, { recursive: true, force: true });
}
