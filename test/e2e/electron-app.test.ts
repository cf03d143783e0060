import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { _electron, type ElectronApplication } from 'playwright-core';
import { builtFile, root } from '../foundation/built';
import { searchFlow } from './flows';

/**
 * The desktop app itself, driven through Playwright's Electron support under Xvfb: the same flow as
 * the web-mode test, through the preload bridge and IPC instead of HTTP. Runs where Electron's binary
 * was downloaded at install time; elsewhere it is skipped with the reason printed.
 */
/**
 * Electron's executable as its package records it (path.txt + dist/), looked up without
 * require('electron'): that would try to download the binary from GitHub, which CI cannot reach.
 */
function electronBinary(): { path?: string; why?: string } {
  const pkg = join(root, 'node_modules', 'electron');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH)
    return { path: join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron') };
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile))
    return {
      why: "Electron's binary was not downloaded (no node_modules/electron/path.txt; electron fetches it from GitHub at install or first launch)",
    };
  const path = join(pkg, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(path) ? { path } : { why: `Electron's binary is missing at ${path}` };
}

function displayAvailable(): { display?: string; why?: string } {
  if (process.env.DISPLAY) return { display: process.env.DISPLAY };
  if (existsSync('/usr/bin/Xvfb')) return { display: ':97' };
  return { why: 'no X display and no Xvfb (apt-get install xvfb)' };
}

const electron = electronBinary();
const display = electron.path ? displayAvailable() : {};
const skipWhy = electron.why ?? display.why;
if (skipWhy) console.warn(`Electron e2e skipped: ${skipWhy}`);

describe.skipIf(!!skipWhy)('the desktop app (Electron, under Xvfb)', () => {
  let xvfb: ChildProcess | undefined;
  let app: ElectronApplication | undefined;
  const artifacts = join(root, 'test-artifacts');

  afterAll(async () => {
    await app?.close();
    xvfb?.kill();
  });

  it('wizard → live dashboard → pause → resume → completion → genotype diagram → export', async () => {
    builtFile('out/main/index.js');
    mkdirSync(artifacts, { recursive: true });
    if (!process.env.DISPLAY) {
      xvfb = spawn('/usr/bin/Xvfb', [String(display.display), '-screen', '0', '1280x1000x24'], {
        stdio: 'ignore',
      });
      await new Promise((r) => setTimeout(r, 1000));
    }
    app = await _electron.launch({
      executablePath: electron.path,
      // Chromium's sandbox cannot start as root (CI containers); the renderer's own sandbox flag stays on.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), join(root, 'out', 'main', 'index.js')],
      env: Object.fromEntries(
        Object.entries({
          ...process.env,
          DISPLAY: display.display,
          NAS_STUDIO_HOME: mkdtempSync(join(tmpdir(), 'nas-electron-')),
          NAS_STUDIO_BACKEND: 'wasm',
        }).filter((e): e is [string, string] => e[1] !== undefined),
      ),
    });
    const page = await app.firstWindow();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1280, height: 1000 });
    // The renderer sees the bridge and nothing of Node.
    expect(await page.evaluate(() => typeof (window as unknown as { require?: unknown }).require)).toBe(
      'undefined',
    );
    expect(
      await page.evaluate(() =>
        Object.keys((window as unknown as { nasStudioBridge: object }).nasStudioBridge).sort(),
      ),
    ).toEqual(['call', 'on']);
    await searchFlow(page, {
      shot: (name) => page.screenshot({ path: join(artifacts, `electron-${name}.png`), fullPage: true }),
      web: false,
      artifacts,
    });
    expect(errors).toEqual([]);
  }, 600_000);
});
