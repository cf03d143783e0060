#!/usr/bin/env node
// `npm start`: builds if needed and launches the app with Electron. Electron 45 downloads its binary at
// first launch (not at install); where that cannot happen (offline, or a machine that reaches only the
// npm registry) this says so and what to use instead, rather than failing with a stack trace.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

// The app needs both builds: the Electron main process (out/main) and the engine worker it starts (out/node).
if (
  !existsSync(join(root, 'out', 'main', 'index.js')) ||
  !existsSync(join(root, 'out', 'node', 'worker.js'))
) {
  const b = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

function electronBinary() {
  const pkgDir = dirname(require.resolve('electron/package.json'));
  const pathTxt = join(pkgDir, 'path.txt');
  if (existsSync(pathTxt)) {
    const bin = join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (existsSync(bin)) return bin;
  }
  // Ask the electron package to fetch its binary now (it downloads from GitHub releases).
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
    cwd: pkgDir,
    stdio: 'inherit',
    timeout: 300_000,
  });
  if (r.status === 0 && existsSync(pathTxt)) {
    const bin = join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (existsSync(bin)) return bin;
  }
  return null;
}

const bin = electronBinary();
if (!bin) {
  console.error(`
NAS Studio could not start: the Electron binary is not installed and could not be downloaded
(Electron fetches it from GitHub at first launch; this machine may be offline or behind a registry-only proxy).

What you can do:
  - on a machine with internet access, run \`npm start\` again;
  - or use the headless command line, which needs no Electron:
      npx nas-studio doctor          # what this machine offers
      npx nas-studio search --config my-search.json
`);
  process.exit(1);
}
const r = spawnSync(bin, [root], { stdio: 'inherit' });
process.exit(r.status ?? 0);
