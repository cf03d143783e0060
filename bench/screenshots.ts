/**
 * `node scripts/run-ts.mjs bench/screenshots.ts [--only NAME] [--theme dark|light]`
 *
 * Every screen of the app in web mode, in both themes, as full-page screenshots in
 * test-artifacts/screens/<theme>-<screen>.png (ignored by git): the runs list, each wizard step and
 * one refused field, a DARTS search's dashboard, a single-path (SPOS on NAS-Bench-201) search with
 * scored candidates, a training run's dashboard, the comparison of two runs and the machine panel.
 * The search runs are fixture folders (test/e2e/fixture-run.ts, no search is run); the training run
 * is a real tiny `nas-studio train` of examples/smoke/train-nb201.json (seconds on a CPU). For looking
 * at the design after a change; it asserts nothing. Needs `npm run build` and Chromium.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { writeFinishedRun } from '../test/e2e/fixture-run';

const root = resolve('.');
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
if (!CHROMIUM) throw new Error('no Chromium at /usr/bin/chromium (apt-get install chromium)');
for (const f of ['out/node/cli.js', 'out/renderer/index.html'])
  if (!existsSync(f)) throw new Error(`${f} is not built: run npm run build first`);
const argOf = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const only = argOf('only');
const themes = (argOf('theme') ? [argOf('theme')] : ['dark', 'light']) as Array<'dark' | 'light'>;
const out = join(root, 'test-artifacts', 'screens');
mkdirSync(out, { recursive: true });

const runsRoot = mkdtempSync(join(tmpdir(), 'nas-screens-'));
writeFinishedRun(runsRoot, 'darts-search', 600, 6);
writeFinishedRun(runsRoot, 'spos-nb201', 400, 4, { space: { name: 'nb201' }, candidates: 30 });

const server = spawn(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), 'serve', '--runs', runsRoot], {
  env: { ...process.env, NAS_STUDIO_BACKEND: 'wasm' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((ok, fail) => {
  let text = '';
  server.stdout!.on('data', (c: Buffer) => {
    text += c.toString();
    const m = /http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+/.exec(text);
    if (m) ok(m[0]);
  });
  server.on('exit', (code) => fail(new Error(`nas-studio serve exited with ${code}`)));
});

type Screen = [name: string, go: (page: Page) => Promise<unknown>];
const home = async (page: Page) => {
  await page.goto(url);
  await page.getByText(/Compute backend: wasm/).waitFor({ timeout: 60_000 });
};
const wizardStep = (label: string) => async (page: Page) => {
  await home(page);
  await page.getByRole('button', { name: 'New search' }).click();
  await page.getByRole('region', { name: 'new search' }).getByRole('button', { name: label }).click();
};
const openRun = (id: string, wait: string) => async (page: Page) => {
  await home(page);
  await page.getByRole('button', { name: id, exact: true }).click();
  await page.getByRole('heading', { name: new RegExp(`Run ${id}`, 'i') }).waitFor();
  await page.getByLabel(wait, { exact: true }).first().waitFor({ timeout: 30_000 });
  // Charts draw after their data arrives: let every one finish.
  await page.waitForTimeout(1500);
};
const screens: Screen[] = [
  ['01-runs', home],
  ['02-wizard-dataset', wizardStep('1. Dataset')],
  [
    '03-wizard-splits',
    async (page) => {
      await wizardStep('2. Splits')(page);
      const wizard = page.getByRole('region', { name: 'new search' });
      await wizard.getByLabel('images used').fill('300');
      await wizard.getByRole('button', { name: 'Preview dataset and splits' }).click();
      await wizard.getByLabel('dataset preview').waitFor({ timeout: 60_000 });
    },
  ],
  ['04-wizard-space', wizardStep('3. Search space')],
  ['05-wizard-strategy', wizardStep('4. Strategy')],
  [
    '06-wizard-training-error',
    async (page) => {
      await wizardStep('5. Training')(page);
      await page.getByLabel('batch size').fill('0');
      await page.getByLabel('config errors').waitFor();
    },
  ],
  ['07-wizard-review', wizardStep('6. Review')],
  ['08-dashboard-darts', openRun('darts-search', 'normal cell softmax(α) heatmap')],
  ['09-dashboard-spos-candidates', openRun('spos-nb201', 'candidate scores chart')],
  ['10-dashboard-training', openRun('trained-nb201', 'confusion matrix')],
  [
    '11-compare',
    async (page) => {
      await home(page);
      await page.getByLabel('compare darts-search').check();
      await page.getByLabel('compare spos-nb201').check();
      await page.getByRole('region', { name: 'run comparison' }).waitFor();
      await page.waitForTimeout(2000);
    },
  ],
  [
    '12-machine',
    async (page) => {
      await home(page);
      await page.getByRole('button', { name: 'This machine' }).click();
      await page.getByRole('region', { name: 'doctor report' }).waitFor();
    },
  ],
];

// The training run is real (seconds): made only when a screen shows it.
if (!only || '10-dashboard-training'.includes(only))
  execFileSync(
    process.execPath,
    [
      join(root, 'bin', 'nas-studio.mjs'),
      'train',
      '--config',
      join(root, 'examples', 'smoke', 'train-nb201.json'),
      '--runs',
      runsRoot,
      '--name',
      'trained-nb201',
    ],
    {
      cwd: root,
      env: { ...process.env, NAS_STUDIO_BACKEND: 'wasm' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
try {
  for (const theme of themes)
    for (const [name, go] of screens) {
      if (only && !name.includes(only)) continue;
      // The theme follows the system's colour scheme (no choice stored in a fresh context).
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: theme });
      page.on('pageerror', (e) => console.error(`${theme} ${name}: page error: ${e.message}`));
      await go(page);
      await page.screenshot({ path: join(out, `${theme}-${name}.png`), fullPage: true });
      if (process.env.SCREENS_DUMP_SVG)
        console.log(
          await page.evaluate(
            (sel) => document.querySelector(sel)?.outerHTML.slice(0, 80000) ?? '(none)',
            process.env.SCREENS_DUMP_SVG,
          ),
        );
      console.log(`${theme}-${name}.png`);
      await page.close();
    }
} finally {
  await browser.close();
  server.kill();
  rmSync(runsRoot, { recursive: true, force: true });
}
