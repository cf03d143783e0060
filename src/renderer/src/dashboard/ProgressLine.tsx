import type { RunSummary } from '../../../shared/api';
import { formatDuration } from '../format';
import type { PhaseRecord } from './metrics-log';
import type { LiveProgress } from './run-data';

/** Which phase the run is in: from live events when they say, else the log's newest phase record. */
function phaseText(live: LiveProgress | null, phases: PhaseRecord[]): string | null {
  // One-phase strategies need no phase line.
  if (live?.phaseCount === 1) return null;
  if (live?.phaseTitle || live?.phase) {
    const of =
      live.phaseIndex !== undefined && live.phaseCount ? ` ${live.phaseIndex + 1}/${live.phaseCount}` : '';
    return `phase${of}: ${live.phaseTitle ?? live.phase}`;
  }
  // A log with several phases names where the run got to.
  if (phases.length < 2) return null;
  const p = phases[phases.length - 1];
  return `phase ${phases.length}: ${p.title}`;
}

/** Progress: the bar, phase, epoch and step, and while running the speed and ETA. */
export function ProgressLine({
  run,
  last,
  phases,
}: {
  run: RunSummary;
  last: LiveProgress | null;
  phases: PhaseRecord[];
}) {
  const running = run.status === 'running' || run.status === 'pausing';
  const live = running ? last : null;
  // Live events while it runs; the status file once it has stopped (it holds the final step).
  const step = live?.step ?? run.step;
  const total = live?.totalSteps ?? run.totalSteps ?? 0;
  // Live events say the epoch (within the phase); otherwise it is estimated from the step.
  const epoch = live
    ? live.epoch + 1
    : Math.min(Math.floor((step * run.epochs) / (total || 1)) + (step < total ? 1 : 0), run.epochs);
  const phase = phaseText(live, phases);
  // run.epochs sizes every phase only for one-phase strategies; a later phase has its own budget.
  const ofEpochs = (live?.phaseCount ?? 1) > 1 || phases.length > 1 ? '' : `/${run.epochs}`;
  return (
    <div aria-label="progress">
      <progress value={step} max={total || 1} style={{ width: 400 }} /> {phase && <>{phase} · </>}epoch{' '}
      {epoch}
      {ofEpochs} · step {step}/{total || '?'}
      {live && (
        <>
          {' '}
          · {(1 / live.stepSeconds).toFixed(2)} steps/s · ETA {formatDuration(live.etaSeconds)}
        </>
      )}
      {phases.at(-1)?.reason && (
        <div style={{ opacity: 0.8, fontSize: 13 }}>
          previous phase stopped early: {phases.at(-1)!.reason}
        </div>
      )}
    </div>
  );
}
