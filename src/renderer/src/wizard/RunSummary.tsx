import { useMemo, type ReactNode } from 'react';
import { spaceOf } from '../../../engine/catalog';
import type { RunProbe } from '../../../shared/protocol';
import { SearchConfigSchema } from '../../../shared/search-config';
import { estimateCost } from './cost';
import type { Draft } from './draft';
import { describeData, describeSplits, describeTraining, phaseLine } from './review';
import { spaceSpecOf, strategySpecOf } from './sections';

const Row = ({ term, children }: { term: string; children: ReactNode }) => (
  <>
    <dt style={{ opacity: 0.8 }}>{term}</dt>
    <dd style={{ margin: 0 }}>{children}</dd>
  </>
);

/**
 * What the search will be, in plain words: the dataset and its splits, the strategy (the specs' own
 * summary and reference, and its phases with their budgets once the probe has measured them), the
 * space with its cost as its cost model counts it, and the training budget.
 */
export function RunSummary({ draft, probe }: { draft: Draft; probe?: RunProbe | null }) {
  const parsed = useMemo(() => SearchConfigSchema.safeParse(draft), [draft]);
  const cost = useMemo(() => estimateCost(draft), [draft]);
  const space = spaceSpecOf(draft);
  const strategy = strategySpecOf(draft);
  if (!parsed.success || !space || !strategy) return null;
  const c = parsed.data;
  return (
    <dl
      aria-label="search summary"
      style={{
        display: 'grid',
        gridTemplateColumns: 'max-content 1fr',
        gap: '4px 14px',
        margin: '6px 0 10px',
      }}
    >
      <Row term="dataset">{describeData(c.data)}</Row>
      <Row term="splits">{describeSplits(c.data)}</Row>
      <Row term="strategy">
        {strategy.summary(c.strategy)} <small style={{ opacity: 0.7 }}>— {strategy.reference}</small>
        {probe ? (
          <ol aria-label="phases" style={{ margin: '2px 0 0', paddingLeft: 20 }}>
            {probe.phases.map((p) => (
              <li key={p.name}>{phaseLine(p)}</li>
            ))}
          </ol>
        ) : (
          <div style={{ opacity: 0.7 }}>
            its phases and their budgets are listed once the time is estimated
          </div>
        )}
      </Row>
      <Row term="search space">
        {spaceOf(c.space).summary} <small style={{ opacity: 0.7 }}>— {space.reference}</small>
        {cost && (
          <div aria-label="space cost">
            ≈ {(cost.params / 1e6).toFixed(3)} M parameters · ≈ {((2 * cost.multiplyAdds) / 1e9).toFixed(3)}{' '}
            GFLOP per {cost.text ? 'token' : 'image'} ·{' '}
            {cost.stepBytes === null
              ? 'memory per step known once the dataset is read'
              : `≈ ${(cost.stepBytes / 1e9).toFixed(2)} GB per step`}
          </div>
        )}
      </Row>
      <Row term="training">{describeTraining(c)}</Row>
    </dl>
  );
}
