import * as tf from '../engine/tf';
import { collectDoctorReport } from '../engine/backend/doctor';
import { RunDir } from '../runs/run-dir';
import { executeRun } from '../runs/execute';
import { exportRun } from '../runs/export';
import { exportTrainedRun } from '../runs/trained-model';
import { predictRunImage } from '../runs/try-model';
import { parseTrainConfig } from '../engine/train/train-config';
import { assertTrainingFits, buildAnyTrainData } from '../engine/train/any-session';
import { chooseBackend } from '../engine/backend';
import { downloadStandardDataset, type DownloadProgress } from '../engine/data/download';
import { estimateStepBytes } from '../engine/search/memory';
import { appPaths } from '../shared/paths';
import { previewDatasetSettings } from './dataset-preview';
import { ResourceSampler } from './resources';
import { probeRun } from '../runs/probe';
import { parseSearchConfig } from '../shared/search-config';
import {
  HostMessageSchema,
  describeProtocolError,
  type HostMessage,
  type WorkerMessage,
} from '../shared/protocol';

/**
 * Handles one message from the host. Pure with respect to the transport (it gets `send`), so it is
 * tested without a process. Returns 'exit' when the worker should end.
 */
export async function handleMessage(
  raw: unknown,
  send: (m: WorkerMessage) => void,
): Promise<'exit' | 'continue'> {
  const parsed = HostMessageSchema.safeParse(raw);
  if (!parsed.success) {
    send({ type: 'error', code: 'bad-message', message: describeProtocolError(parsed.error) });
    return 'continue';
  }
  const msg: HostMessage = parsed.data;
  try {
    switch (msg.type) {
      case 'hello':
        send({ type: 'ready', pid: process.pid, node: process.versions.node });
        return 'continue';
      case 'info':
        send({ type: 'info', report: await collectDoctorReport({ prefer: msg.backend, paths: appPaths() }) });
        return 'continue';
      case 'preview-dataset':
        send({ type: 'dataset-preview', preview: await previewDatasetSettings(msg.data, msg.seed) });
        return 'continue';
      case 'probe-run':
        send({ type: 'run-probe', probe: await probeConfig(msg.config) });
        return 'continue';
      case 'export-run': {
        const dir = new RunDir(msg.runDir);
        if (dir.readConfig().kind === 'train') {
          if (!tf.getBackend()) await chooseBackend({ prefer: 'cpu' });
          send({ type: 'export-result', result: await exportTrainedRun(dir, msg.formats) });
        } else send({ type: 'export-result', result: exportRun(dir) });
        return 'continue';
      }
      case 'predict-image': {
        // One image through the network: the CPU backend starts at once and is plenty for it.
        if (!tf.getBackend()) await chooseBackend({ prefer: 'cpu' });
        const prediction = await predictRunImage(new RunDir(msg.runDir), msg.imageBase64, {
          top: msg.top,
          name: msg.name,
        });
        send({ type: 'image-prediction', prediction });
        return 'continue';
      }
      case 'check-train':
        send({ type: 'train-checked', description: await checkTraining(msg.config) });
        return 'continue';
      case 'download-dataset':
        send({
          type: 'download-result',
          folder: await downloadStandardDataset(msg.name, msg.cache, throttled(send)),
        });
        return 'continue';
      case 'compute':
        await compute(msg, send);
        return 'continue';
      case 'start-run':
        await startRun(msg, send);
        return 'continue';
      case 'pause':
      case 'stop-run':
        // Handled out of band by the worker entry (it must reach a run that is busy); nothing to do here.
        return 'continue';
      case 'stop':
        send({ type: 'stopped' });
        return 'exit';
    }
  } catch (e) {
    send({
      type: 'error',
      code: 'failed',
      message: (e as Error).message,
      id: 'id' in msg ? msg.id : undefined,
    });
    return 'continue';
  }
}

async function compute(
  msg: Extract<HostMessage, { type: 'compute' }>,
  send: (m: WorkerMessage) => void,
): Promise<void> {
  if (!tf.getBackend()) await chooseBackend();
  const t0 = performance.now();
  const a = tf.randomNormal([msg.size, msg.size], 0, 1 / Math.sqrt(msg.size), 'float32', 1);
  let x: tf.Tensor = tf.eye(msg.size);
  for (let i = 0; i < msg.iterations; i++) {
    const next = tf.tidy(() => tf.matMul(x, a));
    x.dispose();
    x = next;
    send({ type: 'progress', id: msg.id, done: i + 1, total: msg.iterations });
  }
  const value = (await x.sum().data())[0];
  tf.dispose([a, x]);
  send({
    type: 'result',
    id: msg.id,
    value,
    seconds: (performance.now() - t0) / 1000,
    backend: tf.getBackend(),
  });
}

/**
 * Download progress as messages, at most ten a second per file (a chunk arrives every few kilobytes)
 * and always the last one of a file whose size is known, so that the host sees it complete.
 */
function throttled(send: (m: WorkerMessage) => void): (p: DownloadProgress) => void {
  let last = { file: '', at: 0 };
  return (p) => {
    const now = performance.now();
    if (p.file === last.file && now - last.at < 100 && p.received !== p.total) return;
    last = { file: p.file, at: now };
    send({ type: 'download-progress', ...p });
  };
}

/** The wasm backend's heap in bytes (where its tensors live), when it is the active backend. */
function wasmHeapBytes(): number | undefined {
  const b = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } };
  return b.wasm?.HEAPU8?.byteLength;
}

/** Times a few steps of a config (checked here: it comes from the renderer) on the backend its run would get. */
async function probeConfig(raw: unknown) {
  const config = parseSearchConfig(raw, 'the wizard');
  await chooseBackend({
    prefer: config.backend === 'auto' ? undefined : config.backend,
    memoryNeedBytes: estimateStepBytes(config),
  });
  return probeRun(config);
}

/**
 * Checks a training config as the service receives it, before its run folder exists: the config
 * validates, the dataset loads, and the network takes its images. Returns the data's description.
 */
async function checkTraining(input: unknown): Promise<string> {
  const config = parseTrainConfig(input, 'the training request');
  if (!tf.getBackend())
    await chooseBackend({ prefer: config.backend === 'auto' ? undefined : config.backend });
  const data = await buildAnyTrainData(config);
  assertTrainingFits(config, data);
  return data.description;
}

/** Set by the worker entry when a 'pause' message arrives while a run executes. */
export const pauseFlag = { requested: false, stop: false };

async function startRun(
  msg: Extract<HostMessage, { type: 'start-run' }>,
  send: (m: WorkerMessage) => void,
): Promise<void> {
  const dir = new RunDir(msg.runDir);
  const config = dir.readConfig();
  const backend = await chooseBackend({
    prefer: config.backend === 'auto' ? undefined : config.backend,
    // The memory model is the search supernet's; a training run's network is far smaller.
    memoryNeedBytes: config.kind === 'train' ? undefined : estimateStepBytes(config),
  });
  // In the run's log, so that a run's speed can be read against what computed it.
  dir.log(
    `backend: ${backend.chosen} on ${backend.device}${backend.whyNotFaster ? ` (${backend.whyNotFaster})` : ''}`,
  );
  pauseFlag.requested = false;
  pauseFlag.stop = false;
  const resources = new ResourceSampler({
    memory: () => tf.memory(),
    getBackend: () => tf.getBackend(),
    wasmHeapBytes: () => wasmHeapBytes(),
  });
  try {
    const outcome = await executeRun(dir, {
      resume: msg.resume,
      checkpointEvery: msg.checkpointEvery,
      shouldPause: () => pauseFlag.requested,
      shouldStop: () => pauseFlag.stop,
      onProgress: (p) => send({ type: 'run-progress', ...p, resources: resources.sample() }),
      onStatus: (status) => send({ type: 'run-status', status }),
    });
    send({ type: 'run-ended', outcome });
  } catch (e) {
    send({ type: 'run-ended', outcome: 'failed', message: (e as Error).message });
  }
}
