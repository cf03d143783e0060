import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { SPACE_SPECS } from '../../engine/catalog';
import { chooseBackend } from '../../engine/backend';
import { EXPORT_FORMATS, type ExportFormat } from '../../engine/export/model-export';
import { LM_EXPORT_FORMATS } from '../../engine/export/manifest';
import { SpaceSchema } from '../../engine/search/config';
import { assertTrainingFits, buildAnyTrainData, type AnyTrainData } from '../../engine/train/any-session';
import { resolveArchitecture } from '../../engine/train/train-config';
import { runsRoot } from '../../shared/paths';
import { formatCount } from '../../shared/format-count';
import {
  RECIPE_NAMES,
  parseTrainConfig,
  type RecipeName,
  type TrainConfigInput,
} from '../../shared/run-config';
import { newRunId, recoverStaleRuns } from '../../runs/manager';
import { RunDir, listRunDirs } from '../../runs/run-dir';
import { exportRun } from '../../runs/export';
import { exportTrainedRun } from '../../runs/trained-model';
import { trainConfigFromRun } from '../../runs/train-from-run';
import { executeInTerminal, formatSeconds, preferredBackend, type ProgressView } from '../progress';

function findRun(root: string, id: string): RunDir {
  const dir = listRunDirs(root).find((d) => d.id === id);
  if (!dir) throw new Error(`no run named ${id} in ${root} (see: nas-studio list)`);
  return dir;
}

function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the ${what} ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`The ${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `--space-config`: inline JSON ('{"name":"nb201"}') or a file holding it. */
function readSpaceConfig(arg: string): unknown {
  if (arg.trim().startsWith('{')) {
    try {
      return JSON.parse(arg);
    } catch (e) {
      throw new Error(`--space-config is not valid JSON: ${(e as Error).message}`);
    }
  }
  return readJsonFile(arg, 'space config');
}

/**
 * `--arch FILE`: the space's JSON architecture file or the field's text notation. Without a space
 * given, the space is the first registered one (at its defaults) that reads the file; the error lists
 * what each said.
 */
function architectureFromFile(
  file: string,
  space: unknown,
): Pick<TrainConfigInput, 'architecture' | 'space'> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`Cannot read the architecture file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const architecture =
    json !== undefined ? { json, origin: { file } } : { text: text.trim(), origin: { file } };
  if (space !== undefined) return { architecture, space: space as TrainConfigInput['space'] };
  const tried: string[] = [];
  for (const spec of SPACE_SPECS) {
    const s = SpaceSchema.parse({ name: spec.name });
    try {
      resolveArchitecture(s, architecture);
      return { architecture, space: s };
    } catch (e) {
      tried.push(`${spec.name}: ${(e as Error).message}`);
    }
  }
  throw new Error(
    `the architecture file ${file} is not an architecture of any space at its defaults (give --space-config):\n${tried.join('\n')}`,
  );
}

export interface TrainOptions {
  from?: string;
  epoch?: string;
  random?: string | boolean;
  arch?: string;
  config?: string;
  spaceConfig?: string;
  recipe?: string;
  runs: string;
}

/** The validated training config the options describe (nothing is created yet). */
export function trainConfigFromOptions(opts: TrainOptions) {
  if (opts.recipe !== undefined && !(RECIPE_NAMES as readonly string[]).includes(opts.recipe))
    throw new Error(`--recipe: unknown recipe '${opts.recipe}' (known: ${RECIPE_NAMES.join(', ')})`);
  const base = (opts.config ? readJsonFile(opts.config, 'training config') : {}) as Record<string, unknown>;
  const space = opts.spaceConfig ? readSpaceConfig(opts.spaceConfig) : base.space;
  let input: Record<string, unknown> = { kind: 'train', ...base };
  if (opts.from !== undefined && opts.arch !== undefined)
    throw new Error('give either --from RUN or --arch FILE, not both');
  if (opts.from !== undefined) {
    const epoch = opts.epoch !== undefined ? Number(opts.epoch) : undefined;
    if (epoch !== undefined && !(Number.isInteger(epoch) && epoch >= 0))
      throw new Error(`--epoch: expected an epoch number (0, 1, ...), got '${opts.epoch}'`);
    const randomSeed =
      opts.random === undefined || opts.random === false
        ? undefined
        : opts.random === true
          ? 0
          : Number(opts.random);
    if (randomSeed !== undefined && !(Number.isInteger(randomSeed) && randomSeed >= 0))
      throw new Error(`--random: expected a seed (a non-negative integer), got '${opts.random}'`);
    const fromRun = trainConfigFromRun(findRun(opts.runs, opts.from), { epoch, randomSeed });
    // The file's fields (recipe, network, data) win over what the search run implies; the space is
    // the run's (its architecture belongs to it) unless --space-config says otherwise.
    const spaceOverride = opts.spaceConfig ? readSpaceConfig(opts.spaceConfig) : undefined;
    input = {
      ...fromRun,
      ...base,
      kind: 'train',
      architecture: fromRun.architecture,
      space: spaceOverride ?? fromRun.space,
    };
  } else if (opts.arch !== undefined) {
    input = { ...input, ...architectureFromFile(opts.arch, space) };
  } else if (base.architecture === undefined)
    throw new Error(
      'train needs an architecture: --from RUN (a search run, its derived architecture or --epoch N), --arch FILE, or a --config file with an "architecture" field (examples/smoke/train-<space>.json)',
    );
  if (opts.recipe)
    input.recipe = { ...((input.recipe as object | undefined) ?? {}), preset: opts.recipe as RecipeName };
  return parseTrainConfig(
    input,
    opts.config ?? opts.arch ?? (opts.from ? `run ${opts.from}` : 'the options'),
  );
}

/** The training bar and plain line: the epoch, loss, accuracy and the newest test accuracy. */
function trainProgressView(): ProgressView {
  let testAcc: number | undefined;
  let testPerplexity: number | undefined;
  return {
    barFormat:
      'train |{bar}| {percentage}% · epoch {epoch} · step {value}/{total} · {metrics} · ETA {eta_formatted}',
    show: (p) => {
      if (typeof p.metrics.testAcc === 'number') testAcc = p.metrics.testAcc;
      if (typeof p.metrics.testPerplexity === 'number') testPerplexity = p.metrics.testPerplexity;
      // A language model shows its perplexity where an image classifier shows its accuracy.
      const shown =
        typeof p.metrics.perplexity === 'number'
          ? `loss ${p.metrics.loss.toFixed(3)} · ppl ${p.metrics.perplexity.toFixed(1)}${testPerplexity !== undefined ? ` · test ppl ${testPerplexity.toFixed(2)}` : ''}`
          : `loss ${p.metrics.loss.toFixed(3)} · acc ${p.metrics.acc.toFixed(3)}${testAcc !== undefined ? ` · test ${testAcc.toFixed(3)}` : ''}`;
      return {
        payload: { epoch: p.epoch + 1, metrics: shown },
        line: `step ${p.step}/${p.totalSteps} · epoch ${p.epoch + 1} · ${shown} · ETA ${formatSeconds(p.etaSeconds)}`,
      };
    },
    alwaysPlain: (p) => p.epochEnded === true,
  };
}

/** Executes a training run in this process with a progress bar; Ctrl-C pauses at the next step boundary. */
export async function executeTrainWithProgress(
  dir: RunDir,
  resume: boolean,
  backendOverride?: string,
  trainData?: AnyTrainData,
): Promise<void> {
  const config = dir.readTrainConfig();
  const backend = await chooseBackend({ prefer: preferredBackend(backendOverride, config.backend) });
  process.stderr.write(`training run ${dir.id} in ${dir.path} · backend ${backend.chosen}\n`);
  await executeInTerminal(dir, {
    resume,
    view: trainProgressView(),
    loaded: { trainData },
    onCompleted: () => {
      const s = dir.readStatus();
      const size = `${s.params !== undefined ? formatCount(s.params) : '?'} parameters · ${s.flops !== undefined ? formatCount(s.flops) : '?'} FLOPs`;
      if (s.testPerplexity !== undefined)
        process.stdout.write(
          `trained: test perplexity ${s.testPerplexity.toFixed(2)} · validation perplexity ${s.valPerplexity?.toFixed(2) ?? '?'} · ${size} per token\n` +
            `export it with: nas-studio export ${dir.id} --format ${LM_EXPORT_FORMATS.join(',')}\n`,
        );
      else
        process.stdout.write(
          `trained: test accuracy ${s.testAcc !== undefined ? (100 * s.testAcc).toFixed(2) : '?'}% · ${size}\n` +
            `export it with: nas-studio export ${dir.id} --format onnx\n`,
        );
    },
  });
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description(
      'train an architecture from scratch (the found one of a search run, or a file) with a paper recipe',
    )
    .option('--from <run>', 'a search run: its derived architecture (or --epoch N)')
    .option('--epoch <n>', "with --from: the architecture of that epoch's record (0-based)")
    .option('--random [seed]', 'with --from: a random architecture of the same space instead (the baseline)')
    .option('--arch <file>', "an architecture file: the space's JSON or the field's text notation")
    .option(
      '-c, --config <file>',
      'a training config (JSON: recipe, network, data, ...); the paper recipe fills in the rest',
    )
    .option(
      '--space-config <json|file>',
      "the space the architecture belongs to (default: the search run's, or inferred from --arch)",
    )
    .option(
      '--recipe <name>',
      `the recipe preset: ${RECIPE_NAMES.join(', ')} (default: the space's paper recipe)`,
    )
    .option('--runs <dir>', 'runs folder', runsRoot())
    .option('--name <id>', 'run name (default: date and a random suffix)')
    .option('--backend <name>', 'tfjs backend: tensorflow, webgpu, wasm or cpu (default: fastest available)')
    .action(async (opts: TrainOptions & { name?: string; backend?: string }) => {
      recoverStaleRuns(opts.runs);
      const config = trainConfigFromOptions(opts);
      // Everything is checked before the run folder exists: the dataset, and that the network takes its images.
      await chooseBackend({ prefer: preferredBackend(opts.backend, config.backend) });
      const data = await buildAnyTrainData(config, (w) => process.stderr.write(`warning: ${w}\n`));
      assertTrainingFits(config, data);
      const dir = RunDir.create(opts.runs, opts.name ?? newRunId(), config);
      await executeTrainWithProgress(dir, false, opts.backend, data);
    });

  program
    .command('export <run>')
    .description(
      "export a run: a training run's model (--format onnx, tfjs, safetensors), a search run's genotype and supernet weights",
    )
    .option(
      '--format <formats>',
      `training runs: comma-separated, of ${EXPORT_FORMATS.join(', ')} (default: every format the model has; a language model: ${LM_EXPORT_FORMATS.join(', ')})`,
    )
    .option('--runs <dir>', 'runs folder', runsRoot())
    .action(async (id: string, opts: { format?: string; runs: string }) => {
      const dir = findRun(opts.runs, id);
      if (dir.readConfig().kind !== 'train') {
        const r = exportRun(dir);
        for (const f of r.files) process.stdout.write(`${r.folder}/${f.name}  ${f.what}\n`);
        return;
      }
      const formats = opts.format?.split(',').map((f) => f.trim());
      for (const f of formats ?? [])
        if (!(EXPORT_FORMATS as readonly string[]).includes(f))
          throw new Error(`--format: unknown format '${f}' (known: ${EXPORT_FORMATS.join(', ')})`);
      await chooseBackend({ prefer: 'cpu' });
      const r = await exportTrainedRun(dir, formats as ExportFormat[] | undefined);
      for (const f of r.files) process.stdout.write(`${r.folder}/${f.name}  ${f.bytes} bytes\n`);
    });
}
