import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every file of an export folder by name, to compare two exports byte for byte: manifest.json and
 * README.md have their creation time (the manifest's createdAt) masked, the one thing that differs.
 */
export function exportFolderFiles(dir: string): Map<string, Buffer> {
  const { createdAt } = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { createdAt: string };
  return new Map(
    readdirSync(dir).map((f) => {
      const bytes = readFileSync(join(dir, f));
      const masked = f === 'manifest.json' || f === 'README.md';
      return [f, masked ? Buffer.from(bytes.toString('utf8').split(createdAt).join('<created>')) : bytes];
    }),
  );
}
