import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Page } from 'playwright-core';

/** Number of points a chart's last finished drawing held (set by the EChart component). */
export async function renderedPoints(page: Page, label: string): Promise<number> {
  return Number(
    (await page.getByRole('img', { name: label, exact: true }).getAttribute('data-rendered-points')) ?? 0,
  );
}

/**
 * The main flow a person follows, the same in the browser (web mode) and in the Electron window:
 * the six wizard steps with the bundled dataset and a tiny DARTS config, the live dashboard, pause,
 * resume, completion, the genotype diagram, the epoch slider and export. `page` shows the app's home.
 */
export async function searchFlow(
  page: Page,
  o: { shot: (name: string) => Promise<unknown>; web: boolean; artifacts: string },
): Promise<void> {
  await page.getByText(/Compute backend: wasm/).waitFor({ timeout: 60_000 });
  await o.shot('01-home');

  await page.getByRole('button', { name: 'New search' }).click();
  const wizard = page.getByRole('region', { name: 'new search' });
  // 1. Dataset: the bundled Fashion-MNIST subset.
  expect(await wizard.getByLabel('dataset source').inputValue()).toBe('default');
  await o.shot('02-wizard-dataset');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 2. Splits, with the preview of what the seed draws.
  await wizard.getByLabel('images used').fill('400');
  await wizard.getByRole('button', { name: 'Preview dataset and splits' }).click();
  const preview = wizard.getByLabel('dataset preview');
  await preview.waitFor({ timeout: 60_000 });
  expect(await preview.getByRole('row').count()).toBe(11); // header + 10 classes
  await expect.poll(() => preview.textContent()).toMatch(/T-shirt\/top/);
  expect(await preview.locator('canvas').count()).toBe(60);
  await o.shot('03-wizard-splits-preview');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 3. The registered spaces; a tiny DARTS space, its fields generated from the space's schema, with its cost.
  expect(await wizard.getByRole('radio', { name: 'DARTS cells' }).isChecked()).toBe(true);
  await wizard.getByLabel('cells', { exact: true }).fill('3');
  await wizard.getByLabel('initial channels', { exact: true }).fill('4');
  expect(
    await wizard.getByRole('group', { name: 'candidate operations' }).getByRole('checkbox').count(),
  ).toBe(8);
  await expect
    .poll(() => wizard.getByLabel('estimate').textContent())
    .toMatch(
      /M supernet parameters · ≈ \d+\.\d+ GFLOP per image forward \(\d+\.\d+ G multiply-adds\) · ≈ \d+\.\d\d GB per step/,
    );
  await o.shot('04-wizard-space');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 4. Strategy: the strategies that run on DARTS cells; first-order DARTS with the paper's hyperparameters.
  expect(await wizard.getByRole('radio', { name: 'DARTS', exact: true }).isChecked()).toBe(true);
  expect(await wizard.getByLabel('order', { exact: true }).inputValue()).toBe('first');
  expect(await wizard.getByLabel('α learning rate').inputValue()).toBe('0.0003');
  await o.shot('04b-wizard-strategy');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 5. Training.
  await wizard.getByLabel('epochs').fill('3');
  await wizard.getByLabel('batch size').fill('8');
  await wizard.getByLabel('steps per epoch').fill('20');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 6. Review, then Start.
  const json = JSON.parse((await wizard.getByLabel('config JSON').textContent()) ?? '{}');
  expect(json).toMatchObject({
    epochs: 3,
    batchSize: 8,
    stepsPerEpoch: 20,
    space: { cells: 3, channels: 4 },
    data: { subset: 400 },
  });
  await expect
    .poll(() => wizard.getByLabel('search summary').textContent())
    .toMatch(/DARTS \(first order\).*Liu et al.*DARTS 3 cells × 4 nodes, C=4/);
  // The run's time, measured by a few steps in a worker, with the strategy's phases; its name and notes.
  await wizard.getByRole('button', { name: 'Estimate the time on this machine' }).click();
  await expect
    .poll(() => wizard.getByLabel('estimated time').textContent(), { timeout: 120_000 })
    .toMatch(
      /^Estimated time of the whole run on this machine: ≈ .* for 60 steps \(an estimate, measured here/,
    );
  await expect
    .poll(() => wizard.getByLabel('phases').textContent())
    .toMatch(/search \(α and weights\): 3 epochs × 20 steps = 60 steps; [\d.]+ s per step/);
  await wizard.getByLabel('run name').fill('e2e tiny DARTS');
  await wizard.getByLabel('notes').fill('from the wizard, with notes');
  await o.shot('05-wizard-review');
  await wizard.getByRole('button', { name: 'Start search' }).click();
  await page
    .getByRole('table', { name: 'runs list' })
    .getByText('e2e tiny DARTS')
    .waitFor({ timeout: 30_000 });

  // The dashboard, live.
  const dash = page.getByRole('region', { name: 'run dashboard' });
  await dash.waitFor({ timeout: 30_000 });
  await page.waitForFunction(
    () =>
      Number(
        document.querySelector('[aria-label="loss chart"]')?.getAttribute('data-rendered-points') ?? 0,
      ) >= 4,
    undefined,
    { timeout: 180_000 },
  );
  await dash.getByText('Architecture after epoch 1').waitFor({ timeout: 180_000 });
  await o.shot('06-dashboard-live');
  await dash.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('cell', { name: /^paused/ }).waitFor({ timeout: 120_000 });
  const pausedAt = await renderedPoints(page, 'loss chart');
  expect(pausedAt).toBeGreaterThanOrEqual(4);
  await o.shot('07-dashboard-paused');
  await dash.getByRole('button', { name: 'Resume' }).click();
  // The UI follows the run folder through every transition: running again, with its Pause button,
  // so that it can be paused and resumed again (issue: it stayed 'queued' until the end).
  await page.getByRole('cell', { name: /^running/ }).waitFor({ timeout: 120_000 });
  await dash.getByRole('button', { name: 'Pause' }).click();
  await page.getByRole('cell', { name: /^paused/ }).waitFor({ timeout: 120_000 });
  await expect.poll(() => renderedPoints(page, 'loss chart'), { timeout: 30_000 }).toBeGreaterThan(pausedAt);
  await dash.getByRole('button', { name: 'Resume' }).click();
  await page.getByRole('cell', { name: /^completed/ }).waitFor({ timeout: 240_000 });
  // train + val loss over all 60 steps.
  await page.waitForFunction(
    () =>
      Number(
        document.querySelector('[aria-label="loss chart"]')?.getAttribute('data-rendered-points') ?? 0,
      ) === 120,
    undefined,
    { timeout: 30_000 },
  );
  await dash.getByText('Architecture after epoch 3').waitFor();

  // The genotype as cell diagrams (SVG: the op labels are text in the page).
  const diagram = dash.getByRole('img', { name: 'normal cell diagram' });
  await page.waitForFunction(
    () => !!document.querySelector('[aria-label="normal cell diagram"] svg [data-op-label]'),
    undefined,
    { timeout: 30_000 },
  );
  const diagramText = (await diagram.locator('svg').textContent()) ?? '';
  const genotype = (await dash.getByLabel('genotype', { exact: true }).textContent()) ?? '';
  const normalOps = /normal: (.*)reduce:/
    .exec(genotype)![1]
    .trim()
    .split(', ')
    .map((g) => g.split('←')[0]);
  expect(normalOps).toHaveLength(8);
  for (const op of normalOps) expect(diagramText).toContain(op);
  // One heatmap per label of the strategy's snapshot, and the architecture's text notation.
  await dash.getByRole('img', { name: 'normal cell softmax(α) heatmap' }).waitFor();
  await dash.getByRole('img', { name: 'reduction cell softmax(α) heatmap' }).waitFor();
  await expect.poll(() => dash.getByLabel('architecture text').textContent()).toMatch(/^Genotype\(normal=\[/);
  // The slider goes back through time.
  await dash.getByLabel('epoch slider').fill('0');
  await dash.getByText('Architecture after epoch 1').waitFor();
  expect(await renderedPoints(page, 'normal cell entropy chart')).toBe(14 * 3);
  await o.shot('08-dashboard-completed');

  // Export: the files, downloadable.
  await dash.getByRole('button', { name: 'Export' }).click();
  const files = dash.getByLabel('exported files');
  await files.waitFor();
  let exported: { normal: Array<[string, number]> };
  if (o.web) {
    // Web mode: a download link per file.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      files.getByRole('link', { name: 'genotype.json' }).click(),
    ]);
    const saved = join(o.artifacts, 'exported-genotype.json');
    await download.saveAs(saved);
    exported = JSON.parse(readFileSync(saved, 'utf8'));
  } else {
    // Desktop: the files are on disk, in the folder the dashboard names.
    const folder = /Exported to (.*):/.exec((await files.textContent()) ?? '')![1];
    exported = JSON.parse(readFileSync(join(folder, 'genotype.json'), 'utf8'));
  }
  expect(exported.normal.map(([op]) => op)).toEqual(normalOps);
  await expect.poll(() => files.textContent()).toMatch(/supernet\.safetensors/);
  await o.shot('09-exported');
}

/**
 * A two-phase strategy on another space, all from the wizard: random search with weight sharing on
 * NAS-Bench-201 cells (or on DARTS cells), tiny, to completion; then the dashboard's per-label
 * sampling heatmap, the candidates panel and the space's own drawing.
 */
export async function randomSearchFlow(
  page: Page,
  o: { shot: (name: string) => Promise<unknown>; space: 'nb201' | 'darts' },
): Promise<void> {
  await page.getByText(/Compute backend: wasm/).waitFor({ timeout: 60_000 });
  await page.getByRole('button', { name: 'New search' }).click();
  const wizard = page.getByRole('region', { name: 'new search' });
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('images used').fill('300');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 3. The space, picked from the registry; its own fields.
  if (o.space === 'nb201') {
    await wizard.getByRole('radio', { name: 'NAS-Bench-201 cells' }).check();
    await wizard.getByLabel('channels (C)').fill('4');
    await wizard.getByLabel('cells per stage (N)').fill('1');
  } else {
    await wizard.getByLabel('cells', { exact: true }).fill('3');
    await wizard.getByLabel('nodes per cell').fill('2');
    await wizard.getByLabel('initial channels').fill('4');
  }
  await o.shot(`rs-${o.space}-1-space`);
  await wizard.getByRole('button', { name: 'Next' }).click();
  // 4. The strategy, among those that run on this space; its own fields.
  await wizard.getByRole('radio', { name: 'Random search (weight sharing)' }).check();
  await wizard.getByLabel('candidates sampled').fill('4');
  await wizard.getByLabel('batches per candidate').fill('1');
  await wizard.getByLabel('candidates re-scored').fill('2');
  await o.shot(`rs-${o.space}-2-strategy`);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByLabel('epochs').fill('2');
  await wizard.getByLabel('batch size').fill('16');
  await wizard.getByLabel('steps per epoch').fill('3');
  await wizard.getByRole('button', { name: 'Next' }).click();
  const json = JSON.parse((await wizard.getByLabel('config JSON').textContent()) ?? '{}');
  expect(json).toMatchObject({
    space: { name: o.space },
    strategy: { name: 'random-search', candidates: 4, scoreBatches: 1, rescoreTop: 2 },
    epochs: 2,
  });
  await expect
    .poll(() => wizard.getByLabel('search summary').textContent())
    .toMatch(/Random search \(4 candidates, top 2 re-scored\).*Li & Talwalkar/);
  await wizard.getByRole('button', { name: 'Start search' }).click();

  const dash = page.getByRole('region', { name: 'run dashboard' });
  await dash.waitFor({ timeout: 30_000 });
  // This run's own status (the runs list holds earlier runs too).
  await expect
    .poll(() => dash.locator('h2 small').textContent(), { timeout: 240_000, interval: 1000 })
    .toBe('completed');
  // Phase 2's candidates: 4 sampled and 2 re-scored, charted and listed.
  const candidates = dash.getByRole('region', { name: 'candidates' });
  await candidates.waitFor({ timeout: 60_000 });
  await expect
    .poll(
      async () =>
        (await candidates.getByRole('table', { name: 'top candidates' }).getByRole('row').count()) - 1,
      { timeout: 30_000 },
    )
    .toBeGreaterThanOrEqual(2);
  // Phase 1's sampling frequencies per label, on the 0–1 scale.
  const label = o.space === 'nb201' ? 'cell' : 'normal cell';
  await dash.getByRole('img', { name: `${label} sampling frequency heatmap` }).waitFor({ timeout: 30_000 });
  await expect
    .poll(() => dash.getByLabel('architecture text').textContent())
    .toMatch(o.space === 'nb201' ? /^\|[a-z_0-9]+~0\|\+\|/ : /^Genotype\(normal=\[/);
  if (o.space === 'nb201') await dash.getByRole('img', { name: 'cell diagram' }).waitFor({ timeout: 30_000 });
  await o.shot(`rs-${o.space}-3-dashboard`);
}

/** A tiny DARTS space and data for the strategies' own panels (seconds per run on a CPU). */
const TINY = {
  space: { name: 'darts', cells: 3, nodes: 2, channels: 4 },
  data: { source: 'default', subset: 300 },
  batchSize: 16,
  stepsPerEpoch: 2,
  seed: 3,
};

/** The configs `strategyPanelsFlow` opens, run beforehand through the CLI; SPOS's FLOPs limit given. */
export function strategyPanelConfigs(sposMaxMFlops: number): Record<'spos' | 'gdas' | 'pcdarts', unknown> {
  return {
    spos: {
      ...TINY,
      epochs: 1,
      strategy: {
        name: 'spos',
        population: 6,
        generations: 3,
        topK: 2,
        mutants: 2,
        crossovers: 2,
        scoreBatches: 1,
        recalibrationBatches: 1,
        maxMFlops: sposMaxMFlops,
      },
    },
    gdas: { ...TINY, epochs: 4, strategy: { name: 'gdas' } },
    pcdarts: { ...TINY, epochs: 3, strategy: { name: 'pcdarts', warmupEpochs: 1 } },
  };
}

/**
 * The panels each strategy's logs call for, on finished runs named `e2e-<strategy>`: SPOS's evolution
 * (fitness by generation, score against FLOPs with its limit), the top-k's share of each option;
 * GDAS's τ and its architecture over time; PC-DARTS's β beside softmax(α)·softmax(β).
 */
export async function strategyPanelsFlow(
  page: Page,
  o: { shot: (name: string) => Promise<unknown> },
): Promise<void> {
  const open = async (id: string) => {
    await page.getByRole('button', { name: id }).click();
    await page.getByRole('heading', { name: new RegExp(`Run ${id}`) }).waitFor();
    return page.getByRole('region', { name: 'run dashboard' });
  };
  const drawn = (label: string) =>
    expect.poll(() => renderedPoints(page, label), { timeout: 30_000 }).toBeGreaterThan(0);

  let dash = await open('e2e-spos');
  const search = dash.getByRole('region', { name: 'candidate search' });
  await search.waitFor({ timeout: 30_000 });
  await drawn('fitness by generation chart');
  await drawn('score against FLOPs (M multiply-adds) chart');
  await expect.poll(() => search.textContent()).toMatch(/\d+ on the Pareto front/);
  await search.getByLabel('cost axis').selectOption('mparams');
  await drawn('score against parameters (M) chart');
  await search.getByLabel('cost axis').selectOption('mflops');
  await dash.getByRole('img', { name: 'normal cell share of the top-k heatmap' }).waitFor();
  await dash.getByRole('img', { name: 'normal cell architecture timeline' }).waitFor();
  await o.shot('14-spos-evolution');

  dash = await open('e2e-gdas');
  await drawn('Gumbel-softmax temperature τ chart');
  await dash.getByRole('region', { name: 'architecture over time' }).waitFor();
  // 4 epochs × 5 edges per cell.
  await expect.poll(() => renderedPoints(page, 'normal cell architecture timeline')).toBe(20);
  await expect
    .poll(() => dash.getByLabel('normal cell timeline legend').textContent())
    .toMatch(/sep_conv_3x3/);
  expect(await dash.getByRole('region', { name: 'candidate search' }).count()).toBe(0);
  await o.shot('15-gdas');

  dash = await open('e2e-pcdarts');
  await dash.getByRole('img', { name: 'normal cell softmax(α)·softmax(β) heatmap' }).waitFor();
  await dash.getByRole('img', { name: 'normal cell inputs softmax(β) per node heatmap' }).waitFor();
  await dash.getByRole('img', { name: 'reduction cell inputs softmax(β) per node heatmap' }).waitFor();
  await o.shot('16-pcdarts');
}

/**
 * One search from the wizard for a config file, as a user runs it: New search, Review, Load… the
 * file, a look at the strategy step (the loaded strategy chosen among those of its space, its own
 * fields shown), back to Review, Start; then the dashboard until the run completes.
 */
export async function configThroughWizard(
  page: Page,
  file: string,
  config: { strategy: { name: string }; space: { name: string } },
  titles: { strategy: string; space: string; firstField?: string },
): Promise<void> {
  await page.getByRole('button', { name: 'New search' }).click();
  const wizard = page.getByRole('region', { name: 'new search' });
  await wizard.getByRole('button', { name: '6. Review' }).click();
  await wizard.getByLabel('load config file').setInputFiles({
    name: file,
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(config)),
  });
  await wizard.getByText(`Loaded ${file}.`).waitFor({ timeout: 30_000 });
  await wizard.getByRole('button', { name: '3. Search space' }).click();
  expect(
    await wizard
      .getByRole('radiogroup', { name: 'space' })
      .getByRole('radio', { name: titles.space, exact: true })
      .isChecked(),
  ).toBe(true);
  await wizard.getByRole('button', { name: '4. Strategy' }).click();
  expect(
    await wizard
      .getByRole('radiogroup', { name: 'strategy' })
      .getByRole('radio', { name: titles.strategy, exact: true })
      .isChecked(),
  ).toBe(true);
  if (titles.firstField) await wizard.getByText(titles.firstField, { exact: true }).first().waitFor();
  await wizard.getByRole('button', { name: '6. Review' }).click();
  await wizard.getByRole('button', { name: 'Start search' }).click();
  const dash = page.getByRole('region', { name: 'run dashboard' });
  await dash.waitFor({ timeout: 30_000 });
  const status = dash.locator('h2 small');
  await status.filter({ hasText: /^(completed|failed)$/ }).waitFor({ timeout: 300_000 });
  expect(await status.textContent(), `${file}: the run's status`).toBe('completed');
}
