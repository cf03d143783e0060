export { PAUSE_REQUEST, requestPause } from './pause-request';
import { totalmem } from 'node:os';
import * as tf from '../engine/tf';
import { assertFitsInMemory } from '../engine/search/memory';
import { webgpuState } from '../engine/backend/webgpu';
import { join } from 'node:path';
import { captureSessionAsync, restoreSession } from '../engine/search/checkpoint';
import { buildSearchData } from '../engine/search/build-data';
import { SearchSession, type SearchData, type StepReport } from '../engine/search/session';
import { writeFileAtomic } from './atomic';
import { saveCheckpoint } from './checkpoint-file';
import { MetricsLog } from './metrics-log';
import type { RunDir } from './run-dir';
import { executeWithSession } from './run-io';
import { RunPace } from './run-pace';
import { RunRequests, type RunRequestSources } from './run-requests';
import { resumeFromLatestCheckpoint } from './run-resume';
import type { RunStatus } from './status';
import { RunTotals } from './run-totals';
import { StepBoundary } from './step-boundary';
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

export interface ExecuteOptions extends RunRequestSources {
  /** Continue from the newest valid checkpoint (a fresh start when there is none). */
  resume: boolean;
  /** Steps between periodic checkpoints. */
  checkpointEvery?: number;
  onProgress?: (p: RunProgress) => void;
  onWarning?: (message: string) => void;
  /** Every status change of the run (running, pausing, paused, completed, failed, ...), as it is written. */
  onStatus?: (status: RunStatus) => void;
  /** The run's data, when the caller loaded it already (to check the dataset before the run folder exists). */
  data?: SearchData;
  /** A training run's data, when the caller loaded it already (the same reason). */
  trainData?: AnyTrainData;
}

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
  const requests = new RunRequests(dir, opts);
  return executeWithSession(
    dir,
    async () => {
      assertFitsInMemory(config, tf.getBackend(), totalmem(), { adapter: webgpuState.adapter });
      return new SearchSession<unknown>(config, opts.data ?? (await buildSearchData(config)));
    },
    async (session) => {
      const log = new MetricsLog(
        dir,
        resumeFromLatestCheckpoint(dir, opts, (snap) => restoreSession(session, snap)),
      );
      const totals = RunTotals.fromRecords(dir.readMetrics());
      dir.transition('running', {
        pid: process.pid,
        totalSteps: session.totalSteps,
        step: session.step,
        backend: tf.getBackend(),
      });
      const checkpoint = async () =>
        saveCheckpoint(dir.checkpointsDir, await captureSessionAsync(session), session.step, log.lines);
      const pace = new RunPace(dir);
      const boundary = new StepBoundary(dir, opts, requests, pace, checkpoint);
      let lastStopReason: string | null = null;
      while (!session.done) {
        const ended = await boundary.endOnRequest(
          () => ({
            step: session.step,
            pid: undefined,
            elapsedSeconds: totals.elapsedSeconds,
            bestValAcc: totals.bestValAcc,
          }),
          () => writeArchitecture(dir, session),
        );
        if (ended) return ended;
        const phase = session.phase;
        if (
          phase &&
          session.info().epoch === 0 &&
          session.info().stepInEpoch === 0 &&
          session.phases.length > 1
        ) {
          log.append({
            kind: 'phase',
            step: session.step,
            phase: phase.name,
            title: phase.title,
            ...(lastStopReason ? { reason: lastStopReason } : {}),
          });
          dir.log(`phase ${session.info().phaseIndex + 1}/${session.phases.length}: ${phase.title}`);
        }
        const t0 = performance.now();
        // Awaits only on webgpu, which reads asynchronously (search/host-reads.ts); elsewhere it is runStep.
        const r: StepReport<unknown> = await session.runStepAsync();
        const seconds = (performance.now() - t0) / 1000;
        pace.addStep(seconds);
        log.append({
          kind: 'step',
          step: r.info.globalStep,
          epoch: r.info.epoch,
          phase: r.info.phase,
          seconds,
          ...r.metrics,
        });
        for (const c of r.candidates ?? []) {
          log.append({
            kind: 'candidate',
            step: r.info.globalStep,
            phase: r.info.phase,
            round: c.round,
            score: c.score,
            genotype: c.genotype,
            text: c.text,
            metrics: c.metrics,
          });
        }
        totals.addStep(r.info.epoch, seconds, r.metrics.valAcc);
        if (r.epochEnd) {
          const valAcc = totals.endEpoch();
          log.append({
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
        const etaSeconds = pace.etaSeconds(session.totalSteps - session.step);
        const ran = session.phases[r.info.phaseIndex];
        // Phases differ in step cost (a candidate's scoring is not a training step): the ETA uses the
        // recent steps of the current phase.
        if (r.phaseEnd) pace.restart();
        await boundary.afterStep(
          {
            step: session.step,
            totalSteps: session.totalSteps,
            epoch: r.info.epoch,
            phase: ran.name,
            phaseTitle: ran.title,
            phaseIndex: r.info.phaseIndex,
            phaseCount: session.phases.length,
            metrics: r.metrics,
            stepSeconds: seconds,
            etaSeconds,
            epochEnded: !!r.epochEnd,
          },
          session.done,
        );
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
    },
  );
}
