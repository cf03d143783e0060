import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDir } from './run-dir';

/**
 * A run folder's pause.request file: how any process (the run manager, a second CLI) asks whoever
 * executes the run to pause or stop at its next step boundary. It lives with the run folder, not with
 * the executor (execute.ts), so that asking needs no engine.
 */
export const PAUSE_REQUEST = 'pause.request';

/** Asks whoever executes the run (any process) to pause at its next step boundary. */
export function requestPause(dir: RunDir, intent: 'pause' | 'stop' = 'pause'): void {
  writeFileSync(join(dir.path, PAUSE_REQUEST), intent);
}
