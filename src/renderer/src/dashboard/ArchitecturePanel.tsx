import { useMemo, useState } from 'react';
import { AlphaHeatmap } from '../charts/AlphaHeatmap';
import { GenotypeDiagram } from '../charts/GenotypeDiagram';
import { SeriesChart, type Series } from '../charts/SeriesChart';
import { edgeNames, entropy } from './arch';
import type { EpochRecord } from './run-data';

/**
 * What the search believes after each epoch: softmax(α) heatmaps with a slider through the epochs,
 * each edge's entropy over time (falling as the search decides), and the genotype as cell diagrams.
 */
export function ArchitecturePanel({ epochs }: { epochs: EpochRecord[] }) {
  // null: follow the newest epoch as they arrive; a number: the user picked an epoch.
  const [picked, setPicked] = useState<number | null>(null);
  const index = picked === null ? epochs.length - 1 : Math.min(picked, epochs.length - 1);
  const shown = epochs[index];
  const entropySeries = useMemo(() => {
    const of = (cell: 'normal' | 'reduce'): Series[] => {
      const names = edgeNames(epochs[0]?.arch[cell].length ?? 0);
      return names.map((name, e) => ({ name, points: epochs.map((r) => [r.epoch + 1, entropy(r.arch[cell][e])] as [number, number]) }));
    };
    return { normal: of('normal'), reduce: of('reduce') };
  }, [epochs]);
  if (!shown) return <p>α and the genotype appear after the first epoch.</p>;
  const names = edgeNames(shown.arch.normal.length);
  return (
    <section aria-label="architecture">
      <h3>Architecture after epoch {shown.epoch + 1}</h3>
      <label>
        epoch{' '}
        <input
          type="range"
          aria-label="epoch slider"
          min={0}
          max={epochs.length - 1}
          value={index}
          onChange={(e) => {
            const v = Number(e.target.value);
            setPicked(v === epochs.length - 1 ? null : v);
          }}
        />{' '}
        {shown.epoch + 1} / {epochs.length}
        {picked === null ? ' (following the newest)' : ''}
      </label>
      <div>
        <AlphaHeatmap title={`normal cell ${shown.arch.kind}(α)`} ops={shown.arch.ops} rows={shown.arch.normal} edgeNames={names} />
        <AlphaHeatmap title={`reduction cell ${shown.arch.kind}(α)`} ops={shown.arch.ops} rows={shown.arch.reduce} edgeNames={names} />
      </div>
      <div>
        <GenotypeDiagram title="normal cell" gene={shown.genotype.normal} concat={shown.genotype.normalConcat} />
        <GenotypeDiagram title="reduction cell" gene={shown.genotype.reduce} concat={shown.genotype.reduceConcat} />
      </div>
      <p aria-label="genotype" style={{ fontFamily: 'monospace', fontSize: 12 }}>
        normal: {shown.genotype.normal.map(([op, i]) => `${op}←${i}`).join(', ')}
        <br />
        reduce: {shown.genotype.reduce.map(([op, i]) => `${op}←${i}`).join(', ')}
      </p>
      <div>
        <SeriesChart label="normal cell entropy chart" series={entropySeries.normal} xName="epoch" yName="entropy of α (nats)" width="50%" />
        <SeriesChart label="reduction cell entropy chart" series={entropySeries.reduce} xName="epoch" yName="entropy of α (nats)" width="50%" />
      </div>
    </section>
  );
}
