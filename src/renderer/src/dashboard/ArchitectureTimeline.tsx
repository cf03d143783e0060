import { useMemo } from 'react';
import { spaceOf } from '../../../engine/catalog';
import type { SearchSpace } from '../../../engine/search/space';
import type { SearchConfig } from '../../../shared/search-config';
import { ChoiceTimelineChart } from '../charts/ChoiceTimelineChart';
import type { EpochRecord } from './metrics-log';
import { choiceTimeline } from './timeline';

/** The run's space, or null when this build cannot bind its config (an older or newer space). */
function boundSpace(space: SearchConfig['space'] | null): SearchSpace | null {
  try {
    return space ? spaceOf(space) : null;
  } catch {
    return null;
  }
}

/** The discrete architecture over time, per label: which option each decision holds after each epoch. */
export function ArchitectureTimeline({
  epochs,
  space,
}: {
  epochs: EpochRecord[];
  space: SearchConfig['space'] | null;
}) {
  const bound = useMemo(() => boundSpace(space), [space]);
  const timelines = useMemo(() => choiceTimeline(epochs, bound), [epochs, bound]);
  // One epoch is no history: the slider's view above says it all.
  if (epochs.length < 2 || !timelines.length) return null;
  return (
    <section aria-label="architecture over time">
      <h4 style={{ margin: '8px 0 4px' }}>The architecture over time</h4>
      <div>
        {timelines.map((t) => (
          <ChoiceTimelineChart key={t.label} timeline={t} />
        ))}
      </div>
    </section>
  );
}
