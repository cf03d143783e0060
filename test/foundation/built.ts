import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

/** Path of a built bundle; builds once (electron-vite build) when `npm run build` has not been run. */
export function builtFile(rel: string): string {
  const file = join(root, rel);
  if (!existsSync(file)) {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
  }
  if (!existsSync(file)) throw new Error(`${rel} is missing even after electron-vite build`);
  return file;
}
