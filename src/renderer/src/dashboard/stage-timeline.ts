import type { StagePlan, StageTimelinePlan } from '../../../engine/search/strategy';
import { parseDroppedOpKey, SKIP_LIMIT_KEYS } from '../../../engine/strategies/stage-timeline-spec';
import type { RunSummary } from '../../../shared/api';
import type { EpochRecord, PhaseRecord } from './metrics-log';

/**
 * The stage timeline of a staged search (P-DARTS): the strategy's plan (its spec's `stageTimeline`)
 * joined with what the run logged — which stages started (phase records), how many epochs each has
 * ended (epoch records name their phase), the ops every edge dropped at a stage's end and the final
 * cell's skip limit (epoch metrics, strategies/stage-timeline-spec.ts).
 */

/** done: ended; running: the run is in it now; halted: the run stopped in it (paused, failed, …). */
export type StageState = 'done' | 'running' | 'pending' | 'halted';

export interface EdgeDrops {
  label: string;
  row: number;
  /** The edge as the snapshot names it ('c_{k-1} → 2'), or its row number in old records. */
  edge: string;
  ops: string[];
}

export interface StageRow extends StagePlan {
  /** From 1. */
  stage: number;
  state: StageState;
  /** Epoch records of its phase so far. */
  epochsEnded: number;
  /** What its end dropped per edge: null until recorded (and for the last stage, which derives). */
  dropped: EdgeDrops[] | null;
  /** Why it ended before its planned epochs (the next phase record's reason). */
  stoppedEarly?: string;
}

export interface StageTimeline {
  rows: StageRow[];
  /** The final cell's skip limit; `before`/`after` once the last stage logged them. */
  skipLimit: { label: string; max: number; before?: number; after?: number } | null;
}

const numberOf = (r: EpochRecord, key: string): number | undefined => {
  const v = (r as unknown as Record<string, unknown>)[key];
  return typeof v === 'number' ? v : undefined;
};

export function stageTimeline(
  plan: StageTimelinePlan,
  epochs: readonly EpochRecord[],
  phases: readonly PhaseRecord[],
  status: RunSummary['status'],
): StageTimeline {
  const index = new Map(plan.stages.map((s, i) => [s.phase, i]));
  const started = [...phases.map((p) => p.phase), ...epochs.flatMap((e) => (e.phase ? [e.phase] : []))]
    .map((p) => index.get(p))
    .filter((i): i is number => i !== undefined);
  // A run with steps but no phase record yet (the first one is written with its first step) is in stage 1.
  const current = started.length ? Math.max(...started) : status === 'running' ? 0 : -1;
  const stateOf = (i: number): StageState => {
    if (i < current) return 'done';
    if (i > current) return 'pending';
    if (status === 'completed') return 'done';
    if (status === 'running' || status === 'pausing') return 'running';
    return status === 'queued' ? 'pending' : 'halted';
  };
  const rowName = (label: string, row: number) => {
    for (let k = epochs.length - 1; k >= 0; k--) {
      const name = epochs[k].arch?.[label]?.rows?.[row];
      if (name) return name;
    }
    return `edge ${row}`;
  };
  // Dropped ops per stage, then per (label, row).
  const drops = new Map<number, Map<string, EdgeDrops>>();
  for (const r of epochs)
    for (const key of Object.keys(r)) {
      const d = parseDroppedOpKey(key);
      if (!d || numberOf(r, key) !== 1) continue;
      const perEdge = drops.get(d.stage) ?? new Map<string, EdgeDrops>();
      drops.set(d.stage, perEdge);
      const id = `${d.label}:${d.row}`;
      const edge = perEdge.get(id) ?? { label: d.label, row: d.row, edge: rowName(d.label, d.row), ops: [] };
      perEdge.set(id, edge);
      if (!edge.ops.includes(d.op)) edge.ops.push(d.op);
    }
  const rows: StageRow[] = plan.stages.map((s, i) => {
    const perEdge = drops.get(i + 1);
    const reason = phases.find((p) => p.phase === plan.stages[i + 1]?.phase)?.reason;
    return {
      ...s,
      stage: i + 1,
      state: stateOf(i),
      epochsEnded: epochs.filter((e) => e.phase === s.phase).length,
      dropped: perEdge
        ? [...perEdge.values()].sort((a, b) => a.label.localeCompare(b.label) || a.row - b.row)
        : null,
      ...(reason ? { stoppedEarly: reason } : {}),
    };
  });
  let skipLimit: StageTimeline['skipLimit'] = null;
  if (plan.skipLimit) {
    skipLimit = { ...plan.skipLimit };
    const last = [...epochs].reverse().find((e) => numberOf(e, SKIP_LIMIT_KEYS.after) !== undefined);
    if (last)
      Object.assign(skipLimit, {
        before: numberOf(last, SKIP_LIMIT_KEYS.before),
        after: numberOf(last, SKIP_LIMIT_KEYS.after),
      });
  }
  return { rows, skipLimit };
}
