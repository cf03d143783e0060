import { useMemo } from 'react';
import { spaceOf } from '../../../engine/catalog';
import { SearchConfigSchema } from '../../../shared/search-config';
import type { Draft } from './draft';
import { spaceSpecOf, strategySpecOf } from './sections';

/** What the search will be, in the specs' own words: the space's and strategy's summaries and references. */
export function RunSummary({ draft }: { draft: Draft }) {
  const parsed = useMemo(() => SearchConfigSchema.safeParse(draft), [draft]);
  const space = spaceSpecOf(draft);
  const strategy = strategySpecOf(draft);
  if (!parsed.success || !space || !strategy) return null;
  return (
    <dl
      aria-label="search summary"
      style={{
        display: 'grid',
        gridTemplateColumns: 'max-content 1fr',
        gap: '2px 12px',
        margin: '6px 0 10px',
      }}
    >
      <dt>strategy</dt>
      <dd style={{ margin: 0 }}>
        {strategy.summary(parsed.data.strategy)}{' '}
        <small style={{ opacity: 0.7 }}>— {strategy.reference}</small>
      </dd>
      <dt>search space</dt>
      <dd style={{ margin: 0 }}>
        {spaceOf(parsed.data.space).summary} <small style={{ opacity: 0.7 }}>— {space.reference}</small>
      </dd>
      <dt>training</dt>
      <dd style={{ margin: 0 }}>
        {parsed.data.epochs} epochs, batch {parsed.data.batchSize}
        {parsed.data.stepsPerEpoch ? `, at most ${parsed.data.stepsPerEpoch} steps per epoch` : ''}, seed{' '}
        {parsed.data.seed}
      </dd>
    </dl>
  );
}
