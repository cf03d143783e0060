import { useState } from 'react';
import type { ResourceSample } from '../../../shared/protocol';
import { appendBounded, formatBytes, resourceFigures } from './resources';

/** Samples the sparkline keeps: a few minutes at one sample a second. */
const HISTORY = 180;

/** The RSS over the recent samples, so that growth (a leak) shows as a slope. */
function Sparkline({ values }: { values: number[] }) {
  if (values.length < 2) return null;
  const w = 160;
  const h = 28;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // At least a tenth of the peak in height: a 1 MiB wobble must not look like a leak.
  const span = Math.max(hi - lo, 0.1 * hi, 1);
  const points = values
    .map(
      (v, i) =>
        `${((i / (values.length - 1)) * w).toFixed(1)},${(h - 2 - ((v - lo) / span) * (h - 4)).toFixed(1)}`,
    )
    .join(' ');
  return (
    <>
      <svg
        role="img"
        aria-label={`memory over the last ${values.length} samples: ${formatBytes(lo)} to ${formatBytes(hi)}`}
        width={w}
        height={h}
        style={{ verticalAlign: 'middle' }}
      >
        <polyline points={points} fill="none" stroke="currentColor" strokeWidth={1.5} />
      </svg>{' '}
      <span style={{ opacity: 0.7 }}>
        RSS {formatBytes(lo)} – {formatBytes(hi)}
      </span>
    </>
  );
}

/**
 * The engine worker's resource use while the run executes (memory, CPU, tensors, GPU memory where the
 * backend reports it), from the samples its progress messages carry. Hidden when no sample came.
 */
export function ResourcePanel({ sample, running }: { sample: ResourceSample | undefined; running: boolean }) {
  // The history grows while rendering a new sample (React's pattern for state derived from props).
  // Progress comes every step and repeats the sample taken at most once a second: a sample is new
  // when its figures differ.
  const [history, setHistory] = useState<{ key: string; rss: number[] }>({ key: '', rss: [] });
  const key = sample ? JSON.stringify(sample) : '';
  if (sample && key !== history.key)
    setHistory({ key, rss: appendBounded(history.rss, sample.rssBytes, HISTORY) });
  const rss = history.rss;
  if (!sample) return null;
  return (
    <section aria-label="resource use" style={{ margin: '8px 0', fontSize: 13 }}>
      <strong>Worker resources</strong>
      {!running && <span style={{ opacity: 0.7 }}> (last sample before the run stopped)</span>}
      <dl style={{ display: 'flex', flexWrap: 'wrap', gap: '4px 20px', margin: '4px 0' }}>
        {resourceFigures(sample).map((f) => (
          <div key={f.label} title={f.title}>
            <dt style={{ display: 'inline', opacity: 0.7 }}>{f.label}: </dt>
            <dd style={{ display: 'inline', margin: 0, fontVariantNumeric: 'tabular-nums' }}>{f.value}</dd>
          </div>
        ))}
        <div>
          <Sparkline values={rss} />
        </div>
      </dl>
    </section>
  );
}
