import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { CHROMIUM, shot, startWebApp, type WebApp } from './web-app';

/**
 * Web mode's folder browser in the dataset step and the dashboard's resource panel, in Debian's
 * Chromium against `nas-studio serve` with a pretend home (HOME). Screenshots go to test-artifacts/.
 */
describe.skipIf(!CHROMIUM)('web mode: folder browser and resource panel', () => {
  let app: WebApp;
  let url = '';
  let browser: Browser;
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'nas-e2e-browse-')));
  const home = join(base, 'home');
  const runsRoot = join(base, 'runs');

  beforeAll(async () => {
    mkdirSync(join(home, 'datasets', 'cifar-10-batches-bin'), { recursive: true });
    mkdirSync(join(home, 'datasets', 'flowers', 'daisy'), { recursive: true });
    mkdirSync(join(home, '.cache'), { recursive: true });
    writeFileSync(join(home, 'datasets', 'cifar-10-binary.tar.gz'), '');
    symlinkSync('/etc', join(home, 'datasets', 'etc-link'));
    app = await startWebApp(runsRoot, { HOME: home, NAS_STUDIO_HOME: join(base, 'app') });
    ({ url, browser } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('the dataset step browses folders under home, never outside, and sets the path', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByRole('button', { name: 'New search' }).click();
    const wizard = page.getByRole('region', { name: 'new search' });
    await wizard.getByLabel('dataset source').selectOption('path');
    await wizard.getByRole('button', { name: 'Browse…' }).click();
    const browserBox = wizard.getByRole('dialog', { name: 'folder browser' });
    await expect.poll(() => browserBox.getByLabel('current folder').textContent()).toBe(home);
    // Hidden folders only when asked for.
    expect(await browserBox.getByRole('button', { name: /\.cache/ }).count()).toBe(0);
    await browserBox.getByRole('button', { name: /datasets\// }).click();
    await expect
      .poll(() => browserBox.getByLabel('current folder').textContent())
      .toBe(join(home, 'datasets'));
    const entries = browserBox.getByRole('list', { name: 'folder entries' });
    await expect.poll(() => entries.textContent()).toContain('cifar-10-binary.tar.gz');
    // The link to /etc points out of home: not listed.
    expect(await entries.textContent()).not.toContain('etc-link');
    await shot(page, 'folder-browser');
    await browserBox.getByRole('button', { name: /cifar-10-batches-bin/ }).click();
    await expect
      .poll(() => browserBox.getByLabel('current folder').textContent())
      .toBe(join(home, 'datasets', 'cifar-10-batches-bin'));
    await browserBox.getByRole('button', { name: 'Use this folder' }).click();
    expect(await wizard.getByLabel('dataset path').inputValue()).toBe(
      join(home, 'datasets', 'cifar-10-batches-bin'),
    );
    // A typed path outside home: the browser says so and shows home instead.
    await wizard.getByLabel('dataset path').fill('/etc');
    await wizard.getByRole('button', { name: 'Browse…' }).click();
    await expect.poll(() => browserBox.getByRole('alert').textContent()).toMatch(/only folders inside/);
    await expect.poll(() => browserBox.getByLabel('current folder').textContent()).toBe(home);
    await shot(page, 'folder-browser-refused');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('the dashboard shows the worker resource use live', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(url);
    const id: string = await page.evaluate(async () => {
      const token = new URLSearchParams(location.search).get('token');
      const r = await fetch('/api/call/startRun', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify([
          {
            space: { cells: 2, nodes: 2, channels: 4 },
            // 8 steps an epoch, far more epochs than the test watches: it is stopped at the end.
            epochs: 200,
            batchSize: 8,
            backend: 'wasm',
            data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
          },
        ]),
      });
      return (await r.json()).result;
    });
    await page.reload();
    await page.getByRole('button', { name: id }).click();
    const panel = page.getByRole('region', { name: 'resource use' });
    await panel.waitFor({ timeout: 90_000 });
    await expect.poll(() => panel.textContent(), { timeout: 30_000 }).toMatch(/memory \(RSS\): \d[\d.]* MiB/);
    const text = (await panel.textContent()) ?? '';
    expect(text).toMatch(/CPU: \d+ %/);
    expect(text).toMatch(/tensors: \d+ \(/);
    expect(text).toMatch(/wasm heap: \d/);
    expect(text).toMatch(/GPU memory: not reported/);
    // The sparkline appears once there are two samples (one a second).
    await page.getByRole('img', { name: /memory over the last \d+ samples/ }).waitFor({ timeout: 30_000 });
    await shot(page, 'resource-panel');
    await page.evaluate(async (runId) => {
      const token = new URLSearchParams(location.search).get('token');
      await fetch('/api/call/stopRun', {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}` },
        body: JSON.stringify([runId]),
      });
    }, id);
    // Stopped before the server goes: the worker ends with its run.
    await page.getByRole('heading', { name: /stopped/ }).waitFor({ timeout: 60_000 });
    await page.close();
  }, 200_000);
});
