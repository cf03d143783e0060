import { z } from 'zod';
import type { DoctorReport } from './doctor';
import type { SearchConfigInput } from './search-config';
import type { RunStatusFile } from '../runs/status';
import type { RunProgress } from '../runs/execute';

/** IPC channel names between the preload bridge and main. */
export const IPC = {
  doctor: 'nas:doctor',
  getSettings: 'nas:settings:get',
  setSettings: 'nas:settings:set',
  listRuns: 'nas:runs:list',
  startRun: 'nas:runs:start',
  pauseRun: 'nas:runs:pause',
  resumeRun: 'nas:runs:resume',
  runMetrics: 'nas:runs:metrics',
  /** main → renderer events */
  runProgress: 'nas:runs:progress',
  runStatus: 'nas:runs:status',
} as const;

/** A run id as it crosses IPC: the folder name under the runs root. */
export const RunIdSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'not a run id');

/** A run's progress after a step, as the worker reports it (see runs/execute.ts), with the run's id. */
export type RunProgressEvent = RunProgress & { id: string };

export const SettingsSchema = z
  .object({
    backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
    maxConcurrentRuns: z.number().int().min(1).max(16).default(1),
  })
  .strict();
export type Settings = z.infer<typeof SettingsSchema>;

/**
 * The one API the renderer uses. In Electron the preload implements it over IPC; the web mode will
 * implement it over HTTP, so the UI never knows which.
 */
export interface NasStudioApi {
  doctor(): Promise<DoctorReport>;
  getSettings(): Promise<Settings>;
  setSettings(patch: Partial<Settings>): Promise<Settings>;
  listRuns(): Promise<RunStatusFile[]>;
  /** Validates the config (paper defaults filled in), creates the run and queues it; returns its id. */
  startRun(config: SearchConfigInput): Promise<string>;
  pauseRun(id: string): Promise<void>;
  resumeRun(id: string): Promise<void>;
  /** The run's metrics log (docs/run-format.md): step records and epoch records with α and genotype. */
  runMetrics(id: string): Promise<Array<Record<string, unknown>>>;
  onRunProgress(listener: (e: RunProgressEvent) => void): () => void;
  onRunStatus(listener: (e: { id: string; status: string }) => void): () => void;
}
