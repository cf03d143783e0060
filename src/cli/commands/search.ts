import type { Command } from 'commander';
import { describeRun } from '../../service/describe';
import type { RunConfig } from '../../shared/run-config';
import { executeTrainWithProgress } from './train';
import { strategySpec } from '../../engine/catalog';
import { readFileSync } from 'node:fs';
import { parseSearchConfig, type SearchConfig } from '../../shared/search-config';
import { chooseBackend } from '../../engine/backend';
import { runsRoot } from '../../shared/paths';
import { formatCount } from '../../shared/format-count';
import { estimateStepBytes } from '../../engine/search/memory';
import { requestPause, type RunProgress } from '../../runs/execute';
import { executeInTerminal, formatSeconds, preferredBackend, type ProgressView } from '../progress';
import { buildSearchData } from '../../engine/search/build-data';
import type { SearchData } from '../../engine/search/session';
import { newRunId, recoverStaleRuns } from '../../runs/manager';
import { RunDir, listRunDirs } from '../../runs/run-dir';

/** Reads and validates a search config file; errors name the file and every bad field. */
export function loadConfigFile(file: string | undefined): SearchConfig {
  // Without a file the paper's defaults would start a 50-epoch, GPU-sized search: ask instead.
  if (!file)
    throw new Error(
      'search needs a config: nas-studio search --config examples/quick-search.json (DARTS sized for a CPU), ' +
        "examples/smoke/<strategy>-<space>.json (a one-minute run), or a file of your own ({} takes the paper's GPU-sized defaults); " +
        'nas-studio strategies lists what a config can name',
    );
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the config file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`The config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return parseSearchConfig(json, file);
}

function findRun(root: string, id: string): RunDir {
  const dir = listRunDirs(root).find((d) => d.id === id);
  if (!dir) throw new Error(`no run named ${id} in ${root} (see: nas-studio list)`);
  return dir;
}

/** A trained model's test accuracy, parameters and FLOPs for the runs list ('' for searches). */
function trainedLine(r: {
  testAcc?: number;
  testPerplexity?: number;
  params?: number;
  flops?: number;
}): string {
  if (r.testAcc === undefined && r.testPerplexity === undefined && r.params === undefined) return '';
  // A language model's headline is its test perplexity, an image classifier's its accuracy.
  const acc =
    r.testPerplexity !== undefined
      ? `  test ppl ${r.testPerplexity.toFixed(2)}`
      : r.testAcc !== undefined
        ? `  test ${(100 * r.testAcc).toFixed(2)}%`
        : '';
  const params = r.params !== undefined ? `  ${formatCount(r.params)} params` : '';
  const flops = r.flops !== undefined ? `  ${formatCount(r.flops)} FLOPs` : '';
  return `${acc}${params}${flops}`;
}

/**
 * The found architecture in the field's notation, and its score where the strategy scores
 * candidates (the last step's `bestScore`: the answer's, e.g. random search's best re-scored one).
 */
function answerLine(dir: RunDir): string {
  const records = dir.readMetrics();
  const last = (kind: string) => [...records].reverse().find((r) => r.kind === kind);
  const epoch = last('epoch');
  const step = last('step');
  const score = typeof step?.bestScore === 'number' ? ` · score ${step.bestScore.toFixed(4)}` : '';
  return typeof epoch?.genotypeText === 'string' ? `found: ${epoch.genotypeText}${score}\n` : '';
}

/** A phase label ('phase 2/2 evaluate') where the strategy has more than one phase. */
function phaseLabel(p: RunProgress): string | undefined {
  return p.phaseCount && p.phaseCount > 1
    ? `phase ${(p.phaseIndex ?? 0) + 1}/${p.phaseCount} ${p.phase}`
    : undefined;
}

/** The search bar and plain line: the phase, the epoch and the strategy's first three metrics. */
function searchProgressView(config: SearchConfig): ProgressView {
  // The strategy's own metrics, in the order its spec declares them (a phase reports only some).
  const declared = strategySpec(config.strategy.name).metrics.map((m) => m.key);
  const shown = (m: Record<string, number>) =>
    declared
      .filter((k) => typeof m[k] === 'number')
      .slice(0, 3)
      .map((k) => `${k} ${m[k].toFixed(3)}`)
      .join(' · ') || '-';
  return {
    barFormat:
      'search |{bar}| {percentage}% · {phase}epoch {epoch} · step {value}/{total} · {metrics} · ETA {eta_formatted}',
    etaBuffer: 20,
    show: (p) => {
      const phase = phaseLabel(p);
      const metrics = shown(p.metrics);
      return {
        payload: { epoch: p.epoch + 1, phase: phase ? `${phase} · ` : '', metrics },
        line: `step ${p.step}/${p.totalSteps} (${((100 * p.step) / p.totalSteps).toFixed(1)}%)${phase ? ` · ${phase}` : ''} · epoch ${p.epoch + 1} · ${metrics} · ETA ${formatSeconds(p.etaSeconds)}`,
      };
    },
  };
}

/** Executes a run in this process with a progress bar; Ctrl-C pauses at the next step boundary. */
async function executeWithProgress(
  dir: RunDir,
  resume: boolean,
  backendOverride?: string,
  data?: SearchData,
): Promise<void> {
  const config = dir.readSearchConfig();
  const backend = await chooseBackend({
    prefer: preferredBackend(backendOverride, config.backend),
    memoryNeedBytes: estimateStepBytes(config),
  });
  process.stderr.write(`run ${dir.id} in ${dir.path} · backend ${backend.chosen}\n`);
  await executeInTerminal(dir, {
    resume,
    view: searchProgressView(config),
    loaded: { data },
    onCompleted: () => {
      process.stdout.write(readFileSync(`${dir.exportsDir}/genotype.json`, 'utf8') + '\n');
      process.stderr.write(answerLine(dir));
    },
  });
}

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('start an architecture search from a JSON config (paper defaults fill in what it omits)')
    .option('-c, --config <file>', 'search configuration (JSON)')
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--name <id>', 'run name (default: date and a random suffix)')
    .option('--backend <name>', 'tfjs backend: tensorflow, webgpu, wasm or cpu (default: fastest available)')
    .action(async (opts: { config?: string; runs: string; name?: string; backend?: string }) => {
      const config = loadConfigFile(opts.config);
      // The dataset is read before the run folder is made: a missing path or a damaged archive is an
      // error about the config, not a failed run to clean up.
      const data = await buildSearchData(config, (w) => process.stderr.write(`warning: ${w}\n`));
      recoverStaleRuns(opts.runs);
      const dir = RunDir.create(opts.runs, opts.name ?? newRunId(), config);
      await executeWithProgress(dir, false, opts.backend, data);
    });

  program
    .command('resume <run>')
    .description('continue a paused, stopped, failed or interrupted run from its last checkpoint')
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--backend <name>', 'tfjs backend')
    .action(async (id: string, opts: { runs: string; backend?: string }) => {
      recoverStaleRuns(opts.runs);
      const dir = findRun(opts.runs, id);
      const s = dir.readStatus();
      if (s.status === 'completed') throw new Error(`run ${id} is already completed`);
      if (s.status === 'running' || s.status === 'pausing')
        throw new Error(`run ${id} is ${s.status} in process ${s.pid}`);
      if (dir.readConfig().kind === 'train') await executeTrainWithProgress(dir, true, opts.backend);
      else await executeWithProgress(dir, true, opts.backend);
    });

  // Both checkpoint at the next step boundary; a stopped run also exports its genotype so far.
  for (const [verb, description, done] of [
    [
      'pause',
      'ask the process executing a run to pause it at its next step boundary',
      'pauses after its current step',
    ],
    [
      'stop',
      'stop a run at its next step boundary and export its genotype so far (it can still be resumed)',
      'stops after its current step and can still be resumed',
    ],
  ] as const) {
    program
      .command(`${verb} <run>`)
      .description(description)
      .option('--runs <dir>', 'runs folder', runsRoot())
      .action((id: string, opts: { runs: string }) => {
        const dir = findRun(opts.runs, id);
        const s = dir.readStatus();
        if (s.status !== 'running') throw new Error(`run ${id} is ${s.status}, not running`);
        requestPause(dir, verb);
        process.stdout.write(`${verb} requested for ${id}; it ${done}\n`);
      });
  }

  program
    .command('delete <run>')
    .description('delete a run folder (asks for --yes; refuses while it runs)')
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--yes', 'confirm the deletion')
    .action(async (id: string, opts: { runs: string; yes?: boolean }) => {
      recoverStaleRuns(opts.runs);
      const dir = findRun(opts.runs, id);
      const s = dir.readStatus();
      if (s.status === 'running' || s.status === 'pausing')
        throw new Error(`run ${id} is ${s.status}; pause it first`);
      if (!opts.yes)
        throw new Error(`this deletes ${dir.path} and everything in it; run again with --yes to confirm`);
      const { rmSync } = await import('node:fs');
      rmSync(dir.path, { recursive: true, force: true });
      process.stdout.write(`deleted ${id}\n`);
    });

  program
    .command('status [run]')
    .description('status of one run (or all)')
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--json', 'print JSON')
    .action((id: string | undefined, opts: { runs: string; json?: boolean }) => {
      recoverStaleRuns(opts.runs);
      const dirs = id ? [findRun(opts.runs, id)] : listRunDirs(opts.runs);
      const rows = dirs.map((d) => d.readLiveStatus());
      if (opts.json) process.stdout.write(JSON.stringify(id ? rows[0] : rows, null, 2) + '\n');
      else
        for (const r of rows)
          process.stdout.write(
            `${r.id}  ${r.status.padEnd(11)} step ${r.step}/${r.totalSteps ?? '?'}${r.etaSeconds !== undefined ? `  ETA ${formatSeconds(r.etaSeconds)}` : ''}${r.reason ? `  (${r.reason})` : ''}\n`,
          );
    });

  program
    .command('list')
    .description('all runs, newest first')
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--json', 'machine-readable: status, strategy, space and dataset of each run')
    .action((opts: { runs: string; json?: boolean }) => {
      recoverStaleRuns(opts.runs);
      const rows = listRunDirs(opts.runs).map((d) => {
        const s = d.readLiveStatus();
        let c: RunConfig | null = null;
        try {
          c = d.readConfig();
        } catch {
          // A run whose config cannot be read still lists, with its status saying why it failed.
        }
        const { epochs: _epochs, ...described } = c
          ? describeRun(c)
          : { kind: '?', strategy: '?', space: '?', dataset: '?', epochs: 0 };
        return { ...s, ...described };
      });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (!rows.length) process.stdout.write(`no runs in ${opts.runs}\n`);
      for (const r of rows)
        process.stdout.write(
          `${r.id}  ${r.status.padEnd(11)} ${r.strategy} on ${r.space}  data ${r.dataset}  step ${r.step}/${r.totalSteps ?? '?'}${trainedLine(r)}\n`,
        );
    });
}
