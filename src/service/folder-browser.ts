import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FolderListing } from '../shared/api';

/** Entries one listing returns at most (a folder of 100k images is listed by its first folders and files). */
export const MAX_ENTRIES = 2000;

/** Files the dataset step can open directly (the others are not listed: they could not be chosen). */
const DATASET_FILE = /\.(tar\.gz|tgz|tar|gz|bin|txt|idx\d?-ubyte|ubyte)$/i;

/** Whether `path` (a real path) is `root` or lies inside it. */
function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * Lists one folder for the web mode's folder browser (a browser cannot open the system's dialog):
 * its sub-folders and the files a dataset can be, never anything outside `root` (the user's home).
 * The requested path (absolute, or relative to root; null for root itself) is resolved with every
 * symbolic link followed, and refused unless the real folder lies inside root's real path, so
 * neither `..` nor a link that points out escapes; entries that are links pointing out are left out.
 * Hidden entries (dot names) are listed only when asked for.
 */
export function listFolder(
  root: string,
  path: string | null,
  opts: { hidden?: boolean } = {},
): FolderListing {
  const realRoot = realpathSync(root);
  const asked = path === null || path === '' ? realRoot : resolve(realRoot, path);
  if (asked.includes('\0')) throw new Error('the folder path contains a NUL character');
  // The lexical path first (a plain `..` out is refused before the disk is asked), then the real one.
  if (!inside(realRoot, asked) && !inside(root, asked))
    throw new Error(`only folders inside ${realRoot} can be browsed, not ${asked}`);
  let real: string;
  try {
    real = realpathSync(asked);
  } catch {
    throw new Error(`no folder ${asked}`);
  }
  if (!inside(realRoot, real))
    throw new Error(`${asked} leads outside ${realRoot} (through a symbolic link): it cannot be browsed`);
  if (!statSync(real).isDirectory()) throw new Error(`${asked} is a file, not a folder`);
  let names: string[];
  try {
    names = readdirSync(real);
  } catch (e) {
    throw new Error(`cannot read the folder ${real}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  const entries: FolderListing['entries'] = [];
  let truncated = false;
  for (const name of names.sort((a, b) => a.localeCompare(b))) {
    if (!opts.hidden && name.startsWith('.')) continue;
    const full = join(real, name);
    let kind: 'folder' | 'file';
    let link = false;
    try {
      const l = lstatSync(full);
      link = l.isSymbolicLink();
      if (link && !inside(realRoot, realpathSync(full))) continue;
      const s = link ? statSync(full) : l;
      if (s.isDirectory()) kind = 'folder';
      else if (s.isFile() && DATASET_FILE.test(name)) kind = 'file';
      else continue;
    } catch {
      continue; // a dangling link, or an entry removed while listing
    }
    if (entries.length >= MAX_ENTRIES) {
      truncated = true;
      break;
    }
    entries.push({ name, path: full, kind, ...(link ? { link: true } : {}) });
  }
  // Folders first, as file dialogs list them.
  entries.sort((a, b) => (a.kind === b.kind ? 0 : a.kind === 'folder' ? -1 : 1));
  return {
    root: realRoot,
    path: real,
    parent: real === realRoot ? null : dirname(real),
    entries,
    truncated,
  };
}
