import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { builtFile, root } from '../foundation/built';

/**
 * The app in a real browser (Debian's Chromium, headless) against web mode. Skipped, with the reason
 * printed, where no Chromium is installed (apt-get install chromium).
 */
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) console.warn('web-mode e2e skipped: no Chromium at /usr/bin/chromium (apt-get install chromium)');
const artifacts = join(root, 'test-artifacts');

describe.skipIf(!CHROMIUM)('web mode in Chromium', () => {
  let server: ChildProcess;
  let url = '';
  let browser: Browser;

  beforeAll(async () => {
    builtFile('out/main/cli.js');
    mkdirSync(artifacts, { recursive: true });
    server = spawn(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), 'serve', '--runs', mkdtempSync(join(tmpdir(), 'nas-e2e-'))], {
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

  it('shows the doctor report, starts a search, shows live progress and the loss chart, pauses it', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByText(/Compute backend:/).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(artifacts, 'web-1-home.png') });
    await page.getByRole('button', { name: 'Start a quick DARTS search' }).click();
    await page.getByRole('cell', { name: /^running/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('img', { name: 'loss chart' }).waitFor({ timeout: 120_000 });
    await page.waitForFunction(() => /\d+\/\d+/.test(document.querySelector('tbody tr td:nth-child(3)')?.textContent ?? ''), undefined, { timeout: 120_000 });
    await page.screenshot({ path: join(artifacts, 'web-2-running.png') });
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('cell', { name: /^paused/ }).waitFor({ timeout: 120_000 });
    await page.getByRole('button', { name: 'Resume' }).waitFor();
    await page.screenshot({ path: join(artifacts, 'web-3-paused.png') });
    expect(errors).toEqual([]);
  });

  it('a finished run opens from its run folder with loss curves, α heatmaps and the genotype', async () => {
    const token = new URL(url).searchParams.get('token');
    const config = {
      space: { cells: 3, nodes: 4, channels: 4 },
      epochs: 2,
      batchSize: 8,
      stepsPerEpoch: 2,
      data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
    };
    const base = url.split('/?')[0];
    const created = await fetch(`${base}/api/runs`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: JSON.stringify(config) });
    const { id } = await created.json();
    const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
    await page.goto(url);
    for (let waited = 0; ; waited += 500) {
      const runs = await (await fetch(`${base}/api/runs`, { headers: { Authorization: `Bearer ${token}` } })).json();
      if (runs.some((r: { id: string; status: string }) => r.id === id && r.status === 'completed')) break;
      if (waited > 120_000) throw new Error(`run ${id} did not complete within two minutes`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await page.reload();
    await page.getByRole('cell', { name: /^completed/ }).waitFor();
    await page.getByRole('cell', { name: id }).click();
    await page.getByRole('img', { name: 'normal cell softmax(α) heatmap' }).waitFor({ timeout: 30_000 });
    await page.getByRole('img', { name: 'loss chart' }).waitFor();
    const genotype = await page.getByLabel('genotype').textContent();
    expect(await page.getByText('Architecture after epoch 2').count()).toBe(1);
    expect(genotype).toMatch(/normal: (\w+←\d, ){7}\w+←\d/);
    await page.screenshot({ path: join(artifacts, 'web-4-finished-run.png'), fullPage: true });
  });

  it('the wizard validates as you type, estimates cost and starts a search', async () => {
    const page = await browser.newPage({ viewport: { width: 1200, height: 1600 } });
    await page.goto(url);
    const form = page.getByRole('region', { name: 'new search' });
    await form.getByLabel('epochs').fill('0');
    await expect(form.getByLabel('config errors').textContent()).resolves.toMatch(/epochs: /);
    expect(await form.getByRole('button', { name: 'Start search' }).isDisabled()).toBe(true);
    await form.getByLabel('dataset source').selectOption('synthetic');
    await form.getByLabel('images used').fill('64');
    await form.getByLabel('cells').fill('3');
    await form.getByLabel('initial channels').fill('4');
    await form.getByLabel('batch size').fill('8');
    await form.getByLabel('epochs').fill('1');
    await expect(form.getByLabel('estimate').textContent()).resolves.toMatch(/GFLOP per image forward · ≈ \d+\.\d\d GB per step/);
    await page.screenshot({ path: join(artifacts, 'web-5-wizard.png'), fullPage: true });
    const before = await page.getByRole('row').count();
    await form.getByRole('button', { name: 'Start search' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('tr').length > n, before, { timeout: 30_000 });
  });

  it('a page without the token gets nothing', async () => {
    const page = await browser.newPage();
    const res = await page.goto(url.split('?')[0]);
    expect(res?.status()).toBe(401);
  });
});
