#!/usr/bin/env node
// `npm start`: builds if needed and launches the app with Electron. Electron 45 downloads its binary at
// first launch (not at install); where that cannot happen (offline, or a machine that reaches only the
// npm registry) it says so in one sentence and runs the app in web mode instead, so that `npm start`
// runs the app on every machine. `npm start -- --web` asks for web mode directly.
import { existsSync, readFileSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
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
  // Ask the electron package to fetch its binary now (it downloads from GitHub releases). Its output
  // is kept: where the download fails it is a stack trace, and the one sentence below says it better.
  const r = spawnSync(process.execPath, [join(pkgDir, 'install.js')], {
    cwd: pkgDir,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (r.status === 0 && existsSync(pathTxt)) {
    const bin = join(pkgDir, 'dist', readFileSync(pathTxt, 'utf8').trim());
    if (existsSync(bin)) return bin;
  }
  return null;
}

/** The system's way to open a URL in the browser, where there is a display; null on a headless box. */
function browserOpener() {
  if (process.platform === 'darwin') return ['open'];
  if (process.platform === 'win32') return ['cmd', '/c', 'start', ''];
  return process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open'] : null;
}

/**
 * Web mode in place of the desktop app: the same UI, served on 127.0.0.1 with a token. The URL is
 * opened in the browser where there is a display, and printed either way.
 */
function startWebMode(why) {
  console.error(`NAS Studio: ${why}; starting web mode instead (the same app, in your browser).`);
  const serve = spawn(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), 'serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let opened = false;
  let out = '';
  serve.stdout.on('data', (d) => {
    process.stdout.write(d);
    out += d.toString();
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out)?.[0];
    const opener = browserOpener();
    if (url && !opened && opener) {
      opened = true;
      const [cmd, ...args] = opener;
      spawn(cmd, [...args, url], { stdio: 'ignore', detached: true })
        .on('error', () => {})
        .unref();
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => serve.kill(signal));
  serve.on('exit', (code) => process.exit(code ?? 0));
}

const bin = process.argv.includes('--web') ? null : electronBinary();
if (!bin) {
  startWebMode(
    process.argv.includes('--web')
      ? 'web mode was asked for (--web)'
      : "Electron's binary is not installed and could not be downloaded (it comes from GitHub at first launch; this machine may be offline or reach only the npm registry)",
  );
} else {
  const r = spawnSync(bin, [root], { stdio: 'inherit' });
  process.exit(r.status ?? 0);
}
