import { z } from 'zod';
import type { DoctorReport } from './doctor';
import type {
  DatasetPreviewSchema,
  ExportResultSchema,
  ImagePrediction,
  ResourceSample,
  RunProbe,
} from './protocol';
import type { SearchConfigInput } from './search-config';
import { RECIPE_NAMES, type RunConfig } from './run-config';
import type { RunStatusFile } from '../runs/status';
import { RunMetaSchema, type RunMeta } from '../runs/meta';
import type { RunProgress } from '../runs/execute';

/**
 * The one API between the renderer and whatever hosts the engine (Electron main over IPC, or the web
 * server over HTTP), VS Code style: every call is a method name plus an argument list, validated on
 * the host side against `API_ARGS` before anything runs; events flow the other way.
 */

/** IPC channels: one for calls, one for events (main → renderer). */
export const IPC = {
  call: 'nas:call',
  event: 'nas:event',
} as const;

/** A run id as it crosses a process boundary: the folder name under the runs root. */
export const RunIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a run id');

export const SettingsSchema = z
  .object({
    backend: z.enum(['auto', 'tensorflow', 'webgpu', 'wasm', 'cpu']).default('auto'),
    maxConcurrentRuns: z.number().int().min(1).max(16).default(1),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/** What the runs list shows of a run: its status file plus what its config and metrics say. */
export type RunSummary = RunStatusFile & {
  /** A search, or a training run of one architecture (its status carries testAcc, params, flops). */
  kind: 'search' | 'train';
  dataset: string;
  strategy: string;
  space: string;
  epochs: number;
  /** Whether Resume is offered: paused, stopped or interrupted, or failed after its first checkpoint. */
  canResume: boolean;
} & RunMeta;

/** A measured estimate of a run's time on this machine (a few steps timed in a worker). */
export type RunProbeDto = RunProbe;

/**
 * What "Train this architecture" and "Train a random architecture from the same space" send: a search
 * run, and either the epoch to take (default: its derived architecture) or a seed for a random one;
 * the recipe preset (default 'cpu': minutes on a laptop; the paper's recipe by name).
 */
export const TrainRequestSchema = z
  .object({
    from: RunIdSchema,
    epoch: z.number().int().nonnegative().optional(),
    randomSeed: z.number().int().nonnegative().optional(),
    recipe: z.enum(RECIPE_NAMES).default('cpu'),
  })
  .strict();
export type TrainRequest = z.input<typeof TrainRequestSchema>;

/**
 * A dataset as the wizard previews it; images are RGBA bytes in base64 (drawn on a canvas, no data:
 * URLs). Its schema lives with the worker protocol (shared/protocol.ts): it is checked where it
 * crosses from a worker.
 */
export type DatasetPreviewDto = z.infer<typeof DatasetPreviewSchema>;

/** The largest image the dashboard's "try it" panel takes: a phone photo fits; the network sees it resized anyway. */
export const TRY_IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** Its base64 length (4 characters per 3 bytes, padded). */
export const TRY_IMAGE_MAX_BASE64 = 4 * Math.ceil(TRY_IMAGE_MAX_BYTES / 3);

/** An image for "try it": the file's name (for error messages) and its bytes in base64. */
export const TryImageSchema = z
  .object({
    name: z.string().max(255).optional(),
    base64: z
      .string()
      .min(1, 'the image is empty')
      .max(TRY_IMAGE_MAX_BASE64, `the image is larger than ${TRY_IMAGE_MAX_BYTES / 1024 / 1024} MiB`),
  })
  .strict();
export type TryImage = z.infer<typeof TryImageSchema>;

/** What "try it" shows: the top classes and the preprocessing (its schema lives with the worker protocol). */
export type ImagePredictionDto = ImagePrediction;

/** What an export wrote; its schema lives with the worker protocol, which carries it from the worker that exports. */
export type ExportResult = z.infer<typeof ExportResultSchema>;

/**
 * A run's progress after a step, as the worker reports it (see runs/execute.ts), with the run's id
 * and the worker's resource use (worker/resources.ts).
 */
export type RunProgressEvent = RunProgress & { id: string; resources?: ResourceSample };
export interface RunStatusEvent {
  id: string;
  status: string;
}
export interface DownloadEvent {
  name: string;
  file: string;
  received: number;
  total: number | null;
  done?: boolean;
  error?: string;
}

/** One folder as the web mode's folder browser shows it (service/folder-browser.ts). */
export interface FolderListing {
  /** The only tree that can be browsed (the user's home, its real path). */
  root: string;
  /** The listed folder's real path. */
  path: string;
  /** Its parent, or null at the root (the browser goes no higher). */
  parent: string | null;
  /** Sub-folders first, then the files a dataset can be (archives, IDX, text); names sorted. */
  entries: Array<{ name: string; path: string; kind: 'folder' | 'file'; link?: boolean }>;
  /** More entries than one listing returns. */
  truncated: boolean;
}

/** Events from host to renderer, by name. */
export interface StudioEvents {
  progress: RunProgressEvent;
  status: RunStatusEvent;
  download: DownloadEvent;
}
export type StudioEventName = keyof StudioEvents;

/** The calls the renderer can make. */
export interface StudioCalls {
  doctor(): Promise<DoctorReport>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  listRuns(): Promise<RunSummary[]>;
  /** Validates the config (paper defaults filled in), creates the run (with its name and notes) and queues it; returns its id. */
  startRun(config: SearchConfigInput, meta?: RunMeta): Promise<string>;
  /** Times a few steps of each phase of a config in a worker, without creating a run: the run's estimated time. */
  probeRun(config: SearchConfigInput): Promise<RunProbeDto>;
  /** Creates and queues a training run of a search run's architecture (or a random one of its space); returns its id. */
  startTraining(request: TrainRequest): Promise<string>;
  pauseRun(id: string): Promise<void>;
  resumeRun(id: string): Promise<void>;
  /** Ends a run at its next step boundary, exporting its genotype so far (it can still be resumed). */
  stopRun(id: string): Promise<void>;
  /** Deletes a run that is not executing (its whole folder). */
  deleteRun(id: string): Promise<void>;
  /** The run's metrics log (docs/run-format.md): step records and epoch records with α and genotype. */
  runMetrics(id: string): Promise<Array<Record<string, unknown>>>;
  /** The run's validated config: a search's, or a training run's (`kind: 'train'`). */
  runConfig(id: string): Promise<RunConfig>;
  /** The last lines of the run's human-readable log. */
  runLog(id: string): Promise<string>;
  /** Writes the current genotype and weights into the run's exports folder. */
  exportRun(id: string): Promise<ExportResult>;
  /**
   * "Try it": classifies one PNG/JPEG image with a completed training run's trained network (in an
   * engine worker): the top 5 classes with their probabilities, and the preprocessing used.
   */
  predictImage(id: string, image: TryImage): Promise<ImagePredictionDto>;
  /** Loads the dataset a config's `data` section names and describes it for the wizard. */
  previewDataset(data: unknown, seed: number): Promise<DatasetPreviewDto>;
  /** Asks the person for a dataset folder or file with the system's dialog (desktop app only); null if cancelled. */
  chooseDatasetPath(): Promise<string | null>;
  /** Downloads a standard dataset into the app's cache (progress as 'download' events); returns its folder. */
  downloadDataset(name: string): Promise<string>;
  /**
   * Web mode's folder browser: one folder under the user's home (null: the home itself), hidden
   * entries when `hidden`. The desktop app has the system dialog instead (chooseDatasetPath).
   */
  listFolder(path: string | null, hidden: boolean): Promise<FolderListing>;
}
export type StudioMethod = keyof StudioCalls;

/** Argument lists per method, checked by the host before it acts (configs get their own, friendlier check). */
export const API_ARGS: { [K in StudioMethod]: z.ZodType<Parameters<StudioCalls[K]>> } = {
  doctor: z.tuple([]),
  getSettings: z.tuple([]),
  setSettings: z.tuple([SettingsSchema.partial()]) as unknown as z.ZodType<[Partial<Settings>]>,
  listRuns: z.tuple([]),
  startRun: z.tuple([z.unknown(), RunMetaSchema.optional()]) as unknown as z.ZodType<
    [SearchConfigInput, RunMeta?]
  >,
  probeRun: z.tuple([z.unknown()]) as unknown as z.ZodType<[SearchConfigInput]>,
  startTraining: z.tuple([TrainRequestSchema]) as unknown as z.ZodType<[TrainRequest]>,
  pauseRun: z.tuple([RunIdSchema]),
  resumeRun: z.tuple([RunIdSchema]),
  stopRun: z.tuple([RunIdSchema]),
  deleteRun: z.tuple([RunIdSchema]),
  runMetrics: z.tuple([RunIdSchema]),
  runConfig: z.tuple([RunIdSchema]),
  runLog: z.tuple([RunIdSchema]),
  exportRun: z.tuple([RunIdSchema]),
  predictImage: z.tuple([RunIdSchema, TryImageSchema]),
  previewDataset: z.tuple([z.unknown(), z.number().int().nonnegative()]),
  chooseDatasetPath: z.tuple([]),
  downloadDataset: z.tuple([z.string().regex(/^[a-z0-9-]{1,40}$/, 'not a dataset name')]),
  listFolder: z.tuple([z.string().max(4096).nullable(), z.boolean()]),
};

export function isStudioMethod(name: unknown): name is StudioMethod {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(API_ARGS, name);
}

/** The API as the renderer sees it: the calls plus typed event subscriptions. */
export interface NasStudioApi extends StudioCalls {
  on<E extends StudioEventName>(event: E, listener: (e: StudioEvents[E]) => void): () => void;
  /** True in the desktop app (files and dialogs are local), false in web mode. */
  desktop: boolean;
  /** Where exported files can be fetched from in web mode (null in the desktop app: they are on disk). */
  exportUrl(id: string, file: string): string | null;
}

/** What the preload exposes: a generic, validated-on-the-other-side transport. */
export interface StudioBridge {
  call(method: StudioMethod, args: unknown[]): Promise<unknown>;
  on(event: StudioEventName, listener: (payload: unknown) => void): () => void;
}
