import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { builtFile, root } from '../foundation/built';

/** Debian's Chromium where it is installed (apt-get install chromium); the web e2e tests skip without it. */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** Where the e2e tests put their screenshots. */
export const artifacts = join(root, 'test-artifacts');

/** A screenshot of the whole page, as test-artifacts/web-<name>.png. */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `web-${name}.png`), fullPage: true });

/** Web mode as a test drives it: the server's URL (with its token) and a browser to open it in. */
export interface WebApp {
  url: string;
  browser: Browser;
  /** Closes the browser and ends the server. */
  close: () => Promise<void>;
}

/**
 * Starts `nas-studio serve` from the build (npm run build) on the wasm backend over `runsRoot`, reads
 * the URL it prints, and launches headless Chromium. `env` adds to the server's environment (a
 * pretend HOME, say, or another NAS_STUDIO_BACKEND).
 */
export async function startWebApp(runsRoot: string, env: Record<string, string> = {}): Promise<WebApp> {
  builtFile('out/node/cli.js');
  mkdirSync(artifacts, { recursive: true });
  const server = spawn(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), 'serve', '--runs', runsRoot], {
    env: { ...process.env, NAS_STUDIO_BACKEND: 'wasm', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(out);
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`nas-studio serve exited with ${code}`)));
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    return {
      url,
      browser,
      close: async () => {
        await browser.close();
        server.kill();
      },
    };
  } catch (e) {
    server.kill();
    throw e;
  }
}
