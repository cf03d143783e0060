import { useEffect, useState } from 'react';
import { api } from '../api';
import { SeriesChart, type Series } from '../charts/SeriesChart';
import { parseMetrics } from '../dashboard/metrics-log';

/** Two or more runs' curves overlaid: validation loss and accuracy against the step. */
export function CompareRuns({ ids }: { ids: string[] }) {
  const [curves, setCurves] = useState<{ loss: Series[]; acc: Series[] }>({ loss: [], acc: [] });
  const [error, setError] = useState<string | null>(null);
  const key = ids.join(',');
  useEffect(() => {
    let cancelled = false;
    Promise.all(key.split(',').map(async (id) => ({ id, ...parseMetrics(await api().runMetrics(id)) })))
      .then((runs) => {
        if (cancelled) return;
        setCurves({
          loss: runs.map((r) => ({ name: r.id, points: r.series.valLoss ?? [] })),
          acc: runs.map((r) => ({ name: r.id, points: r.series.valAcc ?? [] })),
        });
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [key]);
  return (
    <section aria-label="run comparison">
      <h2>Comparing {ids.length} runs</h2>
      {error && <p role="alert">{error}</p>}
      <SeriesChart
        label="compared validation loss chart"
        series={curves.loss}
        xName="step"
        yName="val loss"
        width="50%"
      />
      <SeriesChart
        label="compared validation accuracy chart"
        series={curves.acc}
        xName="step"
        yName="val accuracy"
        width="50%"
      />
    </section>
  );
}
