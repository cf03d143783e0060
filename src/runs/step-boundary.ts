import type { ExecuteOptions, RunProgress } from './execute';
import type { RunDir } from './run-dir';
import type { RunPace } from './run-pace';
import type { RunRequests } from './run-requests';
import type { RunStatusFile } from './status';

/** Steps between periodic checkpoints when the caller names none. */
const DEFAULT_CHECKPOINT_EVERY = 50;

/**
 * What an executing run (search or training) does between two steps, written once for both loops:
 * before a step, honour a pending pause or stop (checkpoint, then status); after one, report its
 * progress to the caller (onProgress) and to the heartbeat file (run-pace.ts), write the periodic
 * checkpoint every `checkpointEvery` steps (none after the last step: the run writes its final
 * checkpoint as it completes), and give the event loop a turn, so that IPC messages (a pause) and
 * signals come in between steps.
 */
export class StepBoundary {
  constructor(
    private readonly dir: RunDir,
    private readonly opts: Pick<ExecuteOptions, 'onProgress' | 'checkpointEvery'>,
    private readonly requests: RunRequests,
    private readonly pace: RunPace,
    private readonly checkpoint: () => Promise<unknown>,
  ) {}

  /**
   * Ends the execution here if a pause or stop is pending: the run checkpointed (a resume continues
   * exactly here), the request file removed, `onStop` run for a stop, the status moved to paused or
   * stopped with `status()`'s fields. Returns that outcome, or null when nothing is pending.
   */
  async endOnRequest(
    status: () => Partial<RunStatusFile>,
    onStop?: () => void,
  ): Promise<'paused' | 'stopped' | null> {
    const request = this.requests.pending();
    if (!request) return null;
    this.dir.transition('pausing');
    await this.checkpoint();
    this.requests.clear();
    if (request === 'stop') onStop?.();
    const outcome = request === 'stop' ? 'stopped' : 'paused';
    this.dir.transition(outcome, status());
    return outcome;
  }

  /** After a step: its progress reported, the periodic checkpoint, a turn of the event loop. */
  async afterStep(progress: RunProgress, done: boolean): Promise<void> {
    this.opts.onProgress?.(progress);
    const { step, totalSteps, etaSeconds } = progress;
    this.pace.heartbeat({ step, totalSteps, etaSeconds }, !!progress.epochEnded);
    if (step % (this.opts.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY) === 0 && !done)
      await this.checkpoint();
    await new Promise((resolve) => setImmediate(resolve));
  }
}
