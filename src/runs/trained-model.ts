import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '../engine/tf';
import { spaceOf, spaceSpec } from '../engine/catalog';
import { exportLanguageModel, isStepEmitter, type TrainedLanguageModel } from '../engine/export/lm-export';
import { EXPORT_FORMATS, LM_EXPORT_FORMATS } from '../engine/export/manifest';
import { exportModel, type ExportFormat, type TrainedModel } from '../engine/export/model-export';
import type { Module } from '../engine/nn/module';
import { networksOf } from '../engine/spaces/registry';
import { resolveArchitecture } from '../engine/train/train-config';
import { Rng } from '../engine/util/rng';
import type { ExportResult } from '../shared/api';
import { loadLatestCheckpoint } from './checkpoint-file';
import { TRAIN_DATA_FILE, type LmTrainDataInfo, type TrainDataInfo } from './execute-train';
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
    // Image prediction and exportModel take image classifiers; a language model has its own path.
    throw new Error(
      `run ${dir.id} trained a language model (the ${config.space.name} space), not an image classifier: export it with nas-studio export ${dir.id} --format ${LM_EXPORT_FORMATS.join(',')} (loadTrainedLanguageModel)`,
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
  assignCheckpointState(network, ck);
  const { final, epoch } = lastRecords(dir);
  return {
    ...architectureFields(config, space, arch),
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

/** Gives `network` the checkpoint's `network.*` tensors (disposing it if one is missing). */
/** The run's last 'final' and 'epoch' records of its metrics log, where the exported metrics come from. */
function lastRecords(dir: RunDir): { final?: Record<string, unknown>; epoch?: Record<string, unknown> } {
  const records = [...dir.readMetrics()].reverse();
  return { final: records.find((r) => r.kind === 'final'), epoch: records.find((r) => r.kind === 'epoch') };
}

/** What every export records of the trained architecture: its space, the space's file and text, the network's options. */
function architectureFields(
  config: { space: { name: string }; network: unknown },
  space: ReturnType<typeof spaceOf>,
  arch: Parameters<ReturnType<typeof spaceOf>['toJson']>[0],
) {
  return {
    space: config.space.name,
    spaceConfig: config.space,
    arch: space.toJson(arch),
    archText: space.toText(arch),
    finalOptions: config.network,
  };
}

function assignCheckpointState(
  network: Module,
  ck: NonNullable<ReturnType<typeof loadLatestCheckpoint>>,
): void {
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
}

/**
 * The trained recurrent language model of a text space's training run (enas-rnn), rebuilt from its
 * newest checkpoint: the architecture and network options from config.json, the vocabulary and BPTT
 * length from train-data.json, the perplexities from the metrics log. A checkpoint taken before the
 * first step (a run paused at once) holds the initial weights and is refused. The caller disposes
 * `network`.
 */
export function loadTrainedLanguageModel(dir: RunDir): TrainedLanguageModel {
  const config = dir.readTrainConfig();
  const status = dir.readStatus();
  if (status.status === 'failed')
    throw new Error(
      `run ${dir.id} failed${status.reason ? ` (${status.reason})` : ''}: there is no trained model to export`,
    );
  const ck = loadLatestCheckpoint(dir.checkpointsDir);
  const infoFile = join(dir.path, TRAIN_DATA_FILE);
  if (!ck || ck.step === 0 || !existsSync(infoFile))
    throw new Error(
      `run ${dir.id} is ${status.status} and has not trained yet (no checkpoint after a training step): export works once it has run and paused or finished`,
    );
  const info = JSON.parse(readFileSync(infoFile, 'utf8')) as Partial<LmTrainDataInfo>;
  if (info.kind !== 'text' || !Array.isArray(info.vocab))
    throw new Error(`${infoFile} records no vocabulary: resume the run for a step, then export again`);
  const space = spaceOf(config.space);
  const arch = resolveArchitecture(config.space, config.architecture);
  const shape = { size: 0, channels: 0, classes: info.vocab.length };
  const network = networksOf(config.space.name).buildFinal(space, arch, shape, new Rng(0), config.network);
  if (!isStepEmitter(network) || !('lmForward' in network)) {
    network.dispose();
    throw new Error(
      `the ${config.space.name} final network cannot export a recurrent step (it has no emitStep)`,
    );
  }
  assignCheckpointState(network, ck);
  const { final, epoch } = lastRecords(dir);
  const metric = (k: string) => (final?.[k] ?? epoch?.[k]) as number | undefined;
  return {
    ...architectureFields(config, space, arch),
    network: network as TrainedLanguageModel['network'],
    vocab: info.vocab,
    bptt: info.bptt,
    metrics: {
      testPerplexity: metric('testPerplexity'),
      valPerplexity: metric('valPerplexity'),
      testLoss: metric('testLoss'),
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
 * Exports a training run's model into exports/model/ in the given formats (default: every format the
 * model has, onnx + tfjs + safetensors for an image classifier, onnx + safetensors for a language
 * model). The files are written into a temporary folder first and moved in place only when every
 * format succeeded, so a failed export leaves no partial folder behind.
 */
export async function exportTrainedRun(
  dir: RunDir,
  formats?: readonly ExportFormat[],
): Promise<ExportResult> {
  const lm = spaceSpec(dir.readTrainConfig().space.name).modality === 'text';
  const wanted = [...(formats ?? (lm ? LM_EXPORT_FORMATS : EXPORT_FORMATS))];
  const model = lm ? loadTrainedLanguageModel(dir) : loadTrainedModel(dir);
  const folder = join(dir.exportsDir, 'model');
  const tmp = join(dir.exportsDir, `.model-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(tmp, { recursive: true });
    if ('vocab' in model) await exportLanguageModel(model, tmp, wanted);
    else await exportModel(model, tmp, wanted);
    rmSync(folder, { recursive: true, force: true });
    renameSync(tmp, folder);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  } finally {
    model.network.dispose();
  }
  dir.log(`exported the trained ${lm ? 'language model' : 'model'} (${wanted.join(', ')}) to ${folder}`);
  return {
    folder,
    files: listFiles(folder).map((name) => ({
      name,
      what: lm ? 'trained language model' : 'trained model',
      bytes: statSync(join(folder, name)).size,
    })),
  };
}
