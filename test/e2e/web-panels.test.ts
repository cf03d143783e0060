import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, artifacts, startWebApp, type WebApp } from './web-app';
import { root } from '../foundation/built';
import { spaceOf } from '../../src/engine/catalog';
import { GENOTYPE_PRESETS } from '../../src/engine/spaces/darts/presets';
import { parseSearchConfig } from '../../src/shared/search-config';
import { runSearch, writeFinishedRun } from './fixture-run';

/**
 * The genotype diagram's text as Chromium renders it (getBBox of every SVG text against the layout's
 * boxes: the glyph-width bound holds for real fonts) and the P-DARTS stage timeline on a real tiny
 * run, in web mode. Screenshots go to test-artifacts/.
 */

describe.skipIf(!CHROMIUM)('web mode: genotype diagram and stage timeline', () => {
  let app: WebApp;
  let url = '';
  let browser: Browser;
  const runsRoot = mkdtempSync(join(tmpdir(), 'nas-e2e-panels-'));

  beforeAll(async () => {
    app = await startWebApp(runsRoot);
    ({ url, browser } = app);
  });

  afterAll(async () => {
    await app?.close();
  });

  const open = async (page: Page, id: string) => {
    await page.goto(url);
    await page.getByRole('button', { name: id }).click();
    await page.getByRole('heading', { name: new RegExp(`Run ${id}`) }).waitFor();
    return page.getByRole('region', { name: 'run dashboard' });
  };

  it('DARTS_V2 cells: no rendered text overlaps another, a node or the view box; each label inside its box', async () => {
    const id = writeFinishedRun(runsRoot, 'fixture-darts-v2', 30, 3);
    // Its last epoch record's architecture becomes DARTS_V2 (the panel shows the newest record).
    const file = join(runsRoot, id, 'metrics.jsonl');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const kinds = lines.map((l) => (JSON.parse(l) as { kind: string }).kind);
    const last = kinds.lastIndexOf('epoch');
    const space = spaceOf(parseSearchConfig({}).space);
    const g = GENOTYPE_PRESETS.DARTS_V2;
    lines[last] = JSON.stringify({
      ...JSON.parse(lines[last]),
      genotype: space.toJson(g as never),
      genotypeText: space.toText(g as never),
    });
    writeFileSync(file, lines.join('\n') + '\n');

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const dash = await open(page, id);
    const diagrams = ['normal cell diagram', 'reduction cell diagram'];
    for (const name of diagrams)
      await dash.getByRole('img', { name }).locator('[data-op-label]').first().waitFor();
    for (const name of diagrams) {
      const measured = await page.evaluate((label) => {
        const svg = document.querySelector(`[aria-label="${label}"] svg`) as SVGSVGElement;
        const box = (b: DOMRect | SVGRect) => ({ x: b.x, y: b.y, w: b.width, h: b.height });
        const rectOf = (r: Element) => ({
          x: Number(r.getAttribute('x')),
          y: Number(r.getAttribute('y')),
          w: Number(r.getAttribute('width')),
          h: Number(r.getAttribute('height')),
        });
        return {
          width: Number(svg.getAttribute('data-width')),
          height: Number(svg.getAttribute('data-height')),
          labels: [...svg.querySelectorAll('[data-edge]')].map((g) => ({
            text: box((g.querySelector('text') as SVGTextElement).getBBox()),
            rect: rectOf(g.querySelector('rect')!),
            content: g.textContent,
          })),
          nodes: [...svg.querySelectorAll('[data-node]')].map((g) => ({
            text: box((g.querySelector('text') as SVGTextElement).getBBox()),
            rect: rectOf(g.querySelector('rect')!),
          })),
        };
      }, name);
      type B = { x: number; y: number; w: number; h: number };
      const meet = (a: B, b: B) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
      // Half a pixel for anti-aliasing rounding of the measured boxes.
      const within = (a: B, b: B) =>
        a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
      const view = { x: 0, y: 0, w: measured.width, h: measured.height };
      // DARTS_V2: 8 genes per cell, on 8 distinct (input, node) edges.
      expect(measured.labels).toHaveLength(8);
      const texts = [...measured.labels.map((l) => l.text), ...measured.nodes.map((n) => n.text)];
      for (let i = 0; i < texts.length; i++)
        for (let j = i + 1; j < texts.length; j++)
          expect(meet(texts[i], texts[j]), `${name}: texts ${i}, ${j}`).toBe(false);
      for (const l of measured.labels) {
        expect(within(l.text, l.rect), `${name}: ${l.content} leaves its box`).toBe(true);
        for (const n of measured.nodes) expect(meet(l.rect, n.rect)).toBe(false);
        for (const other of measured.labels) if (other !== l) expect(meet(l.rect, other.rect)).toBe(false);
        expect(within(l.rect, view)).toBe(true);
      }
      for (const n of measured.nodes)
        expect(within(n.text, n.rect), `${name}: a node name leaves its node`).toBe(true);
    }
    const section = dash.getByRole('region', { name: 'derived architecture' });
    await section.scrollIntoViewIfNeeded();
    await section.screenshot({ path: join(artifacts, 'web-genotype-darts-v2.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a tiny P-DARTS run shows its stage timeline: three stages done, ops dropped per edge, the skip limit', async () => {
    const config = JSON.parse(readFileSync(join(root, 'examples', 'smoke', 'pdarts-darts.json'), 'utf8'));
    runSearch(root, runsRoot, 'e2e-pdarts', config);
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const dash = await open(page, 'e2e-pdarts');
    const panel = dash.getByRole('region', { name: 'stage timeline' });
    await panel.waitFor({ timeout: 30_000 });
    await expect.poll(() => panel.getByRole('row', { name: 'stage 3' }).textContent()).toMatch(/done/);
    // The smoke space: 2 cells + 0, 1, 2; 8 → 5 → 3 ops; 2 nodes, so 5 edges per cell.
    const cells = await Promise.all(
      [1, 2, 3].map((s) => panel.getByRole('row', { name: `stage ${s}` }).textContent()),
    );
    expect(cells[0]).toMatch(/^12\s*8/);
    expect(cells[1]).toMatch(/^23\s*5/);
    expect(cells[2]).toMatch(/^34\s*3/);
    expect(cells[0]).toContain('30 ops dropped on 10 edges');
    expect(cells[1]).toContain('20 ops dropped on 10 edges');
    await expect
      .poll(() => panel.getByLabel('skip limit').textContent())
      .toMatch(/before the limit → \d+ after/);
    await panel.getByText('30 ops dropped on 10 edges').click();
    await panel.getByRole('table', { name: 'stage 1 dropped ops' }).waitFor();
    await panel.scrollIntoViewIfNeeded();
    await panel.screenshot({ path: join(artifacts, 'web-pdarts-stage-timeline.png') });
    await page.screenshot({ path: join(artifacts, 'web-pdarts-dashboard.png'), fullPage: true });
    // A strategy without stages has no timeline.
    await open(page, 'fixture-darts-v2');
    await page.getByRole('region', { name: 'derived architecture' }).waitFor();
    expect(await page.getByRole('region', { name: 'stage timeline' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
