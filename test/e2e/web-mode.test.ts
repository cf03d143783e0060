import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { builtFile, root } from '../foundation/built';
import { writeFinishedRun } from './fixture-run';
import { searchFlow } from './flows';

/**
 * The app in a real browser (Debian's Chromium, headless) against web mode. Skipped, with the reason
 * printed, where no Chromium is installed (apt-get install chromium). Screenshots of every screen go
 * to test-artifacts/.
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) console.warn('web-mode e2e skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)');
const artifacts = join(root, 'test-artifacts');

describe.skipIf(!CHROMIUM)('web mode in Chromium', () => {
  let server: ChildProcess;
  let url = '';
  let browser: Browser;
  const runsRoot = mkdtempSync(join(tmpdir(), 'nas-e2e-'));
  const shot = (page: Page, name: string) => page.screenshot({ path: join(artifacts, `web-${name}.png`), fullPage: true });

  beforeAll(async () => {
    builtFile('out/node/cli.js');
    mkdirSync(artifacts, { recursive: true });
    server = spawn(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), 'serve', '--runs', runsRoot], {
      env: { ...process.env, NAS_STUDIO_BACKEND: 'wasm' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(out);
        if (m) resolve(m[0]);
      });
      server.on('exit', (code) => reject(new Error(`nas-studio serve exited with ${code}`)));
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it('wizard → live dashboard → pause → resume → completion → genotype diagram → export', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await searchFlow(page, { shot: (name) => shot(page, name), web: true, artifacts });
    expect(errors).toEqual([]);
  });

  it('a finished run of 100k steps opens from its run folder; runs compare and delete', async () => {
    const big = writeFinishedRun(runsRoot, 'fixture-100k', 100_000, 20);
    const small = writeFinishedRun(runsRoot, 'fixture-small', 300, 3);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByRole('button', { name: big }).click();
    const t0 = Date.now();
    await page.waitForFunction(() => document.querySelector('[aria-label="loss chart"]')?.getAttribute('data-rendered-points') === '200000', undefined, { timeout: 120_000 });
    const seconds = (Date.now() - t0) / 1000;
    // Reported, not asserted: a test never asserts on time.
    writeFileSync(join(artifacts, 'finished-run-100k-open.json'), JSON.stringify({ steps: 100_000, pointsDrawn: 200_000, secondsToChartDrawn: seconds, date: new Date().toISOString() }, null, 2));
    console.log(`dashboard of a 100k-step run: loss chart drawn ${seconds.toFixed(2)} s after the click`);
    await page.getByText('Architecture after epoch 20').waitFor();
    await shot(page, '10-finished-100k');

    await page.getByLabel(`compare ${big}`).check();
    await page.getByLabel(`compare ${small}`).check();
    const comparison = page.getByRole('region', { name: 'run comparison' });
    await page.waitForFunction(() => document.querySelector('[aria-label="compared validation loss chart"]')?.getAttribute('data-rendered-points') === '100300', undefined, { timeout: 60_000 });
    await expect(comparison.textContent()).resolves.toMatch(/Comparing 2 runs/);
    await shot(page, '11-compare');

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('row', { name: new RegExp(small) }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('button', { name: small }).waitFor({ state: 'detached' });
    expect(existsSync(join(runsRoot, small))).toBe(false);
    expect(errors).toEqual([]);
  });

  it('the wizard validates each step as you type and loads configs with errors naming the field', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    await page.goto(url);
    await page.getByRole('button', { name: 'New search' }).click();
    const wizard = page.getByRole('region', { name: 'new search' });
    await wizard.getByRole('button', { name: '5. Training' }).click();
    await wizard.getByLabel('epochs').fill('0');
    await expect(wizard.getByLabel('config errors').textContent()).resolves.toMatch(/^epochs: /);
    expect(await wizard.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await shot(page, '12-wizard-error');
    await wizard.getByLabel('epochs').fill('2');
    expect(await wizard.getByRole('button', { name: 'Next' }).isDisabled()).toBe(false);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByLabel('load config file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ space: { cells: -1 } })) });
    await expect(wizard.getByLabel('review note').textContent()).resolves.toMatch(/bad\.json is not a valid search configuration:\s*space\.cells: /);
    await wizard.getByLabel('load config file').setInputFiles({ name: 'good.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ epochs: 7, space: { cells: 4 } })) });
    await expect(wizard.getByLabel('review note').textContent()).resolves.toBe('Loaded good.json.');
    expect(JSON.parse((await wizard.getByLabel('config JSON').textContent()) ?? '{}')).toMatchObject({ epochs: 7, space: { cells: 4, channels: 16 } });
  });

  it('a page without the token gets nothing', async () => {
    const page = await browser.newPage();
    const res = await page.goto(url.split('?')[0]);
    expect(res?.status()).toBe(401);
  });
});
