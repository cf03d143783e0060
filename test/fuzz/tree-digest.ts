import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A digest of a folder tree: every entry's relative path, kind, mode and content (links by target).
 * Equal digests before and after a fuzz run mean it changed no run directory.
 */
export function treeDigest(root: string): string {
  const h = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const s = lstatSync(full);
      h.update(`${relative(root, full)}\0${s.mode}\0`);
      if (s.isSymbolicLink()) h.update(readlinkSync(full));
      else if (s.isDirectory()) walk(full);
      else h.update(readFileSync(full));
      h.update('\0');
    }
  };
  if (existsSync(root)) walk(root);
  return h.digest('hex');
}
