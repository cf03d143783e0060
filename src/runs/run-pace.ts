import type { RunDir } from './run-dir';

/** How often an executing run rewrites its heartbeat (the live step that `status` and the runs list show). */
const HEARTBEAT_MS = 2000;

/** Steps whose times the estimate averages: recent enough to follow a change of pace. */
const RECENT_STEPS = 20;

/**
 * The live pace of an executing run (search or training): the time left estimated from the mean of
 * the recent steps, and the heartbeat file kept up to date with it, rewritten at most every
 * HEARTBEAT_MS (and at once when asked, at an epoch's end) so that a fast run does not write a file
 * per step.
 */
export class RunPace {
  private readonly recent: number[] = [];
  private lastHeartbeat = Number.NEGATIVE_INFINITY;

  constructor(private readonly dir: RunDir) {}

  /** Records the seconds one step took. */
  addStep(seconds: number): void {
    this.recent.push(seconds);
    if (this.recent.length > RECENT_STEPS) this.recent.shift();
  }

  /** Seconds left for `stepsLeft` steps at the recent steps' mean pace. */
  etaSeconds(stepsLeft: number): number {
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    return mean * stepsLeft;
  }

  /** Forgets the recent steps: what comes next costs differently (another phase of a search). */
  restart(): void {
    this.recent.length = 0;
  }

  /** Rewrites the heartbeat when HEARTBEAT_MS have passed since the last, or at once when `now`. */
  heartbeat(beat: { step: number; totalSteps: number; etaSeconds: number }, now = false): void {
    if (performance.now() - this.lastHeartbeat < HEARTBEAT_MS && !now) return;
    this.lastHeartbeat = performance.now();
    this.dir.writeHeartbeat(beat);
  }
}
