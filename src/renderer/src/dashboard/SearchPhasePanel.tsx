import { useMemo, useState } from 'react';
import { STRATEGY_SPECS, strategySpec } from '../../../engine/catalog';
import type { MetricSpec } from '../../../engine/search/strategy';
import type { SearchConfig } from '../../../shared/search-config';
import { GenerationChart } from '../charts/GenerationChart';
import { ParetoChart } from '../charts/ParetoChart';
import type { CandidateRecord } from './metrics-log';
import {
  COST_METRICS,
  costKeys,
  costLimits,
  costScatter,
  generationStats,
  type CostKey,
} from './search-phase';

/** The score's axis name: the strategy's own title for its 'score' metric, where it declares one. */
function scoreTitle(declared: readonly MetricSpec[]): string {
  return declared.find((m) => m.key === 'score')?.title ?? 'score (higher is better)';
}

/** Score against the cost the user picks (FLOPs or parameters, those the records carry). */
function CostPanel({
  candidates,
  keys,
  limits,
  scoreName,
}: {
  candidates: CandidateRecord[];
  keys: CostKey[];
  limits: Partial<Record<CostKey, number>>;
  scoreName: string;
}) {
  const [picked, setPicked] = useState<CostKey | null>(null);
  const key = picked && keys.includes(picked) ? picked : keys[0];
  const { points, front } = useMemo(() => costScatter(candidates, key), [candidates, key]);
  const cost = COST_METRICS.find((m) => m.key === key)!;
  const limit = limits[key];
  return (
    <div style={{ display: 'inline-block', width: '50%', verticalAlign: 'top' }}>
      {keys.length > 1 && (
        <label style={{ fontSize: 12 }}>
          cost{' '}
          <select aria-label="cost axis" value={key} onChange={(e) => setPicked(e.target.value as CostKey)}>
            {keys.map((k) => (
              <option key={k} value={k}>
                {COST_METRICS.find((m) => m.key === k)!.title}
              </option>
            ))}
          </select>
        </label>
      )}
      <ParetoChart
        points={points}
        front={front}
        costName={cost.title}
        scoreName={scoreName}
        limit={limit}
        limitLabel={limit !== undefined ? `limit ${limit} ${cost.short}` : undefined}
        width="100%"
      />
      <small style={{ opacity: 0.7 }}>
        {points.length} architectures (each at its latest score) · {front.length} on the Pareto front
      </small>
    </div>
  );
}

/**
 * A search over scored candidates (SPOS's evolution, regularized evolution, random search's scoring),
 * from what the candidate records carry: fitness by generation where they name it, and score against
 * FLOPs or parameters with the Pareto front where they carry costs, the config's limits drawn.
 */
export function SearchPhasePanel({
  candidates,
  config,
  declared,
}: {
  candidates: CandidateRecord[];
  config: SearchConfig | null;
  declared: readonly MetricSpec[];
}) {
  const stats = useMemo(() => generationStats(candidates), [candidates]);
  const keys = useMemo(() => costKeys(candidates), [candidates]);
  const limits = useMemo(() => {
    const name = config?.strategy.name;
    // A strategy this build does not know sets no limits it could read.
    const spec = name && STRATEGY_SPECS.some((s) => s.name === name) ? strategySpec(name) : null;
    return costLimits(spec, (config?.strategy as Record<string, unknown> | undefined) ?? null);
  }, [config]);
  if (!candidates.length || (!stats.length && !keys.length)) return null;
  const scoreName = scoreTitle(declared);
  return (
    <section aria-label="candidate search">
      <h4 style={{ margin: '8px 0 4px' }}>The search over candidates</h4>
      {stats.length > 0 && <GenerationChart stats={stats} scoreName={scoreName} />}
      {keys.length > 0 && (
        <CostPanel candidates={candidates} keys={keys} limits={limits} scoreName={scoreName} />
      )}
    </section>
  );
}
