import { z } from 'zod';

/**
 * Life of a run. `pausing` is the short window between asking a worker to pause and its checkpoint at
 * the next step boundary; `interrupted` means the worker or the app went away without a clean pause
 * (crash, kill, power loss) and the run can resume from its last good checkpoint.
 */
export const RunStatusSchema = z.enum([
  'queued',
  'running',
  'pausing',
  'paused',
  'stopped',
  'completed',
  'failed',
  'interrupted',
]);
export type RunStatus = z.infer<typeof RunStatusSchema>;

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'paused', 'stopped', 'failed'],
  running: ['pausing', 'completed', 'failed', 'interrupted'],
  pausing: ['paused', 'stopped', 'completed', 'failed', 'interrupted'],
  paused: ['queued', 'running', 'stopped'],
  // Stopped by the user: what it found so far is exported; it can still be resumed.
  stopped: ['queued', 'running'],
  completed: [],
  failed: ['queued', 'running'],
  interrupted: ['queued', 'running'],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function assertTransition(from: RunStatus, to: RunStatus): void {
  if (!canTransition(from, to)) throw new Error(`a run cannot go from ${from} to ${to}`);
}

/** A run that a worker is (or should be) executing right now. */
export function isActive(s: RunStatus): boolean {
  return s === 'running' || s === 'pausing';
}

/** A run that can be resumed from a checkpoint. */
export function isResumable(s: RunStatus): boolean {
  return s === 'paused' || s === 'stopped' || s === 'failed' || s === 'interrupted';
}

export const RunStatusFileSchema = z.object({
  id: z.string(),
  status: RunStatusSchema,
  /** Why the run is failed or interrupted, as a plain sentence for the UI. */
  reason: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  step: z.number().int().nonnegative().default(0),
  totalSteps: z.number().int().nonnegative().optional(),
  /** PID of the worker executing the run (stale-run detection). */
  pid: z.number().int().optional(),
  /** PID of the process that owns the worker (app or CLI). */
  ownerPid: z.number().int().optional(),
  gpu: z.string().optional(),
  /** The tfjs backend the run last executed on (tensorflow, wasm, cpu). */
  backend: z.string().optional(),
  /** Best epoch-mean validation accuracy so far (search-val split). */
  bestValAcc: z.number().optional(),
  /** Training runs: test accuracy after the latest epoch, and the trained network's parameters and FLOPs (multiply-adds per image). */
  testAcc: z.number().optional(),
  /** Language-model training runs (enas-rnn): test and validation perplexity after the latest epoch, in place of testAcc. */
  testPerplexity: z.number().optional(),
  valPerplexity: z.number().optional(),
  params: z.number().int().nonnegative().optional(),
  flops: z.number().nonnegative().optional(),
  /** Seconds spent computing steps, over all sessions of the run (pauses excluded). */
  elapsedSeconds: z.number().nonnegative().optional(),
  /** Live reads only (RunDir.readLiveStatus): seconds left by the recent steps, and when the heartbeat was written. */
  etaSeconds: z.number().nonnegative().optional(),
  heartbeatAt: z.string().optional(),
});
export type RunStatusFile = z.infer<typeof RunStatusFileSchema>;
