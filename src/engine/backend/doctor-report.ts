import { z } from 'zod';

const BackendNameSchema = z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']);

/**
 * What `nas-studio doctor` and the app's first screen report; validated where it crosses a process.
 * The engine owns it (it is what collectDoctorReport returns); src/shared/doctor.ts is the app's door.
 */
export const DoctorReportSchema = z.object({
  backend: z.object({
    chosen: BackendNameSchema,
    attempts: z.array(z.object({ backend: BackendNameSchema, ok: z.boolean(), detail: z.string() })),
    /** Why a faster backend (or the GPU) is not in use; empty when the fastest is. */
    whyNotFaster: z.string(),
    tfjsVersion: z.string(),
    /** What computes, in words: "NVIDIA GPU through CUDA", "CPU through WebAssembly (SIMD, one thread)". */
    device: z.string(),
    flags: z.object({
      wasmSimd: z.boolean().optional(),
      wasmThreads: z.boolean().optional(),
      tensorflowGpu: z.boolean().optional(),
      webgpuSoftware: z.boolean().optional(),
    }),
  }),
  /** The WebGPU adapter Dawn found (null: none, or the backend was not probed), and why not, in `note`. */
  webgpu: z
    .object({
      adapter: z
        .object({
          vendor: z.string(),
          architecture: z.string(),
          device: z.string(),
          description: z.string(),
          software: z.boolean(),
          limits: z.object({
            maxBufferSize: z.number(),
            maxStorageBufferBindingSize: z.number(),
            maxComputeWorkgroupStorageSize: z.number(),
            maxComputeInvocationsPerWorkgroup: z.number(),
            maxStorageBuffersPerShaderStage: z.number(),
          }),
          features: z.array(z.string()),
        })
        .nullable(),
      note: z.string(),
    })
    .optional(),
  gpus: z.object({
    devices: z.array(z.object({ name: z.string(), memory: z.string(), driver: z.string() })),
    note: z.string(),
    /** CUDA/cuDNN libraries tfjs-node-gpu needs (Linux; null elsewhere). */
    cudaLibraries: z
      .object({ missing: z.array(z.string()), present: z.array(z.string()), note: z.string() })
      .nullable(),
  }),
  electron: z.object({ version: z.string().nullable(), binaryPresent: z.boolean(), note: z.string() }),
  node: z.string(),
  platform: z.string(),
  /** The app's data folders, as the host passes them in (the engine knows no app paths). */
  paths: z.object({ home: z.string(), datasetCache: z.string() }),
});
export type DoctorReport = z.infer<typeof DoctorReportSchema>;
