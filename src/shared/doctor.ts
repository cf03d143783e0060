import { z } from 'zod';

/** What `nas-studio doctor` and the app's first screen report; validated where it crosses a process. */
export const DoctorReportSchema = z.object({
  backend: z.object({
    chosen: z.enum(['tensorflow', 'wasm', 'cpu']),
    attempts: z.array(z.object({ backend: z.enum(['tensorflow', 'wasm', 'cpu']), ok: z.boolean(), detail: z.string() })),
    whyNotFaster: z.string(),
    tfjsVersion: z.string(),
  }),
  gpus: z.object({
    devices: z.array(z.object({ name: z.string(), memory: z.string(), driver: z.string() })),
    note: z.string(),
  }),
  electron: z.object({ version: z.string().nullable(), binaryPresent: z.boolean(), note: z.string() }),
  node: z.string(),
  platform: z.string(),
  paths: z.object({ home: z.string(), datasetCache: z.string() }),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;
