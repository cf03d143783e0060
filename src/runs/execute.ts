export { PAUSE_REQUEST, requestPause } from './pause-request';
import { PAUSE_REQUEST } from './pause-request';
import { existsSync, unlinkSync } from 'node:fs';
import { totalmem } from 'node:os';
import * as tf from '../engine/tf';
import { assertFitsInMemory } from '../engine/search/memory';
import { webgpuState } from '../engine/backend/webgpu';
import { join } from 'node:path';
import { captureSessionAsync, restoreSession } from '../engine/search/checkpoint';
import { buildSearchData } from '../engine/search/build-data';
import { SearchSession, type SearchData, type StepReport } from '../engine/search/session';
import { writeFileAtomic } from './atomic';
import { loadLatestCheckpoint, saveCheckpoint } from './checkpoint-file';
import type { RunDir } from './run-dir';
import type { RunStatus } from './status';
import { RunTotals } from './run-totals';
import { countLines, markFailed, pendingRequest, truncateMetrics } from './run-io';
import { executeTrainRun } from './execute-train';
import type { AnyTrainData } from '../engine/train/any-session';

export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  /** The strategy's phase (name and title), its index and how many there are. */
  phase?: string;
  phaseTitle?: string;
  phaseIndex?: number;
  phaseCount?: number;
  metrics: Record<string, number>;
  stepSeconds: number;
  etaSeconds: number;
  /** This step closed an epoch: an epoch record (α, genotype) was appended to the metrics log. */
  epochEnded?: boolean;
}

export interface ExecuteOptions {
  /** Continue from the newest valid checkpoint (a fresh start when there is none). */
  resume: boolean;
  /** Steps between periodic checkpoints. */
  checkpointEvery?: number;
  /** Polled at every step boundary, besides the run folder's pause.request file. */
  shouldPause?: () => boolean;
  /** Like shouldPause, but the run ends as 'stopped' (the user is done with it). */
  shouldStop?: () => boolean;
  onProgress?: (p: RunProgress) => void;
  onWarning?: (message: string) => void;
  /** Every status change of the run (running, pausing, paused, completed, failed, ...), as it is written. */
  onStatus?: (status: RunStatus) => void;
  /** The run's data, when the caller loaded it already (to check the dataset before the run folder exists). */
  data?: SearchData;
  /** A training run's data, when the caller loaded it already (the same reason). */
  trainData?: AnyTrainData;
}

/** How often an executing run rewrites its heartbeat (the live step that `status` and the runs list show). */
const HEARTBEAT_MS = 2000;

/** The found architecture, kept up to date in the exports folder (the space's JSON file). */
export const ARCHITECTURE_FILE = 'genotype.json';

/** Writes the architecture the search would return now as the space's file (exports/architecture.json). */
function writeArchitecture(
  dir: RunDir,
  session: SearchSession<unknown>,
  genotype: unknown = session.strategy.derive(),
): void {
  writeFileAtomic(
    join(dir.exportsDir, ARCHITECTURE_FILE),
    `${JSON.stringify(session.space.toJson(genotype), null, 2)}\n`,
  );
}

/**
 * Executes (or continues) the search of one run folder in this process, step by step: metrics are
 * appended after every step, checkpoints written every `checkpointEvery` steps and at every pause,
 * status moved along running → paused/completed/failed. Returns how it ended.
 */
export async function executeRun(
  dir: RunDir,
  opts: ExecuteOptions,
): Promise<'completed' | 'paused' | 'stopped'> {
  if (opts.onStatus) dir.onTransition = opts.onStatus;
  const any = dir.readConfig();
  // A training run has its own loop (execute-train.ts); the machinery around it is the same.
  if (any.kind === 'train') return executeTrainRun(dir, opts);
  const config = any;
  const every = opts.checkpointEvery ?? 50;
  const pauseFile = join(dir.path, PAUSE_REQUEST);
  if (existsSync(pauseFile)) unlinkSync(pauseFile);
  let session: SearchSession<unknown>;
  try {
    assertFitsInMemory(config, tf.getBackend(), totalmem(), { adapter: webgpuState.adapter });
    session = new SearchSession<unknown>(config, opts.data ?? (await buildSearchData(config)));
  } catch (e) {
    markFailed(dir, (e as Error).message);
    throw e;
  }
  try {
    let metricsLines = countLines(dir.metricsPath);
    if (opts.resume) {
      const ck = loadLatestCheckpoint(dir.checkpointsDir);
      for (const w of ck?.warnings ?? []) {
        dir.log(`warning: ${w}`);
        opts.onWarning?.(w);
      }
      if (ck) {
        restoreSession(session, ck.snap);
        truncateMetrics(dir.metricsPath, ck.metricsLines);
        metricsLines = ck.metricsLines;
        dir.log(`resumed from ${ck.file} at step ${ck.step}`);
      } else {
        truncateMetrics(dir.metricsPath, 0);
        metricsLines = 0;
        dir.log('no checkpoint yet: starting from the beginning');
      }
    }
    const totals = RunTotals.fromRecords(dir.readMetrics());
    dir.transition('running', {
      pid: process.pid,
      totalSteps: session.totalSteps,
      step: session.step,
      backend: tf.getBackend(),
    });
    const checkpoint = async () =>
      saveCheckpoint(dir.checkpointsDir, await captureSessionAsync(session), session.step, metricsLines);
    const stepTimes: number[] = [];
    let lastStopReason: string | null = null;
    let lastHeartbeat = Number.NEGATIVE_INFINITY;
    while (!session.done) {
      const request = opts.shouldStop?.()
        ? 'stop'
        : (pendingRequest(pauseFile) ?? (opts.shouldPause?.() ? 'pause' : null));
      if (request) {
        dir.transition('pausing');
        await checkpoint();
        if (existsSync(pauseFile)) unlinkSync(pauseFile);
        if (request === 'stop') writeArchitecture(dir, session);
        const outcome = request === 'stop' ? 'stopped' : 'paused';
        dir.transition(outcome, {
          step: session.step,
          pid: undefined,
          elapsedSeconds: totals.elapsedSeconds,
          bestValAcc: totals.bestValAcc,
        });
        return outcome;
      }
      const phase = session.phase;
      if (
        phase &&
        session.info().epoch === 0 &&
        session.info().stepInEpoch === 0 &&
        session.phases.length > 1
      ) {
        dir.appendMetrics({
          kind: 'phase',
          step: session.step,
          phase: phase.name,
          title: phase.title,
          ...(lastStopReason ? { reason: lastStopReason } : {}),
        });
        metricsLines++;
        dir.log(`phase ${session.info().phaseIndex + 1}/${session.phases.length}: ${phase.title}`);
      }
      const t0 = performance.now();
      // Awaits only on webgpu, which reads asynchronously (search/host-reads.ts); elsewhere it is runStep.
      const r: StepReport<unknown> = await session.runStepAsync();
      const seconds = (performance.now() - t0) / 1000;
      stepTimes.push(seconds);
      if (stepTimes.length > 20) stepTimes.shift();
      dir.appendMetrics({
        kind: 'step',
        step: r.info.globalStep,
        epoch: r.info.epoch,
        phase: r.info.phase,
        seconds,
        ...r.metrics,
      });
      metricsLines++;
      for (const c of r.candidates ?? []) {
        dir.appendMetrics({
          kind: 'candidate',
          step: r.info.globalStep,
          phase: r.info.phase,
          round: c.round,
          score: c.score,
          genotype: c.genotype,
          text: c.text,
          metrics: c.metrics,
        });
        metricsLines++;
      }
      totals.addStep(r.info.epoch, seconds, r.metrics.valAcc);
      if (r.epochEnd) {
        const valAcc = totals.endEpoch();
        dir.appendMetrics({
          kind: 'epoch',
          step: r.info.globalStep,
          epoch: r.info.epoch,
          phase: r.info.phase,
          valAcc,
          ...r.epochEnd.metrics,
          arch: r.epochEnd.arch,
          genotype: r.epochEnd.genotype,
          genotypeText: r.epochEnd.genotypeText,
        });
        metricsLines++;
        dir.writeStatus({
          ...dir.readStatus(),
          step: session.step,
          bestValAcc: totals.bestValAcc,
          elapsedSeconds: totals.elapsedSeconds,
        });
        writeArchitecture(dir, session, r.epochEnd.genotype);
      }
      if (r.phaseEnd) {
        lastStopReason = r.phaseEnd.reason ?? null;
        if (lastStopReason) dir.log(`phase ${r.phaseEnd.phase} stopped early: ${lastStopReason}`);
      }
      const mean = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length;
      const ran = session.phases[r.info.phaseIndex];
      // Phases differ in step cost (a candidate's scoring is not a training step): the ETA uses the
      // recent steps of the current phase.
      if (r.phaseEnd) stepTimes.length = 0;
      opts.onProgress?.({
        step: session.step,
        totalSteps: session.totalSteps,
        epoch: r.info.epoch,
        phase: ran.name,
        phaseTitle: ran.title,
        phaseIndex: r.info.phaseIndex,
        phaseCount: session.phases.length,
        metrics: r.metrics,
        stepSeconds: seconds,
        etaSeconds: mean * (session.totalSteps - session.step),
        epochEnded: !!r.epochEnd,
      });
      if (performance.now() - lastHeartbeat >= HEARTBEAT_MS || r.epochEnd) {
        lastHeartbeat = performance.now();
        dir.writeHeartbeat({
          step: session.step,
          totalSteps: session.totalSteps,
          etaSeconds: mean * (session.totalSteps - session.step),
        });
      }
      if (session.step % every === 0 && !session.done) await checkpoint();
      // Let IPC messages (pause) and signals in between steps.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await checkpoint();
    writeArchitecture(dir, session);
    dir.transition('completed', {
      step: session.step,
      pid: undefined,
      bestValAcc: totals.bestValAcc,
      elapsedSeconds: totals.elapsedSeconds,
    });
    return 'completed';
  } catch (e) {
    markFailed(dir, (e as Error).message);
    throw e;
  } finally {
    session.dispose();
  }
}
