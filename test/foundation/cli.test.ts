import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtFile, root } from './built';

function cli(args: string[]) {
  builtFile('out/node/cli.js');
  return execFileSync(process.execPath, [join(root, 'bin', 'nas-studio.mjs'), ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NAS_STUDIO_BACKEND: 'cpu' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('nas-studio CLI', () => {
  it('search with a dataset that cannot be read says so and leaves no run folder', () => {
    builtFile('out/node/cli.js');
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ epochs: 1, data: { source: 'path', path: join(dir, 'nope') } }));
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin', 'nas-studio.mjs'), 'search', '--config', config, '--runs', join(dir, 'runs')],
      { cwd: root, encoding: 'utf8', env: { ...process.env, NAS_STUDIO_BACKEND: 'cpu' } },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'nope')}: not found`);
    expect(existsSync(join(dir, 'runs'))).toBe(false);
  });

  it('doctor --json prints only valid JSON naming the chosen backend', () => {
    const report = JSON.parse(cli(['doctor', '--json']));
    expect(report.backend.chosen).toBe('cpu');
    expect(report.backend.attempts.at(-1)).toMatchObject({ backend: 'cpu', ok: true });
    expect(typeof report.electron.binaryPresent).toBe('boolean');
    expect(report.backend.device).toMatch(/^CPU through pure-JavaScript kernels/);
    expect(report.paths.datasetCache).toMatch(/datasets$/);
  });

  it('`npx nas-studio` resolves the own bin of this package (as the README says), without installing anything', () => {
    builtFile('out/node/cli.js');
    const out = execFileSync('npx', ['--no', 'nas-studio', 'doctor', '--json', '--backend', 'cpu'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(JSON.parse(out).backend.chosen).toBe('cpu');
  });

  it('search runs a tiny DARTS search on the bundled dataset and writes the genotype', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        space: { cells: 2, nodes: 2, channels: 2 },
        epochs: 1,
        batchSize: 8,
        stepsPerEpoch: 2,
        data: { subset: 200 },
      }),
    );
    const runs = join(dir, 'runs');
    cli(['search', '--config', config, '--runs', runs, '--name', 'first']);
    const g = JSON.parse(readFileSync(join(runs, 'first', 'exports', 'genotype.json'), 'utf8'));
    expect(g.normal).toHaveLength(4);
    const steps = readFileSync(join(runs, 'first', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((m) => m.kind === 'step');
    expect(steps).toHaveLength(2);
    expect(JSON.parse(cli(['status', 'first', '--runs', runs, '--json']))).toMatchObject({
      status: 'completed',
      step: 2,
    });
    expect(cli(['list', '--runs', runs])).toMatch(/first\s+completed/);
    let err = '';
    try {
      cli(['resume', 'first', '--runs', runs]);
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(/already completed/);
    err = '';
    try {
      cli(['delete', 'first', '--runs', runs]);
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(/run again with --yes/);
    cli(['delete', 'first', '--runs', runs, '--yes']);
    expect(cli(['list', '--runs', runs])).toMatch(/no runs/);
  });

  it('a search too large for this machine is refused before it starts, with the fields to change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const config = join(dir, 'huge.json');
    writeFileSync(config, JSON.stringify({ batchSize: 4096 })); // ~1.9 TB per step: more than any machine
    let err = '';
    try {
      cli(['search', '--config', config, '--runs', join(dir, 'runs'), '--name', 'huge']);
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(/needs about \d+\.\d GB per step .* reduce batchSize \(now 4096\)/);
    expect(JSON.parse(cli(['status', 'huge', '--runs', join(dir, 'runs'), '--json']))).toMatchObject({
      status: 'failed',
    });
  });

  it('a bad config names the file and the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const config = join(dir, 'bad.json');
    writeFileSync(config, JSON.stringify({ epochs: -3, space: { ops: ['sep_conv_3x3', 'conv_7x7'] } }));
    let stderr = '';
    try {
      cli(['search', '--config', config]);
    } catch (e) {
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(stderr).toContain(config);
    expect(stderr).toMatch(/epochs/);
    expect(stderr).toMatch(/space\.ops\.1/);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('search without --config refuses with the commands to run instead (the defaults are GPU-sized)', () => {
    let err = '';
    try {
      cli(['search', '--runs', mkdtempSync(join(tmpdir(), 'nas-cli-'))]);
    } catch (e) {
      err = String((e as { stderr?: string }).stderr);
    }
    expect(err).toMatch(/search needs a config: nas-studio search --config examples\/quick-search\.json/);
  });

  it('--version, and list --json with what each run is', () => {
    expect(cli(['--version']).trim()).toBe(
      JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
    );
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const runs = join(dir, 'runs');
    expect(JSON.parse(cli(['list', '--json', '--runs', runs]))).toEqual([]);
    const out = execFileSync(
      process.execPath,
      [
        join(root, 'bin', 'nas-studio.mjs'),
        'search',
        '--config',
        join(root, 'examples', 'smoke', 'random-search-nb201.json'),
        '--runs',
        runs,
        '--name',
        'rs',
      ],
      {
        cwd: root,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    expect(JSON.parse(out).format).toBe('nas-studio.nb201-arch');
    const [run] = JSON.parse(cli(['list', '--json', '--runs', runs]));
    expect(run).toMatchObject({
      id: 'rs',
      status: 'completed',
      strategy: expect.stringMatching(/^Random search/),
      space: expect.stringMatching(/^NAS-Bench-201/),
    });
  });

  it('without a terminal, search prints plain progress lines with the phase and an ETA', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nas-cli-'));
    const r = spawnSync(
      process.execPath,
      [
        join(root, 'bin', 'nas-studio.mjs'),
        'search',
        '--config',
        join(root, 'examples', 'smoke', 'random-search-darts.json'),
        '--runs',
        join(dir, 'runs'),
      ],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('step '));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    // It ends with the answer in the field's notation and its score.
    expect(r.stderr).toMatch(/^found: Genotype\(normal=\[.*\) · score 0\.\d{4}$/m);
    expect(lines.at(-1)).toMatch(
      /^step (\d+)\/\1 \(100\.0%\) · phase 2\/2 evaluate · epoch 1 · score [\d.]+ .* · ETA 0s$/,
    );
  });
});
