import { z } from 'zod';
import { DoctorReportSchema } from './doctor';
import { RunStatusSchema } from '../runs/status';

/** What the wizard shows of a dataset (sample images per class, counts per split); see worker/dataset-preview.ts. */
export const DatasetPreviewSchema = z.object({
  description: z.string(),
  imageShape: z.tuple([z.number(), z.number(), z.number()]),
  classNames: z.array(z.string()),
  samples: z.array(
    z.object({
      className: z.string(),
      images: z.array(z.object({ width: z.number(), height: z.number(), rgbaBase64: z.string() })),
    }),
  ),
  /** Per class: images in the whole training set, the search-train split and the search-val split. */
  counts: z.object({
    all: z.array(z.number()),
    searchTrain: z.array(z.number()),
    searchVal: z.array(z.number()),
  }),
  /** The dataset's separate test split, when it has one (used only by final training). */
  testImages: z.number().nullable(),
  /**
   * Text data only (the image fields are then empty): vocabulary size, tokens per split (with one
   * <eos> per line) and the first training sentences as read.
   */
  text: z
    .object({
      vocabSize: z.number(),
      tokens: z.object({ searchTrain: z.number(), searchVal: z.number(), test: z.number() }),
      sentences: z.array(z.string()),
    })
    .optional(),
});

/** What an export wrote (runs/export.ts), as it comes back from the worker that wrote it. */
export const ExportResultSchema = z.object({
  /** Folder on the host that holds the files. */
  folder: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number(), what: z.string() })),
});

/**
 * A measured estimate of a run's time on this machine (runs/probe.ts): a few steps of each phase of
 * the config, timed in a worker on the backend the run would get, without creating a run.
 */
export const RunProbeSchema = z.object({
  backend: z.string(),
  /** Loading the data and building the supernet and strategy. */
  setupSeconds: z.number(),
  phases: z.array(
    z.object({
      name: z.string(),
      title: z.string(),
      epochs: z.number(),
      stepsPerEpoch: z.number(),
      /** Steps run, the first of them a warm-up (excluded from the rate where more than one ran). */
      probedSteps: z.number(),
      secondsPerStep: z.number().nullable(),
      /** Why a phase has no rate. */
      note: z.string().optional(),
    }),
  ),
  totalSteps: z.number(),
  /** Setup plus every phase's planned steps at its rate; null when a phase could not be measured. */
  estimatedSeconds: z.number().nullable(),
});
export type RunProbe = z.infer<typeof RunProbeSchema>;

/**
 * What the dashboard's "try it" panel shows of one image (runs/try-model.ts): the top classes of the
 * run's trained network with their softmax probabilities, and how the image became its input.
 */
export const ImagePredictionSchema = z.object({
  /** The image as decoded: its type by signature and its size before resizing. */
  image: z.object({ kind: z.enum(['png', 'jpeg']), width: z.number(), height: z.number() }),
  /** The most probable classes first. */
  top: z.array(z.object({ index: z.number().int(), name: z.string(), probability: z.number() })),
  classes: z.number().int().positive(),
  /** The preprocessing the training used (the export's manifest.preprocessing, with the input size). */
  preprocessing: z.object({
    height: z.number(),
    width: z.number(),
    channels: z.number(),
    color: z.enum(['grayscale', 'rgb']),
    resize: z.literal('bilinear'),
    scale: z.number(),
    mean: z.array(z.number()),
    std: z.array(z.number()),
  }),
  /** The backend the network ran on. */
  backend: z.string(),
});
export type ImagePrediction = z.infer<typeof ImagePredictionSchema>;

/** Bytes of one file of a standard dataset downloaded so far (engine/data/download.ts). */
export const DownloadProgressSchema = z.object({
  file: z.string(),
  received: z.number(),
  total: z.number().nullable(),
});

/**
 * The engine worker's resource use, sampled cheaply with its progress (worker/resources.ts): the
 * process's memory (RSS, V8 heap, memory outside the heap), CPU as a share of one core since the
 * previous sample, the bytes tfjs holds in tensors, and the GPU memory where the backend can say it
 * (tf.memory().numBytesInGPU, or nvidia-smi for the TensorFlow backend). Bounded numbers only:
 * a sample is shown as it comes.
 */
const bytes = z.number().nonnegative().finite();
export const ResourceSampleSchema = z.object({
  rssBytes: bytes,
  heapUsedBytes: bytes,
  heapTotalBytes: bytes,
  externalBytes: bytes,
  cpuPercent: z.number().nonnegative().finite(),
  tensorBytes: bytes,
  tensors: z.number().int().nonnegative(),
  /** The wasm backend's heap (its tensors live there, inside the RSS). */
  wasmHeapBytes: bytes.optional(),
  /** GPU memory this process holds; absent where the backend cannot report it. */
  gpuBytes: bytes.optional(),
  backend: z.string().max(40),
});
export type ResourceSample = z.infer<typeof ResourceSampleSchema>;

/**
 * The one message protocol between a host (Electron main, the CLI, the run manager, tests) and an
 * engine worker (an Electron utility process or a Node child process). Every message is validated on
 * receipt on both sides; a malformed one gets an `error` reply with code 'bad-message', never a crash.
 */
export const HostMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello') }),
  z.object({ type: z.literal('info'), backend: z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']).optional() }),
  /** A short self-test computation: `iterations` matmuls of size×size, with progress. */
  z.object({
    type: z.literal('compute'),
    id: z.string(),
    size: z.number().int().min(1).max(2048),
    iterations: z.number().int().min(1).max(10_000),
  }),
  /** Execute the search of a run folder (see docs/run-format.md); `resume` continues from its checkpoint. */
  z.object({
    type: z.literal('start-run'),
    runDir: z.string().min(1),
    resume: z.boolean().default(false),
    checkpointEvery: z.number().int().positive().optional(),
  }),
  /** Pause the executing run at its next step boundary (checkpoint, then `run-ended`). */
  z.object({ type: z.literal('pause') }),
  /** Stop the executing run at its next step boundary: like pause, but it ends as 'stopped'. */
  z.object({ type: z.literal('stop-run') }),
  /** Load a dataset as the wizard describes it and reply with its preview (off the host's main thread). */
  z.object({ type: z.literal('preview-dataset'), data: z.unknown(), seed: z.number().int() }),
  /** Time a few steps of each phase of a config (unchecked: the worker validates it) without creating a run (`run-probe`). */
  z.object({ type: z.literal('probe-run'), config: z.unknown() }),
  /**
   * Export a run folder from its newest checkpoint (`export-result`): a search run's genotype and
   * weights; a training run's model in `formats` (default: all).
   */
  z.object({
    type: z.literal('export-run'),
    runDir: z.string().min(1),
    formats: z.array(z.enum(['onnx', 'tfjs', 'safetensors'])).optional(),
  }),
  /** Classify one PNG/JPEG image (base64) with a completed training run's trained network (`image-prediction`). */
  z.object({
    type: z.literal('predict-image'),
    runDir: z.string().min(1),
    imageBase64: z.string().min(1),
    /** The file's name, for the error messages. */
    name: z.string().max(255).optional(),
    top: z.number().int().min(1).max(100).default(5),
  }),
  /** Check a training config before its run folder exists: dataset loads, network takes its images (`train-checked`). */
  z.object({ type: z.literal('check-train'), config: z.unknown() }),
  /** Download a standard dataset into `cache` (`download-progress` messages, then `download-result`). */
  z.object({
    type: z.literal('download-dataset'),
    name: z.string().regex(/^[a-z0-9-]{1,40}$/, 'not a dataset name'),
    cache: z.string().min(1),
  }),
  z.object({ type: z.literal('stop') }),
]);
export type HostMessage = z.infer<typeof HostMessageSchema>;

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), pid: z.number(), node: z.string() }),
  z.object({ type: z.literal('info'), report: DoctorReportSchema }),
  z.object({ type: z.literal('dataset-preview'), preview: DatasetPreviewSchema }),
  z.object({ type: z.literal('export-result'), result: ExportResultSchema }),
  z.object({ type: z.literal('run-probe'), probe: RunProbeSchema }),
  z.object({ type: z.literal('image-prediction'), prediction: ImagePredictionSchema }),
  /** The training config is good: what its data is. */
  z.object({ type: z.literal('train-checked'), description: z.string() }),
  z.object({ type: z.literal('download-progress'), ...DownloadProgressSchema.shape }),
  /** The downloaded dataset's folder in the cache. */
  z.object({ type: z.literal('download-result'), folder: z.string() }),
  z.object({ type: z.literal('progress'), id: z.string(), done: z.number(), total: z.number() }),
  z.object({
    type: z.literal('result'),
    id: z.string(),
    value: z.number(),
    seconds: z.number(),
    backend: z.string(),
  }),
  z.object({
    type: z.literal('error'),
    code: z.enum(['bad-message', 'failed']),
    /** A plain sentence for the UI. */
    message: z.string(),
    id: z.string().optional(),
  }),
  z.object({
    type: z.literal('run-progress'),
    step: z.number(),
    totalSteps: z.number(),
    epoch: z.number(),
    metrics: z.record(z.string(), z.number()),
    stepSeconds: z.number(),
    etaSeconds: z.number(),
    /** This step closed an epoch: an epoch record (α, genotype) was appended to the metrics log. */
    epochEnded: z.boolean().optional(),
    /** The strategy's phase (runs/execute.ts RunProgress); kept, not stripped, so the dashboard can name it. */
    phase: z.string().optional(),
    phaseTitle: z.string().optional(),
    phaseIndex: z.number().int().nonnegative().optional(),
    phaseCount: z.number().int().positive().optional(),
    /** The worker's resource use at this step (sampled at most every second). */
    resources: ResourceSampleSchema.optional(),
  }),
  z.object({
    /** The run's status file changed (running, pausing, ...): the app's run state follows it. */
    type: z.literal('run-status'),
    status: RunStatusSchema,
  }),
  z.object({
    type: z.literal('run-ended'),
    outcome: z.enum(['completed', 'paused', 'stopped', 'failed']),
    message: z.string().optional(),
  }),
  z.object({ type: z.literal('stopped') }),
]);
export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;

/** Summarises a validation failure as one sentence naming the field. */
export function describeProtocolError(err: z.ZodError): string {
  const i = err.issues[0];
  return `malformed message: ${i?.path.length ? i.path.join('.') + ': ' : ''}${i?.message ?? 'invalid'}`;
}
