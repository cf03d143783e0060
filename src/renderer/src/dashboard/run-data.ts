import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunProgressEvent } from '../../../shared/api';
import type { SearchConfig } from '../../../shared/search-config';
import { api } from '../api';
import { addStepToSpans, type EpochSpan } from './curves';
import {
  parseMetricsLog,
  type CandidateRecord,
  type EpochRecord,
  type PhaseRecord,
  type StepSeries,
} from './metrics-log';

export { parseMetrics, type EpochRecord, type StepSeries } from './metrics-log';

/** Where a step sits among the strategy's phases; progress events carry it once the engine sends it. */
export interface PhaseProgress {
  phase?: string;
  phaseTitle?: string;
  phaseIndex?: number;
  phaseCount?: number;
}
export type LiveProgress = RunProgressEvent & PhaseProgress;

/** How often live points reach the charts: a long run's events never re-render faster than this. */
const FLUSH_MS = 300;
/** While a run scores candidates, its log is re-read this often (progress events do not carry them). */
const CANDIDATE_RELOAD_MS = 10_000;

/**
 * A run's metrics: read from its log once (so finished runs open too), then extended live from
 * progress events, batched and flushed at most every FLUSH_MS. Epoch, candidate and phase records are
 * re-read from the log when an epoch ends, when the phase changes, and every CANDIDATE_RELOAD_MS
 * while candidates may be scored (once some are logged, or in any phase after the first).
 */
export function useRunData(id: string | null) {
  const [series, setSeries] = useState<StepSeries>({});
  const [epochs, setEpochs] = useState<EpochRecord[]>([]);
  const [candidates, setCandidates] = useState<CandidateRecord[]>([]);
  const [phases, setPhases] = useState<PhaseRecord[]>([]);
  const [spans, setSpans] = useState<EpochSpan[]>([]);
  const [last, setLast] = useState<LiveProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<LiveProgress[]>([]);
  const hasCandidates = useRef(false);
  const reload = useCallback(() => {
    if (!id) return;
    api()
      .runMetrics(id)
      .then((records) => {
        const parsed = parseMetricsLog(records);
        pending.current = [];
        hasCandidates.current = parsed.candidates.length > 0;
        setSeries(parsed.series);
        setEpochs(parsed.epochs);
        setCandidates(parsed.candidates);
        setPhases(parsed.phases);
        setSpans(parsed.spans);
      })
      .catch((e: Error) => setError(e.message));
  }, [id]);
  // The dashboard is keyed by run id, so a different run means a fresh hook: no state to reset here.
  useEffect(() => {
    reload();
    if (!id) return;
    let phase: string | undefined;
    let lastCandidateReload = Date.now();
    const off = api().on('progress', (p) => {
      if (p.id === id) pending.current.push(p);
    });
    const timer = setInterval(() => {
      const batch = pending.current;
      if (!batch.length) return;
      pending.current = [];
      setLast(batch[batch.length - 1]);
      setSeries((old) => {
        const added: StepSeries = {};
        for (const p of batch) {
          for (const [k, v] of Object.entries(p.metrics)) {
            // Points already read from the log (the event can arrive after a reload) are skipped.
            const lastX = (added[k] ?? old[k])?.at(-1)?.[0] ?? 0;
            if (p.step > lastX) (added[k] ??= []).push([p.step, v]);
          }
        }
        const next: StepSeries = { ...old };
        for (const [k, pts] of Object.entries(added)) next[k] = (old[k] ?? []).concat(pts);
        return next;
      });
      // Each live step extends its epoch's span (a copy: the charts memoise on the array).
      setSpans((old) => {
        const next = old.map((s) => ({ ...s }));
        for (const p of batch)
          if (p.step > (next.at(-1)?.last ?? 0)) addStepToSpans(next, p.step, p.epoch, p.phase);
        return next;
      });
      const newPhase = batch.find((p) => p.phase !== undefined && p.phase !== phase)?.phase;
      const phaseChanged = newPhase !== undefined && phase !== undefined;
      if (newPhase !== undefined) phase = batch[batch.length - 1].phase ?? newPhase;
      // Candidates come from strategies' later phases (random search, evolution after a supernet).
      const mayScore = hasCandidates.current || (batch[batch.length - 1].phaseIndex ?? 0) > 0;
      const candidatesDue = mayScore && Date.now() - lastCandidateReload > CANDIDATE_RELOAD_MS;
      if (batch.some((p) => p.epochEnded) || phaseChanged || candidatesDue) {
        lastCandidateReload = Date.now();
        reload();
      }
    }, FLUSH_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [id, reload]);
  return { series, epochs, candidates, phases, spans, last, error, reload };
}

/** A search run's validated config (its space and strategy name the dashboard's views): undefined while read, null if unreadable (or a training run's). */
export function useRunConfig(id: string): SearchConfig | null | undefined {
  const [config, setConfig] = useState<SearchConfig | null | undefined>(undefined);
  useEffect(() => {
    let cancelled = false;
    api()
      .runConfig(id)
      .then((c) => !cancelled && setConfig(c.kind === 'train' ? null : c))
      .catch(() => !cancelled && setConfig(null));
    return () => {
      cancelled = true;
    };
  }, [id]);
  return config;
}
