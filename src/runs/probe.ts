import { totalmem } from 'node:os';
import * as tf from '../engine/tf';
import { buildSearchData } from '../engine/search/build-data';
import { assertFitsInMemory } from '../engine/search/memory';
import { SearchSession, type SearchData } from '../engine/search/session';
import type { SearchConfig } from '../shared/search-config';
import type { RunProbe } from '../shared/protocol';

/** Steps probed per phase: the first warms up (kernels compiled, buffers allocated), the rest are timed. */
export const PROBE_STEPS = 3;
/** A phase's probe stops early once it has taken this long (a paper-sized step on a CPU takes minutes). */
export const PROBE_PHASE_SECONDS = 20;

export interface ProbeOptions {
  /** Milliseconds, monotonic (tests pass a scripted clock). */
  now?: () => number;
  /** The run's data, when the caller loaded it (tests). */
  data?: SearchData;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Measures what a run of `config` would cost on this machine, without creating a run: loads its data
 * and builds its supernet and strategy (timed as the setup), then runs up to PROBE_STEPS steps of
 * each phase of the strategy's plan (skipping to the next phase between), on the backend already
 * chosen. A phase's seconds per step is the median of its steps after the first (the first pays for
 * compiling kernels); where only one step ran it is that step (an upper bound). The estimate is the
 * setup plus every phase's planned steps at its rate. Not measured: epoch-end work of long epochs,
 * checkpoints, and phases that would run on a rebuilt (larger or smaller) supernet.
 */
export async function probeRun(config: SearchConfig, opts: ProbeOptions = {}): Promise<RunProbe> {
  const now = opts.now ?? (() => performance.now());
  const t0 = now();
  assertFitsInMemory(config, tf.getBackend(), totalmem());
  const session = new SearchSession<unknown>(config, opts.data ?? (await buildSearchData(config)));
  const setupSeconds = (now() - t0) / 1000;
  try {
    const phases: RunProbe['phases'] = [];
    for (let i = 0; i < session.phases.length; i++) {
      const plan = session.phases[i];
      const planned = plan.epochs * plan.stepsPerEpoch;
      const seconds: number[] = [];
      let note: string | undefined;
      try {
        let spent = 0;
        while (seconds.length < Math.min(PROBE_STEPS, planned) && !session.done) {
          if (session.info().phaseIndex !== i) break; // the phase ended early (an early stop)
          const s0 = now();
          session.runStep();
          const took = (now() - s0) / 1000;
          seconds.push(took);
          spent += took;
          if (spent > PROBE_PHASE_SECONDS) break;
        }
      } catch (e) {
        // A later phase may need what the earlier ones would have built: say so, estimate without it.
        note = `not measured: ${(e as Error).message}`;
      }
      const timed = seconds.length > 1 ? seconds.slice(1) : seconds;
      phases.push({
        name: plan.name,
        title: plan.title,
        epochs: plan.epochs,
        stepsPerEpoch: plan.stepsPerEpoch,
        probedSteps: seconds.length,
        secondsPerStep: timed.length ? median(timed) : null,
        ...(note ? { note } : {}),
      });
      if (note) break;
      if (!session.done && session.info().phaseIndex === i) session.endPhase();
    }
    // Phases that could not be probed (after a failure) are listed with no rate.
    for (let i = phases.length; i < session.phases.length; i++) {
      const plan = session.phases[i];
      phases.push({
        name: plan.name,
        title: plan.title,
        epochs: plan.epochs,
        stepsPerEpoch: plan.stepsPerEpoch,
        probedSteps: 0,
        secondsPerStep: null,
        note: 'not measured: an earlier phase could not be probed',
      });
    }
    const measured = phases.filter((p) => p.secondsPerStep !== null);
    return {
      backend: tf.getBackend(),
      setupSeconds,
      phases,
      totalSteps: phases.reduce((n, p) => n + p.epochs * p.stepsPerEpoch, 0),
      estimatedSeconds:
        measured.length === phases.length
          ? setupSeconds +
            phases.reduce((t, p) => t + p.epochs * p.stepsPerEpoch * (p.secondsPerStep as number), 0)
          : null,
    };
  } finally {
    session.dispose();
  }
}
