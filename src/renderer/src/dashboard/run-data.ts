import { useCallback, useEffect, useRef, useState } from 'react';
import type { RunProgressEvent } from '../../../shared/api';
import { api } from '../api';

export interface ArchRecord {
  ops: string[];
  normal: number[][];
  reduce: number[][];
  kind: string;
}
export interface GenotypeRecord {
  normal: Array<[string, number]>;
  normalConcat: number[];
  reduce: Array<[string, number]>;
  reduceConcat: number[];
}
export interface EpochRecord {
  epoch: number;
  step: number;
  valAcc?: number;
  arch: ArchRecord;
  genotype: GenotypeRecord;
}

/** Per metric name, its points [steps done, value]. */
export type StepSeries = Record<string, Array<[number, number]>>;

/** Splits a metrics log into per-metric series and epoch records. */
export function parseMetrics(records: Array<Record<string, unknown>>): { series: StepSeries; epochs: EpochRecord[] } {
  const series: StepSeries = {};
  const epochs: EpochRecord[] = [];
  for (const r of records) {
    if (r.kind === 'step') {
      const x = (r.step as number) + 1;
      for (const [k, v] of Object.entries(r)) if (typeof v === 'number' && k !== 'step' && k !== 'epoch') (series[k] ??= []).push([x, v]);
    } else if (r.kind === 'epoch') epochs.push(r as unknown as EpochRecord);
  }
  return { series, epochs };
}

/** How often live points reach the charts: a long run's events never re-render faster than this. */
const FLUSH_MS = 300;

/**
 * A run's metrics: read from its log once (so finished runs open too), then extended live from
 * progress events, batched and flushed at most every FLUSH_MS. Epoch records (α, genotype) are
 * re-read from the log when an epoch ends.
 */
export function useRunData(id: string | null) {
  const [series, setSeries] = useState<StepSeries>({});
  const [epochs, setEpochs] = useState<EpochRecord[]>([]);
  const [last, setLast] = useState<RunProgressEvent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const pending = useRef<RunProgressEvent[]>([]);
  const reload = useCallback(() => {
    if (!id) return;
    api()
      .runMetrics(id)
      .then((records) => {
        const parsed = parseMetrics(records);
        pending.current = [];
        setSeries(parsed.series);
        setEpochs(parsed.epochs);
      })
      .catch((e: Error) => setError(e.message));
  }, [id]);
  // The dashboard is keyed by run id, so a different run means a fresh hook: no state to reset here.
  useEffect(() => {
    reload();
    if (!id) return;
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
      if (batch.some((p) => p.epochEnded)) reload();
    }, FLUSH_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [id, reload]);
  return { series, epochs, last, error, reload };
}
