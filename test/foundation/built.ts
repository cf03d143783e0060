import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export const root = join(__dirname, '..', '..');

const electronVite = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');

/**
 * Path of a built bundle; builds once when `npm run build` has not been run, as it does: the Electron
 * bundles (out/main, out/preload, out/renderer), then the worker and the CLI (out/node).
 */
export function builtFile(rel: string): string {
  const file = join(root, rel);
  if (!existsSync(file)) {
    for (const args of [['build'], ['build', '-c', 'electron.vite.node.config.ts', '--ignoreConfigWarning']])
      execFileSync(process.execPath, [electronVite, ...args], { cwd: root, stdio: 'ignore' });
  }
  if (!existsSync(file)) throw new Error(`${rel} is missing even after npm run build's two builds`);
  return file;
}
