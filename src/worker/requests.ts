import type { z } from 'zod';
import type { WorkerHandle } from '../runs/manager';
import type { DoctorReport } from '../shared/doctor';
import type { DatasetPreviewDto, ExportResult } from '../shared/api';
import type {
  DownloadProgressSchema,
  HostMessage,
  ImagePrediction,
  RunProbe,
  WorkerMessage,
} from '../shared/protocol';
import type { BackendName } from '../engine/backend/choose';

type DownloadProgress = z.infer<typeof DownloadProgressSchema>;

/**
 * Sends one request to a freshly started worker once it is ready, resolves with what `pick` finds in
 * its reply, then stops it. An 'error' reply rejects with the worker's own sentence (it is meant for
 * people); silence past the timeout (no message for `timeoutMs`: progress messages keep a long
 * request alive) or an early exit rejects saying so. Works on any WorkerHandle: an Electron utility
 * process (main) or a Node child process (web mode, tests): both speak the protocol.
 */
export function requestOnce<T>(
  worker: WorkerHandle,
  request: HostMessage,
  pick: (m: WorkerMessage) => T | undefined,
  opts: { what: string; timeoutMs?: number },
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const silent = () =>
      settle(() => {
        worker.kill();
        reject(
          new Error(
            `the engine worker did not ${opts.what}: it sent nothing for ${timeoutMs / 1000} seconds`,
          ),
        );
      });
    let timer = setTimeout(silent, timeoutMs);
    worker.onMessage((m) => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(silent, timeoutMs);
      if (m.type === 'ready') return worker.send(request);
      if (m.type === 'error')
        return settle(() => {
          worker.send({ type: 'stop' });
          reject(new Error(m.message));
        });
      const value = pick(m);
      if (value !== undefined)
        settle(() => {
          worker.send({ type: 'stop' });
          resolve(value);
        });
    });
    void worker.exited.then(({ code, signal }) =>
      settle(() =>
        reject(
          new Error(`the engine worker exited (${signal ?? `code ${code}`}) before it could ${opts.what}`),
        ),
      ),
    );
  });
}

/** The doctor report of a worker (the backend it can load, with an optional override). */
export function requestDoctorReport(
  worker: WorkerHandle,
  opts: { backend?: BackendName; timeoutMs?: number } = {},
): Promise<DoctorReport> {
  return requestOnce(
    worker,
    { type: 'info', backend: opts.backend },
    (m) => (m.type === 'info' ? m.report : undefined),
    {
      what: 'report',
      timeoutMs: opts.timeoutMs,
    },
  );
}

/** The wizard's dataset preview, loaded in a worker. */
export function requestDatasetPreview(
  worker: WorkerHandle,
  data: unknown,
  seed: number,
  timeoutMs = 300_000,
): Promise<DatasetPreviewDto> {
  return requestOnce(
    worker,
    { type: 'preview-dataset', data, seed },
    (m) => (m.type === 'dataset-preview' ? m.preview : undefined),
    {
      what: 'load the dataset preview',
      timeoutMs,
    },
  );
}

/**
 * Times a few steps of a config in a worker (runs/probe.ts). A step of a paper-sized search on a CPU
 * can take minutes and the probe sends nothing in between: the silence allowed is long.
 */
export function requestRunProbe(
  worker: WorkerHandle,
  config: unknown,
  timeoutMs = 900_000,
): Promise<RunProbe> {
  return requestOnce(
    worker,
    { type: 'probe-run', config },
    (m) => (m.type === 'run-probe' ? m.probe : undefined),
    { what: 'time the steps of the run', timeoutMs },
  );
}

/** Exports a run folder (runs/export.ts) in a worker: reading a checkpoint and encoding its tensors is the engine's work. */
export function requestRunExport(
  worker: WorkerHandle,
  runDir: string,
  timeoutMs = 300_000,
  formats?: Array<'onnx' | 'tfjs' | 'safetensors'>,
): Promise<ExportResult> {
  return requestOnce(
    worker,
    { type: 'export-run', runDir, ...(formats ? { formats } : {}) },
    (m) => (m.type === 'export-result' ? m.result : undefined),
    {
      what: 'export the run',
      timeoutMs,
    },
  );
}

/** Classifies one image (base64 PNG/JPEG) with a completed training run's network, in a worker (runs/try-model.ts). */
export function requestImagePrediction(
  worker: WorkerHandle,
  runDir: string,
  imageBase64: string,
  opts: { name?: string; top?: number; timeoutMs?: number } = {},
): Promise<ImagePrediction> {
  return requestOnce(
    worker,
    { type: 'predict-image', runDir, imageBase64, top: opts.top ?? 5, name: opts.name },
    (m) => (m.type === 'image-prediction' ? m.prediction : undefined),
    { what: 'classify the image', timeoutMs: opts.timeoutMs ?? 120_000 },
  );
}

/**
 * Downloads a standard dataset into `cache` in a worker, passing its progress on; resolves with the
 * dataset's folder. The timeout is for silence: a download that keeps receiving runs as long as it takes.
 */
export function requestDatasetDownload(
  worker: WorkerHandle,
  name: string,
  cache: string,
  onProgress: (p: DownloadProgress) => void,
  timeoutMs = 120_000,
): Promise<string> {
  worker.onMessage((m) => {
    if (m.type === 'download-progress') onProgress({ file: m.file, received: m.received, total: m.total });
  });
  return requestOnce(
    worker,
    { type: 'download-dataset', name, cache },
    (m) => (m.type === 'download-result' ? m.folder : undefined),
    {
      what: `download ${name}`,
      timeoutMs,
    },
  );
}

/** Checks a training config in a worker (dataset, network fit) before its run folder is created. */
export function requestTrainCheck(
  worker: WorkerHandle,
  config: unknown,
  timeoutMs = 300_000,
): Promise<string> {
  return requestOnce(
    worker,
    { type: 'check-train', config },
    (m) => (m.type === 'train-checked' ? m.description : undefined),
    { what: 'check the training config', timeoutMs },
  );
}

/**
 * The app's operations that need the engine, each in a fresh worker started by `launch` (named for
 * what it does: Electron shows utility processes by name). Electron main and web mode both wire
 * StudioService with these, so that neither host loads tfjs for them.
 */
export function workerOperations(launch: (what: string) => WorkerHandle, datasetCache: string) {
  return {
    previewDataset: (data: unknown, seed: number) =>
      requestDatasetPreview(launch('nas-studio-preview'), data, seed),
    exportRun: (runDir: string) => requestRunExport(launch('nas-studio-export'), runDir),
    probeRun: (config: unknown) => requestRunProbe(launch('nas-studio-probe'), config),
    checkTraining: (config: unknown) => requestTrainCheck(launch('nas-studio-check'), config),
    predictImage: (runDir: string, imageBase64: string, name?: string) =>
      requestImagePrediction(launch('nas-studio-predict'), runDir, imageBase64, { name }),
    downloadDataset: (name: string, onProgress: (p: DownloadProgress) => void) =>
      requestDatasetDownload(launch('nas-studio-download'), name, datasetCache, onProgress),
  };
}
