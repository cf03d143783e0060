import { join } from 'node:path';
import * as tf from '../engine/tf';
import { buildAnyTrainData, openTrainSession, type AnyTrainSession } from '../engine/train/any-session';
import { finalNetworkFlops } from '../engine/train/cost';
import type { LmTrainData } from '../engine/train/lm-train-data';
import { finalParameterCount } from '../engine/train/session';
import type { TrainData } from '../engine/train/train-data';
import { writeFileAtomic } from './atomic';
import { saveCheckpoint } from './checkpoint-file';
import type { ExecuteOptions } from './execute';
import { MetricsLog } from './metrics-log';
import type { RunDir } from './run-dir';
import { executeWithSession } from './run-io';
import { RunPace } from './run-pace';
import { RunRequests } from './run-requests';
import { resumeFromLatestCheckpoint } from './run-resume';
import { RunTotals } from './run-totals';
import { StepBoundary } from './step-boundary';

/**
 * What a training run's data was, written when it starts (the export needs the class names and the
 * normalisation without reloading the dataset): class names, per-channel mean and std of the training
 * split (pixel values in [0, 1]), image shape, sizes.
 */
export const TRAIN_DATA_FILE = 'train-data.json';

export interface TrainDataInfo {
  classNames: string[];
  mean: number[];
  std: number[];
  height: number;
  width: number;
  channels: number;
  description: string;
}

/** A language model's train-data.json: the vocabulary (ids are indices) and the BPTT length. */
export interface LmTrainDataInfo {
  kind: 'text';
  vocab: string[];
  bptt: number;
  description: string;
}

export function lmTrainDataInfo(d: LmTrainData): LmTrainDataInfo {
  return { kind: 'text', vocab: d.vocab, bptt: d.bptt, description: d.description };
}

export function trainDataInfo(d: TrainData): TrainDataInfo {
  return {
    classNames: d.classNames,
    mean: d.stats.mean,
    std: d.stats.std,
    height: d.test.height,
    width: d.test.width,
    channels: d.inChannels,
    description: d.description,
  };
}

/** The architecture trained, in the space's JSON (exports/genotype.json, as a search run writes it). */
function writeArchitecture(dir: RunDir, s: AnyTrainSession): void {
  writeFileAtomic(
    join(dir.exportsDir, 'genotype.json'),
    `${JSON.stringify(s.space.toJson(s.arch), null, 2)}\n`,
  );
}

/**
 * Executes (or continues) a training run in this process, step by step, with the search loop's
 * machinery: metrics appended after every step (docs/run-format.md: step, epoch and final records),
 * checkpoints every `checkpointEvery` steps and at every pause, heartbeat, status moved along
 * running → paused/stopped/completed/failed.
 */
export async function executeTrainRun(
  dir: RunDir,
  opts: ExecuteOptions,
): Promise<'completed' | 'paused' | 'stopped'> {
  const config = dir.readTrainConfig();
  const requests = new RunRequests(dir, opts);
  return executeWithSession(
    dir,
    async () => {
      const data = opts.trainData ?? (await buildAnyTrainData(config, opts.onWarning));
      return openTrainSession(config, data);
    },
    async (session) => {
      const info = session.kind === 'text' ? lmTrainDataInfo(session.data) : trainDataInfo(session.data);
      writeFileAtomic(join(dir.path, TRAIN_DATA_FILE), JSON.stringify(info, null, 2));
      const log = new MetricsLog(
        dir,
        resumeFromLatestCheckpoint(dir, opts, (snap) => session.restore(snap)),
      );
      const records = dir.readMetrics();
      const totals = RunTotals.fromRecords(records);
      // The headline test metric after the latest epoch: accuracy (images) or perplexity (text).
      const lastEpoch = [...records].reverse().find((r) => r.kind === 'epoch');
      let headline: Record<string, number | undefined> =
        session.kind === 'text'
          ? {
              testPerplexity: lastEpoch?.testPerplexity as number | undefined,
              valPerplexity: lastEpoch?.valPerplexity as number | undefined,
            }
          : { testAcc: lastEpoch?.testAcc as number | undefined };
      dir.transition('running', {
        pid: process.pid,
        totalSteps: session.totalSteps,
        step: session.step,
        backend: tf.getBackend(),
        params: finalParameterCount(session.network),
        flops: finalNetworkFlops(config, session.arch, session.shape),
      });
      writeArchitecture(dir, session);
      // Read asynchronously on every backend (webgpu in Node reads no other way; elsewhere the same values).
      const checkpoint = async () =>
        saveCheckpoint(dir.checkpointsDir, await session.captureAsync(), session.step, log.lines);
      const pace = new RunPace(dir);
      const boundary = new StepBoundary(dir, opts, requests, pace, checkpoint);
      while (!session.done) {
        const ended = await boundary.endOnRequest(() => ({
          step: session.step,
          pid: undefined,
          elapsedSeconds: totals.elapsedSeconds,
          ...headline,
        }));
        if (ended) return ended;
        const t0 = performance.now();
        // The step's scalars (and an epoch's evaluation) are awaited at its end: the one way on webgpu.
        const r = await session.runStepAsync();
        const seconds = (performance.now() - t0) / 1000;
        pace.addStep(seconds);
        log.append({ kind: 'step', step: r.step, epoch: r.epoch, seconds, ...r.metrics });
        totals.addStep(r.epoch, seconds, undefined);
        if (r.epochEnd) {
          const e = r.epochEnd;
          headline =
            'testPerplexity' in e
              ? { testPerplexity: e.testPerplexity, valPerplexity: e.valPerplexity }
              : { testAcc: e.testAcc };
          log.append({ kind: 'epoch', step: r.step, epoch: r.epoch, ...e });
          dir.writeStatus({
            ...dir.readStatus(),
            step: session.step,
            ...headline,
            elapsedSeconds: totals.elapsedSeconds,
          });
          dir.log(
            'testPerplexity' in e
              ? `epoch ${r.epoch + 1}/${session.epochs}: validation perplexity ${e.valPerplexity.toFixed(2)}, test perplexity ${e.testPerplexity.toFixed(2)}`
              : `epoch ${r.epoch + 1}/${session.epochs}: test accuracy ${(100 * e.testAcc).toFixed(2)}%`,
          );
        }
        if (r.final && 'testPerplexity' in r.final) {
          log.append({ kind: 'final', step: r.step, ...r.final });
        } else if (r.final && session.kind !== 'text') {
          log.append({
            kind: 'final',
            step: r.step,
            testAcc: r.final.testAcc,
            confusion: r.final.confusion,
            perClassAcc: r.final.perClassAcc,
            classNames: session.data.classNames,
          });
        }
        const etaSeconds = pace.etaSeconds(session.totalSteps - session.step);
        await boundary.afterStep(
          {
            step: session.step,
            totalSteps: session.totalSteps,
            epoch: r.epoch,
            metrics: { ...r.metrics, ...(r.epochEnd ?? {}) },
            stepSeconds: seconds,
            etaSeconds,
            epochEnded: !!r.epochEnd,
          },
          session.done,
        );
      }
      await checkpoint();
      dir.transition('completed', {
        step: session.step,
        pid: undefined,
        ...headline,
        elapsedSeconds: totals.elapsedSeconds,
      });
      return 'completed';
    },
  );
}
