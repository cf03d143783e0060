import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtFile, root } from './built';

const electronDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
const binaryPresent =
  existsSync(join(electronDir, 'path.txt')) &&
  existsSync(join(electronDir, 'dist', readFileSync(join(electronDir, 'path.txt'), 'utf8').trim()));

describe('npm start without the Electron binary', () => {
  it.skipIf(binaryPresent)('says why in one sentence and serves the app in web mode instead', async () => {
    builtFile('out/main/index.js');
    builtFile('out/node/cli.js');
    // No download attempt (this machine cannot reach GitHub anyway), no display: nothing to open.
    const env = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1', DISPLAY: '', WAYLAND_DISPLAY: '' };
    const p = spawn(process.execPath, [join(root, 'scripts', 'start.mjs')], { cwd: root, env });
    let out = '';
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        p.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=\S+/.exec(out);
          if (m) resolve(m[0]);
        });
        p.once('exit', (code) => reject(new Error(`start exited with ${code}: ${err}`)));
      });
      expect(err).toMatch(/^NAS Studio: Electron's binary is not installed .*; starting web mode instead/);
      expect(err).not.toMatch(/fetch failed|\n\s+at /);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('NAS Studio');
    } finally {
      p.kill('SIGTERM');
    }
  });
});
