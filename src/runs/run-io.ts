import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from './atomic';
import type { RunDir } from './run-dir';

/** File helpers every run kind's loop shares (search: execute.ts, training: execute-train.ts). */

/** The intent of a pending pause.request file, or null when there is none. */
export function pendingRequest(file: string): 'pause' | 'stop' | null {
  if (!existsSync(file)) return null;
  return readFileSync(file, 'utf8').trim() === 'stop' ? 'stop' : 'pause';
}

export function countLines(file: string): number {
  if (!existsSync(file)) return 0;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim()).length;
}

/** Keeps the first `n` metric records (drops those written after the checkpoint being resumed). */
export function truncateMetrics(file: string, n: number): void {
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  if (lines.length > n)
    writeFileAtomic(
      file,
      lines
        .slice(0, n)
        .map((l) => l + '\n')
        .join(''),
    );
}

/** Records why a run failed; from a state that cannot become 'failed' (paused) it only logs. */
export function markFailed(dir: RunDir, reason: string): void {
  try {
    dir.transition('failed', { reason, pid: undefined });
  } catch {
    dir.log(`failed: ${reason}`);
  }
}

/** Runs `f`; what it throws is recorded as the run's failure (markFailed), then thrown on. */
async function markFailedOnError<T>(dir: RunDir, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    markFailed(dir, (e as Error).message);
    throw e;
  }
}

/**
 * An execution of a run (search or training) with its session: what opening the session or the
 * execution throws is recorded as the run's failure before it propagates (the status says why it
 * stopped), and the session is disposed however the execution ends (its tensors are freed).
 */
export async function executeWithSession<S extends { dispose(): void }, T>(
  dir: RunDir,
  open: () => Promise<S>,
  execute: (session: S) => Promise<T>,
): Promise<T> {
  const session = await markFailedOnError(dir, open);
  try {
    return await markFailedOnError(dir, () => execute(session));
  } finally {
    session.dispose();
  }
}
