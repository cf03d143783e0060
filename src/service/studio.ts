import type { z } from 'zod';
import { existsSync, readFileSync } from 'node:fs';
import {
  API_ARGS,
  isStudioMethod,
  type DatasetPreviewDto,
  type DownloadEvent,
  type ExportResult,
  type ImagePredictionDto,
  type RunProbeDto,
  type RunSummary,
  type Settings,
  type StudioCalls,
  type StudioEvents,
  type StudioMethod,
  type TrainRequest,
  type TryImage,
} from '../shared/api';
import { assertTryableRun, decodeUpload } from '../runs/try-image';
import { parseTrainConfig, type RunConfig } from '../shared/run-config';
import { trainConfigFromRun } from '../runs/train-from-run';
import type { DoctorReport } from '../shared/doctor';
import { parseSearchConfig, type SearchConfig, type SearchConfigInput } from '../shared/search-config';
import type { RunManager } from '../runs/manager';
import { listFolder } from './folder-browser';
import type { RunMeta } from '../runs/meta';
import { describeRun } from './describe';

/**
 * What the service needs from its host (Electron main or the web server). The operations that need
 * the engine come in as functions, so that this module loads no tfjs: both hosts run them in an
 * engine worker (worker/requests.ts, workerOperations), tests may run them in-process.
 */
export interface StudioDeps {
  runs: RunManager;
  doctor(): Promise<DoctorReport>;
  settings: { get(): Settings; set(patch: Partial<Settings>): Settings };
  emit<E extends keyof StudioEvents>(event: E, payload: StudioEvents[E]): void;
  /** The system's open dialog (Electron); absent in web mode, where the path is typed or browsed. */
  choosePath?: () => Promise<string | null>;
  /** The tree web mode's folder browser may list (the user's home); absent in the desktop app. */
  browseRoot?: string;
  /** Loads a dataset (its settings unchecked, as they come from the renderer) for the wizard's preview. */
  previewDataset(data: unknown, seed: number): Promise<DatasetPreviewDto>;
  /** Times a few steps of a validated config (runs/probe.ts) for the wizard's estimate. */
  probeRun(config: SearchConfig): Promise<RunProbeDto>;
  /** Exports the run folder at `runDir` (runs/export.ts; a training run's model: runs/trained-model.ts). */
  exportRun(runDir: string): Promise<ExportResult>;
  /** Checks a training config (dataset, network fit) in a worker before its run folder exists; absent: no check. */
  checkTraining?(config: unknown): Promise<string>;
  /** Classifies one image (base64 PNG/JPEG) with the completed training run at `runDir` (runs/try-model.ts); absent: refused. */
  predictImage?(runDir: string, imageBase64: string, name?: string): Promise<ImagePredictionDto>;
  /** Downloads a standard dataset into the app's cache; resolves with its folder. */
  downloadDataset(
    name: string,
    onProgress: (p: Pick<DownloadEvent, 'file' | 'received' | 'total'>) => void,
  ): Promise<string>;
}

/**
 * The app's operations, whatever the transport: Electron main and web mode both dispatch the
 * renderer's calls here, so the desktop app and the browser behave the same by construction.
 */
export class StudioService implements StudioCalls {
  constructor(private readonly deps: StudioDeps) {
    deps.runs.on('progress', (id: string, p: object) =>
      deps.emit('progress', { id, ...(p as Omit<StudioEvents['progress'], 'id'>) }),
    );
    deps.runs.on('status', (id: string, status: string) => deps.emit('status', { id, status }));
  }

  doctor() {
    return this.deps.doctor();
  }
  async getSettings() {
    return this.deps.settings.get();
  }
  async setSettings(patch: Partial<Settings>) {
    return this.deps.settings.set(patch);
  }

  async listRuns(): Promise<RunSummary[]> {
    return this.deps.runs.list().map((s) => {
      let meta: RunMeta = {};
      let config: RunConfig | null = null;
      try {
        const dir = this.deps.runs.dir(s.id);
        meta = dir.readMeta();
        config = dir.readConfig();
      } catch {
        // A run whose config cannot be read still shows, with its status saying why it failed.
      }
      const described = config
        ? describeRun(config)
        : { kind: 'search' as const, dataset: '?', strategy: '?', space: '?', epochs: 0 };
      return { ...s, ...meta, ...described, canResume: this.deps.runs.canResume(s) };
    });
  }

  async startRun(config: SearchConfigInput, meta?: RunMeta): Promise<string> {
    const parsed = parseSearchConfig(config, 'the wizard');
    // Read the dataset (in a worker) before the run folder exists: a missing path or a damaged archive
    // is an error for the wizard to show, not a failed run left in the list.
    await this.deps.previewDataset(parsed.data, parsed.seed);
    const dir = this.deps.runs.create(parsed);
    if (meta && (meta.name || meta.notes)) dir.writeMeta(meta);
    this.deps.runs.enqueue(dir.id);
    return dir.id;
  }
  async startTraining(request: TrainRequest): Promise<string> {
    const input = trainConfigFromRun(this.deps.runs.dir(request.from), {
      epoch: request.epoch,
      randomSeed: request.randomSeed,
      recipe: request.recipe ?? 'cpu',
    });
    const config = parseTrainConfig(input, `run ${request.from}`);
    // As startRun: a dataset that cannot be read or a network that cannot take its images is an
    // error for the dashboard to show, not a failed run left in the list.
    await this.deps.checkTraining?.(config);
    const dir = this.deps.runs.create(config);
    this.deps.runs.enqueue(dir.id);
    return dir.id;
  }
  async pauseRun(id: string) {
    this.deps.runs.pause(id);
  }
  async resumeRun(id: string) {
    this.deps.runs.enqueue(id, true);
  }
  async stopRun(id: string) {
    this.deps.runs.stop(id);
  }
  async deleteRun(id: string) {
    this.deps.runs.delete(id);
  }
  async runMetrics(id: string) {
    return this.deps.runs.dir(id).readMetrics();
  }
  async runConfig(id: string) {
    return this.deps.runs.dir(id).readConfig();
  }
  async runLog(id: string) {
    const file = this.deps.runs.dir(id).logPath;
    if (!existsSync(file)) return '';
    return readFileSync(file, 'utf8').split('\n').slice(-200).join('\n');
  }
  async exportRun(id: string) {
    return this.deps.exportRun(this.deps.runs.dir(id).path);
  }

  async predictImage(id: string, image: TryImage): Promise<ImagePredictionDto> {
    const dir = this.deps.runs.dir(id);
    // The cheap refusals (a search, an unfinished run, an upload that is no PNG/JPEG) before a worker starts.
    assertTryableRun(dir);
    decodeUpload(image.base64, image.name);
    if (!this.deps.predictImage) throw new Error('this host has no engine worker to classify images with');
    return this.deps.predictImage(dir.path, image.base64, image.name);
  }

  async probeRun(config: SearchConfigInput): Promise<RunProbeDto> {
    return this.deps.probeRun(parseSearchConfig(config, 'the wizard'));
  }

  async previewDataset(data: unknown, seed: number): Promise<DatasetPreviewDto> {
    return this.deps.previewDataset(data, seed);
  }

  async chooseDatasetPath(): Promise<string | null> {
    if (!this.deps.choosePath)
      throw new Error(
        "web mode has no file dialog: type the dataset's path on the machine running nas-studio serve, or browse for it",
      );
    return this.deps.choosePath();
  }

  async listFolder(path: string | null, hidden: boolean) {
    if (!this.deps.browseRoot)
      throw new Error(
        'the desktop app chooses datasets with the system dialog (Browse…), not the folder browser',
      );
    return listFolder(this.deps.browseRoot, path, { hidden });
  }

  async downloadDataset(name: string): Promise<string> {
    try {
      const folder = await this.deps.downloadDataset(name, (p) => this.deps.emit('download', { name, ...p }));
      this.deps.emit('download', { name, file: '', received: 0, total: null, done: true });
      return folder;
    } catch (e) {
      this.deps.emit('download', {
        name,
        file: '',
        received: 0,
        total: null,
        done: true,
        error: (e as Error).message,
      });
      throw e;
    }
  }
}

/**
 * An argument list's validation failure in words: "argument 1: not a run id", "the argument list:
 * expected 1 argument", never the config wording ("(config)") or zod's own issue list.
 */
function describeArgsError(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => {
      const [first, ...rest] = i.path;
      const where =
        first === undefined
          ? 'the argument list'
          : `argument ${typeof first === 'number' ? first + 1 : String(first)}${rest.length ? ` (${rest.join('.')})` : ''}`;
      // An argument list of the wrong length, counted in arguments rather than array items.
      const bound =
        (i as { maximum?: unknown; minimum?: unknown }).maximum ?? (i as { minimum?: unknown }).minimum;
      if (first === undefined && (i.code === 'too_big' || i.code === 'too_small'))
        return `${where}: expected ${i.code === 'too_big' ? 'at most' : 'at least'} ${String(bound)} argument${bound === 1 ? '' : 's'}`;
      return `${where}: ${i.message}`;
    })
    .join('; ');
}

/**
 * Runs one call from the renderer: the method must exist and its arguments must match its schema
 * before anything runs. Errors come back as plain sentences naming what was wrong.
 */
export async function dispatchCall(service: StudioCalls, method: unknown, args: unknown): Promise<unknown> {
  if (!isStudioMethod(method)) throw new Error(`unknown API method ${JSON.stringify(method)}`);
  const parsed = (API_ARGS[method] as z.ZodType<unknown[]>).safeParse(args ?? []);
  if (!parsed.success) throw new Error(`bad arguments for ${method}: ${describeArgsError(parsed.error)}`);
  const fn = service[method as StudioMethod] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(service, parsed.data as unknown[]);
}
