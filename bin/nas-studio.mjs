#!/usr/bin/env node
// Entry of the headless CLI. Uses the built bundle when present (npm run build), otherwise runs the
// TypeScript sources through tsx so that a fresh clone works right after `npm ci`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'node', 'cli.js');
if (existsSync(built) && !process.env.NAS_STUDIO_FROM_SOURCE) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href);
}
