import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PAUSE_REQUEST } from './pause-request';
import type { RunDir } from './run-dir';
import { pendingRequest } from './run-io';

/** What may ask an executing run to end at its next step boundary, besides the pause.request file. */
export interface RunRequestSources {
  /** Polled at every step boundary. */
  shouldPause?: () => boolean;
  /** Like shouldPause, but the run ends as 'stopped' (the user is done with it). */
  shouldStop?: () => boolean;
}

/**
 * The pause and stop requests an executing run (search or training) polls at each step boundary:
 * the run folder's pause.request file, which any process may write (pause-request.ts), and the
 * caller's callbacks. A request file left by an earlier execution is stale (that one ended), so it is
 * removed when the run starts, and again once a request is honoured.
 */
export class RunRequests {
  private readonly file: string;

  constructor(
    dir: RunDir,
    private readonly sources: RunRequestSources,
  ) {
    this.file = join(dir.path, PAUSE_REQUEST);
    this.clear();
  }

  /** The request pending now: the caller's stop first, then the file's intent, then the caller's pause. */
  pending(): 'pause' | 'stop' | null {
    if (this.sources.shouldStop?.()) return 'stop';
    return pendingRequest(this.file) ?? (this.sources.shouldPause?.() ? 'pause' : null);
  }

  /** Removes the request file (it has been honoured, or is stale). */
  clear(): void {
    if (existsSync(this.file)) unlinkSync(this.file);
  }
}
