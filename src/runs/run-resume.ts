import type { SessionSnapshot } from '../engine/search/checkpoint';
import { loadLatestCheckpoint } from './checkpoint-file';
import type { RunDir } from './run-dir';
import { countLines, truncateMetrics } from './run-io';

/**
 * Where an executing run (search or training) starts: with `resume`, from the newest valid checkpoint
 * (`restore` hands its state to the session; the metrics log is cut back to the records written
 * when it was taken, so that the steps after it are logged once), or, without one, from the
 * beginning with an empty log. Without `resume` the log is left as it is. The checkpoints' warnings
 * (a damaged newer one passed over) go to the run's log and to `onWarning`. Returns how many records
 * the metrics log holds now: every checkpoint written from here on records it.
 */
export function resumeFromLatestCheckpoint(
  dir: RunDir,
  opts: { resume: boolean; onWarning?: (message: string) => void },
  restore: (snap: SessionSnapshot) => void,
): number {
  if (!opts.resume) return countLines(dir.metricsPath);
  const ck = loadLatestCheckpoint(dir.checkpointsDir);
  for (const w of ck?.warnings ?? []) {
    dir.log(`warning: ${w}`);
    opts.onWarning?.(w);
  }
  if (!ck) {
    truncateMetrics(dir.metricsPath, 0);
    dir.log('no checkpoint yet: starting from the beginning');
    return 0;
  }
  restore(ck.snap);
  truncateMetrics(dir.metricsPath, ck.metricsLines);
  dir.log(`resumed from ${ck.file} at step ${ck.step}`);
  return ck.metricsLines;
}
