import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir } from '../../src/runs/run-dir';
import { parseSearchConfig, type SearchConfig, type SearchConfigInput } from '../../src/shared/search-config';
import { spaceOf } from '../../src/engine/catalog';
import type { ArchSnapshot } from '../../src/engine/search/strategy';
import { Rng } from '../../src/engine/util/rng';

/** softmax rows of random logits that sharpen with `t` in [0, 1], as a search would. */
function rows(rng: Rng, n: number, k: number, t: number): number[][] {
  return Array.from({ length: n }, () => {
    const logits = Array.from({ length: k }, () => rng.normal() * (0.05 + 3 * t));
    const e = logits.map((v) => Math.exp(v));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  });
}

export interface FixtureOptions {
  /**
   * 'current': the records the engine writes now (docs/run-format.md: phase, ArchSnapshot per label,
   * genotypeText); 'legacy': a run written before that (DARTS arch {ops, normal, reduce, kind}, no phases).
   */
  format?: 'current' | 'legacy';
  /**
   * Candidates scored in a second phase after the search (as random search scores samples): this
   * many, one per step, then a rescore round of the best five.
   */
  candidates?: number;
  /**
   * Epoch records carry the collapse alarm's metrics (strategies/collapse): an eigenvalue every
   * other epoch that starts growing halfway, skip counts, and a Hessian alarm with its rollback epoch.
   */
  collapse?: boolean;
  /** The run's space config (default: the DARTS space at its defaults). */
  space?: SearchConfigInput['space'];
}

/** The collapse alarm's epoch metrics of a fixture run's epoch `e` of `epochs`. */
function collapseMetrics(e: number, epochs: number): Record<string, number> {
  const half = epochs / 2;
  const out: Record<string, number> = {
    skipsNormal: e < half ? 0 : Math.min(4, Math.floor((e - half) / 2) + 1),
    skipsReduce: e < half ? 1 : 2,
  };
  if (e % 2 === 0) out.hessianEigenvalue = 0.1 + (e < half ? 0.01 * e : 0.05 * (e - half) ** 1.5);
  if (e >= half + 2) out.alarmSkips = 1;
  if (e === epochs - 2)
    Object.assign(out, { alarmHessian: 1, hessianStopEpoch: epochs - 10, collapseAlarm: 1 });
  return out;
}

/** The epoch record's architecture part, in the chosen format, from the space's own choice points. */
function epochArch(
  config: SearchConfig,
  rng: Rng,
  t: number,
  format: 'current' | 'legacy',
): Record<string, unknown> {
  const space = spaceOf(config.space);
  const weights = Object.fromEntries(
    space.choicePoints.map((cp) => [cp.label, rows(rng, cp.rows.length, cp.options.length, t)]),
  );
  const genotype = space.derive(weights);
  if (format === 'legacy')
    return {
      arch: {
        ops: space.choicePoints[0].options,
        normal: weights.normal,
        reduce: weights.reduce,
        kind: 'softmax',
      },
      genotype,
    };
  const arch: ArchSnapshot = Object.fromEntries(
    space.choicePoints.map((cp) => [
      cp.label,
      {
        kind: 'softmax' as const,
        title: cp.title,
        rows: cp.rows,
        options: cp.options,
        values: weights[cp.label],
      },
    ]),
  );
  return { arch, genotype: space.toJson(genotype), genotypeText: space.toText(genotype) };
}

/** A second phase of `n` scored samples (and a rescore of the best five), as random search logs them. */
function candidateLines(config: SearchConfig, rng: Rng, first: number, n: number): string[] {
  const space = spaceOf(config.space);
  const lines = [
    JSON.stringify({ kind: 'phase', step: first, phase: 'evaluate', title: 'score sampled architectures' }),
  ];
  const scored: Array<{ g: unknown; score: number }> = [];
  for (let i = 0; i < n; i++) {
    const g = space.sample(rng);
    const score = 0.3 + 0.5 * rng.uniform() * (0.5 + i / (2 * n));
    scored.push({ g, score });
    lines.push(
      JSON.stringify({
        kind: 'step',
        step: first + i,
        epoch: 0,
        phase: 'evaluate',
        seconds: 0.2,
        valAcc: score,
      }),
    );
    lines.push(
      JSON.stringify({
        kind: 'candidate',
        step: first + i,
        phase: 'evaluate',
        round: 'sample',
        score,
        genotype: space.toJson(g),
        text: space.toText(g),
        metrics: { valAcc: score },
      }),
    );
  }
  scored.sort((a, b) => b.score - a.score);
  scored.slice(0, 5).forEach(({ g, score }, k) => {
    const again = score + 0.05 * (rng.uniform() - 0.5);
    lines.push(
      JSON.stringify({
        kind: 'step',
        step: first + n + k,
        epoch: 0,
        phase: 'evaluate',
        seconds: 0.2,
        valAcc: again,
      }),
    );
    lines.push(
      JSON.stringify({
        kind: 'candidate',
        step: first + n + k,
        phase: 'evaluate',
        round: 'rescore',
        score: again,
        genotype: space.toJson(g),
        text: space.toText(g),
        metrics: { valAcc: again },
      }),
    );
  });
  return lines;
}

/**
 * A completed run folder as the engine would leave it after `steps` steps over `epochs` epochs,
 * written directly (no search): to test that long runs' dashboards open from disk, that old runs
 * still display, and the candidates panel.
 */
export function writeFinishedRun(
  root: string,
  id: string,
  steps: number,
  epochs: number,
  o: FixtureOptions = {},
): string {
  const format = o.format ?? 'current';
  const config = parseSearchConfig({
    ...(o.space ? { space: o.space, strategy: { name: 'spos' } } : {}),
    epochs,
    stepsPerEpoch: Math.ceil(steps / epochs),
    data: { source: 'synthetic' },
  });
  const dir = RunDir.create(root, id, config);
  const rng = new Rng(steps);
  const perEpoch = Math.ceil(steps / epochs);
  const phase = format === 'current' ? { phase: 'search' } : {};
  let lines: string[] =
    format === 'current'
      ? [JSON.stringify({ kind: 'phase', step: 0, phase: 'search', title: 'search' })]
      : [];
  for (let s = 0; s < steps; s++) {
    const epoch = Math.floor(s / perEpoch);
    const loss = 2.3 * Math.exp(-s / (steps / 3)) + 0.1 * rng.uniform();
    lines.push(
      JSON.stringify({
        kind: 'step',
        step: s,
        epoch,
        ...phase,
        seconds: 0.5,
        trainLoss: loss,
        trainAcc: 1 - loss / 2.5,
        valLoss: loss * 1.1,
        valAcc: 1 - loss / 2.3,
        lrWeights: 0.025,
        lrAlpha: 3e-4,
        gradNorm: 1 + rng.uniform(),
        zeta: rng.uniform(),
      }),
    );
    if ((s + 1) % perEpoch === 0 || s === steps - 1) {
      const t = (epoch + 1) / epochs;
      lines.push(
        JSON.stringify({
          kind: 'epoch',
          step: s,
          epoch,
          ...phase,
          valAcc: 0.5 + 0.4 * t,
          ...epochArch(config, rng, t, format),
          ...(o.collapse ? collapseMetrics(epoch, epochs) : {}),
        }),
      );
    }
    if (lines.length >= 5000) {
      appendFileSync(dir.metricsPath, lines.join('\n') + '\n');
      lines = [];
    }
  }
  if (o.candidates) lines.push(...candidateLines(config, rng, steps, o.candidates));
  if (lines.length) appendFileSync(dir.metricsPath, lines.join('\n') + '\n');
  const total = steps + (o.candidates ? o.candidates + 5 : 0);
  dir.transition('running', { totalSteps: total });
  dir.transition('completed', { step: total, bestValAcc: 0.9, elapsedSeconds: total * 0.5 });
  return id;
}

/**
 * A real search through the CLI (`nas-studio search`), to completion, into the runs root under `name`:
 * the dashboard then shows exactly what the strategy logs. Keep the config tiny (seconds on a CPU).
 */
export function runSearch(root: string, runsRoot: string, name: string, config: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'nas-e2e-config-')), `${name}.json`);
  writeFileSync(file, JSON.stringify(config));
  execFileSync(
    process.execPath,
    [join(root, 'bin', 'nas-studio.mjs'), 'search', '--config', file, '--runs', runsRoot, '--name', name],
    { cwd: root, env: { ...process.env, NAS_STUDIO_BACKEND: 'wasm' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return name;
}
