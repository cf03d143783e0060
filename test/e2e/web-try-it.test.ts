import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, artifacts, startWebApp, type WebApp } from './web-app';
import { FASHION_MNIST_CLASSES } from '../../src/engine/data/default-dataset';
import { writeFinishedRun } from './fixture-run';
import { bundledTestPng, trainTinyRun } from '../helpers/trained-run';

/**
 * A trained run's "try it" panel and the comparison of training runs, in Debian's Chromium against
 * `nas-studio serve`: two tiny runs trained in-process on the bundled Fashion-MNIST subset, a
 * finished search beside them. Screenshots go to test-artifacts/.
 */

describe.skipIf(!CHROMIUM)('web mode: try a trained model, compare training runs', () => {
  let app: WebApp;
  let url = '';
  let browser: Browser;
  const runsRoot = mkdtempSync(join(tmpdir(), 'nas-e2e-try-'));
  const files = mkdtempSync(join(tmpdir(), 'nas-e2e-try-files-'));
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: join(artifacts, `web-${name}.png`), fullPage: true });

  beforeAll(async () => {
    await trainTinyRun(runsRoot, 'model-a', { seed: 1 });
    await trainTinyRun(runsRoot, 'model-b', {
      seed: 2,
      recipe: { preset: 'cpu', epochs: 2, batchSize: 16, stepsPerEpoch: 3 },
    });
    writeFinishedRun(runsRoot, 'a-search', 40, 4);
    app = await startWebApp(runsRoot, { NAS_STUDIO_BACKEND: 'cpu' });
    ({ url, browser } = app);
  }, 300_000);

  afterAll(async () => {
    await app?.close();
  });

  it('uploads a bundled test image to a trained run and sees its top 5 classes and the preprocessing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByRole('button', { name: 'model-a' }).click();
    const panel = page.getByRole('region', { name: 'try it' });
    await panel.waitFor();
    const { png, label } = bundledTestPng(0);
    const image = join(files, 'ankle-boot.png');
    writeFileSync(image, png);
    await panel.getByLabel('image file').setInputFiles(image);
    const classes = panel.getByRole('list', { name: 'predicted classes' });
    await classes.waitFor({ timeout: 60_000 });
    const rows = await classes.getByRole('listitem').allTextContents();
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      const m = /^(.+?)(\d+\.\d)%$/.exec(r);
      expect(m, r).not.toBeNull();
      expect(FASHION_MNIST_CLASSES).toContain(m![1]);
    }
    expect(await panel.getByLabel('preprocessing').textContent()).toMatch(
      /resized bilinearly to 28×28, to grayscale .* pixel × 1\/255, then \(v − mean\) \/ std with mean 0\.\d{3} and std 0\.\d{3}/,
    );
    await panel.getByRole('img', { name: 'tried image ankle-boot.png' }).waitFor();
    expect(await panel.textContent()).toContain('PNG 28×28');
    console.log(`try it on test image 0 (label ${FASHION_MNIST_CLASSES[label]}): ${rows.join(' | ')}`);
    await shot(page, 'try-it');
    // A file named .png that is not one: the host refuses it by its bytes.
    const fake = join(files, 'not-an-image.png');
    writeFileSync(fake, 'just some text');
    await panel.getByLabel('image file').setInputFiles(fake);
    await expect
      .poll(() => panel.getByRole('alert').textContent(), { timeout: 30_000 })
      .toMatch(/not-an-image\.png is not a PNG or JPEG image/);
    await shot(page, 'try-it-refused');
    // Dropped on the drop zone (a drag from the file manager): the same prediction, the refusal gone.
    const dataTransfer = await page.evaluateHandle(
      ({ b64, name }) => {
        const dt = new DataTransfer();
        dt.items.add(
          new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name, { type: 'image/png' }),
        );
        return dt;
      },
      { b64: png.toString('base64'), name: 'dropped-boot.png' },
    );
    await panel.getByLabel('image drop zone').dispatchEvent('drop', { dataTransfer });
    await panel.getByRole('img', { name: 'tried image dropped-boot.png' }).waitFor({ timeout: 60_000 });
    await expect
      .poll(() => classes.getByRole('listitem').allTextContents(), { timeout: 60_000 })
      .toEqual(rows);
    expect(await panel.getByRole('alert').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('compares training runs on their train and test curves; a search beside them gets its own charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByLabel('compare model-a').check();
    await page.getByLabel('compare model-b').check();
    const comparison = page.getByRole('region', { name: 'run comparison' });
    // model-a: 3 steps, 1 epoch; model-b: 6 steps, 2 epochs.
    const points = (label: string) =>
      page.locator(`[aria-label="${label}"]`).getAttribute('data-rendered-points', { timeout: 30_000 });
    await expect.poll(() => points('compared train loss chart'), { timeout: 30_000 }).toBe('9');
    expect(await points('compared train accuracy chart')).toBe('9');
    expect(await points('compared test accuracy chart')).toBe('3');
    expect(await comparison.getByLabel('compared search curves').count()).toBe(0);
    expect(await comparison.getByLabel('comparison note').count()).toBe(0);
    await expect
      .poll(() => comparison.getByLabel('trained model of model-b').textContent())
      .toMatch(/the nb201 architecture: \|nor_conv_3x3~0\|.* · test accuracy \d+\.\d\d%/);
    await shot(page, 'compare-training');
    // The epoch CSV holds each training run's epochs (model-b: 2 epochs of 3 steps) with its test accuracy.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      comparison.getByRole('button', { name: 'Download epoch metrics (CSV)' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8').split('\r\n');
    expect(csv[0]).toMatch(/^run,run name,phase,epoch,last step,.*testAcc/);
    const testAccColumn = csv[0].split(',').indexOf('testAcc');
    const rowsOf = (id: string) => csv.filter((l) => l.startsWith(`${id},`)).map((l) => l.split(','));
    expect(rowsOf('model-b').map((r) => r.slice(2, 5))).toEqual([
      ['training', '1', '3'],
      ['training', '2', '6'],
    ]);
    for (const r of [...rowsOf('model-a'), ...rowsOf('model-b')])
      expect(Number(r[testAccColumn])).toBeGreaterThanOrEqual(0);
    expect(rowsOf('model-a')).toHaveLength(1);
    await page.getByLabel('compare a-search').check();
    await expect.poll(() => comparison.textContent()).toMatch(/Comparing 3 runs/);
    await expect
      .poll(() => comparison.getByLabel('comparison note').textContent())
      .toMatch(/the validation charts show the 1 search, the training charts the 2 training runs\./);
    await expect.poll(() => points('compared validation loss chart')).toBe('40');
    expect(await points('compared train loss chart')).toBe('9');
    await shot(page, 'compare-mixed');
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
