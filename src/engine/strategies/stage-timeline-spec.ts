import type { MetricSpec } from '../search/strategy';

/**
 * The epoch metrics a staged strategy (P-DARTS) writes for the dashboard's stage timeline, tfjs-free
 * so that the engine writes and the dashboard reads them through one definition. Metric records hold
 * numbers only, so what an edge dropped is a key per op with the value 1:
 * `droppedOp:<stage>:<label>:<row>:<op>`, stage from 1, row the label's row (its snapshot's `rows`).
 */
const DROPPED = 'droppedOp';

/** The chart key of the timeline's metrics (epoch metrics: no curve is drawn of them). */
export const STAGE_TIMELINE_CHART = 'stage-timeline';

/** Epoch metrics of the final cell's skip limit (the last stage's epochs): its skips before and after. */
export const SKIP_LIMIT_KEYS = { before: 'skipsBeforeLimit', after: 'skipsAfterLimit' } as const;

export function droppedOpKey(stage: number, label: string, row: number, op: string): string {
  return `${DROPPED}:${stage}:${label}:${row}:${op}`;
}

export interface DroppedOp {
  stage: number;
  label: string;
  row: number;
  op: string;
}

/** The parts of a dropped-op key; null for any other key. */
export function parseDroppedOpKey(key: string): DroppedOp | null {
  const m = /^droppedOp:(\d+):([^:]+):(\d+):(.+)$/.exec(key);
  return m ? { stage: Number(m[1]), label: m[2], row: Number(m[3]), op: m[4] } : null;
}

/** The declared metrics (the dropped-op keys are per stage, edge and op, so not listed one by one). */
export function stageTimelineMetrics(label: string): MetricSpec[] {
  return [
    {
      key: SKIP_LIMIT_KEYS.before,
      title: `skip connections of the final ${label} cell before the limit`,
      chart: STAGE_TIMELINE_CHART,
    },
    {
      key: SKIP_LIMIT_KEYS.after,
      title: `skip connections of the final ${label} cell after the limit`,
      chart: STAGE_TIMELINE_CHART,
    },
  ];
}
