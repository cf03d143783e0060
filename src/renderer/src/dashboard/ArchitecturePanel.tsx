import { useMemo, useState } from 'react';
import type { LabelSnapshot } from '../../../engine/search/strategy';
import type { SearchConfig } from '../../../shared/search-config';
import { SeriesChart, type Series } from '../charts/SeriesChart';
import { SnapshotHeatmap } from '../charts/SnapshotHeatmap';
import { rowEntropy } from './arch';
import { ArchitectureTimeline } from './ArchitectureTimeline';
import { GenotypeView } from './GenotypeView';
import type { EpochRecord } from './metrics-log';

/** Per label, each row's entropy after every epoch record (x: the record's number, from 1). */
function entropySeries(epochs: EpochRecord[], label: string, s: LabelSnapshot): Series[] {
  return s.rows.map((name, r) => ({
    name,
    points: epochs.flatMap((rec, i) => {
      const l = rec.arch[label];
      return l?.values[r] ? [[i + 1, rowEntropy(l.kind, l.values[r])] as [number, number]] : [];
    }),
  }));
}

/** The epoch slider: null follows the newest record as it arrives; a number is the user's pick. */
function EpochSlider({
  count,
  index,
  following,
  onPick,
}: {
  count: number;
  index: number;
  following: boolean;
  onPick: (i: number | null) => void;
}) {
  return (
    <label>
      epoch{' '}
      <input
        type="range"
        aria-label="epoch slider"
        min={0}
        max={count - 1}
        value={index}
        onChange={(e) => {
          const v = Number(e.target.value);
          onPick(v === count - 1 ? null : v);
        }}
      />{' '}
      {index + 1} / {count}
      {following ? ' (following the newest)' : ''}
    </label>
  );
}

/**
 * What the search believes after each epoch: one heatmap per label of the strategy's snapshot (with a
 * slider through the epochs), each row's entropy over time (falling as the search decides), and the
 * derived architecture drawn as its space draws it.
 */
export function ArchitecturePanel({
  epochs,
  space,
}: {
  epochs: EpochRecord[];
  space: SearchConfig['space'] | null;
}) {
  const [picked, setPicked] = useState<number | null>(null);
  const index = picked === null ? epochs.length - 1 : Math.min(picked, epochs.length - 1);
  const shown = epochs[index];
  const newest = epochs.at(-1);
  // Rows and titles from the newest record: a label's rows never change within a run.
  const entropy = useMemo(
    () =>
      newest
        ? Object.entries(newest.arch).map(([label, s]) => ({
            label,
            title: s.title,
            series: entropySeries(epochs, label, s),
          }))
        : [],
    [epochs, newest],
  );
  if (!shown) return <p>The architecture the search believes in appears after the first epoch.</p>;
  return (
    <section aria-label="architecture">
      <h3 style={{ marginBottom: 4 }}>Architecture after epoch {shown.epoch + 1}</h3>
      {shown.phase && <small style={{ opacity: 0.7 }}>phase: {shown.phase} · </small>}
      <EpochSlider count={epochs.length} index={index} following={picked === null} onPick={setPicked} />
      <div>
        {Object.entries(shown.arch).map(([label, s]) => (
          <SnapshotHeatmap key={label} snapshot={s} />
        ))}
      </div>
      <GenotypeView record={shown} space={space} />
      <div>
        {entropy.map((e) => (
          <SeriesChart
            key={e.label}
            label={`${e.title} entropy chart`}
            series={e.series}
            xName="epoch"
            yName="entropy (nats)"
            width="50%"
            integerX
          />
        ))}
      </div>
      <ArchitectureTimeline epochs={epochs} space={space} />
    </section>
  );
}
