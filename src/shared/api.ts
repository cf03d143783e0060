import { z } from 'zod';
import type { DoctorReport } from './doctor';

/** IPC channel names between the preload bridge and main. */
export const IPC = {
  doctor: 'nas:doctor',
  getSettings: 'nas:settings:get',
  setSettings: 'nas:settings:set',
} as const;

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
}
