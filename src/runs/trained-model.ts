import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../engine/tf';
import { spaceOf, spaceSpec } from '../engine/catalog';
import { exportModel, type ExportFormat, type TrainedModel } from '../engine/export/model-export';
import { networksOf } from '../engine/spaces/registry';
import { resolveArchitecture } from '../engine/train/train-config';
import { Rng } from '../engine/util/rng';
import type { ExportResult } from '../shared/api';
import { loadLatestCheckpoint } from './checkpoint-file';
import { TRAIN_DATA_FILE, type TrainDataInfo } from './execute-train';
import type { RunDir } from './run-dir';

/**
 * The trained network of a training run, rebuilt from its newest checkpoint (a finished run's last
 * one, or a paused run's): the architecture and options from config.json, the weights and BatchNorm
 * statistics from the checkpoint, class names and normalisation from train-data.json, test metrics
 * from the metrics log. The caller disposes `network`.
 */
export function loadTrainedModel(dir: RunDir): TrainedModel {
  const config = dir.readTrainConfig();
  const status = dir.readStatus();
  if (status.status === 'failed')
    throw new Error(
      `run ${dir.id} failed${status.reason ? ` (${status.reason})` : ''}: there is no trained model to export`,
    );
  if (spaceSpec(config.space.name).modality === 'text')
    // The exporters emit image classifiers (an image input, softmax over classes, the normalisation);
    // a recurrent language model needs token ids, a carried hidden state and a vocabulary, which none
    // of them writes yet. The weights stay in the run's checkpoints.
    throw new Error(
      `run ${dir.id} trained a language model (the ${config.space.name} space): exporting it to ONNX, tfjs or safetensors is not supported yet, the exporters write image classifiers; its weights are in ${dir.checkpointsDir} and the architecture in exports/genotype.json`,
    );
  const ck = loadLatestCheckpoint(dir.checkpointsDir);
  const infoFile = join(dir.path, TRAIN_DATA_FILE);
  if (!ck || !existsSync(infoFile))
    throw new Error(
      `run ${dir.id} is ${status.status} and has not trained yet (no checkpoint): export works once it has run and paused or finished`,
    );
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as TrainDataInfo;
  const space = spaceOf(config.space);
  const arch = resolveArchitecture(config.space, config.architecture);
  const shape = { size: info.height, channels: info.channels, classes: info.classNames.length };
  const network = networksOf(config.space.name).buildFinal(space, arch, shape, new Rng(0), config.network);
  try {
    for (const [name, v] of network.namedState()) {
      const t = ck.snap.tensors[`network.${name}`];
      if (!t) throw new Error(`checkpoint ${ck.file} lacks the network tensor ${name}`);
      tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
    }
  } catch (e) {
    network.dispose();
    throw e;
  }
  const records = dir.readMetrics();
  const final = [...records].reverse().find((r) => r.kind === 'final');
  const epoch = [...records].reverse().find((r) => r.kind === 'epoch');
  return {
    space: config.space.name,
    spaceConfig: config.space,
    arch: space.toJson(arch),
    archText: space.toText(arch),
    finalOptions: config.network,
    network,
    inputShape: { height: info.height, width: info.width, channels: info.channels },
    classNames: info.classNames,
    preprocessing: { mean: info.mean, std: info.std },
    metrics: {
      testAcc: (final?.testAcc ?? epoch?.testAcc) as number | undefined,
      confusion: final?.confusion as number[][] | undefined,
      perClassAcc: final?.perClassAcc as number[] | undefined,
    },
    recipe: config.recipe,
    seed: config.seed,
    sourceRun: config.architecture.origin?.run,
  };
}

function listFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(root, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

/**
 * Exports a training run's model into exports/model/ in the given formats. The files are written
 * into a temporary folder first and moved in place only when every format succeeded, so a failed
 * export leaves no partial folder behind.
 */
export async function exportTrainedRun(dir: RunDir, formats: readonly ExportFormat[]): Promise<ExportResult> {
  const model = loadTrainedModel(dir);
  const folder = join(dir.exportsDir, 'model');
  const tmp = join(dir.exportsDir, `.model-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp, { recursive: true });
    await exportModel(model, tmp, [...formats]);
    rmSync(folder, { recursive: true, force: true });
    renameSync(tmp, folder);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    model.network.dispose();
  }
  dir.log(`exported the trained model (${formats.join(', ')}) to ${folder}`);
  return {
    folder,
    files: listFiles(folder).map((name) => ({
      name,
      what: 'trained model',
      bytes: statSync(join(folder, name)).size,
    })),
  };
}
