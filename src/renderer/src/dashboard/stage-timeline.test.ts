import { describe, expect, it } from 'vitest';
import { strategySpec } from '../../../engine/catalog';
import type { StageTimelinePlan } from '../../../engine/search/strategy';
import { parseSearchConfig } from '../../../shared/search-config';
import { parseMetricsLog } from './metrics-log';
import { stageTimeline } from './stage-timeline';

const arch = {
  normal: {
    kind: 'softmax',
    title: 'normal cell',
    rows: ['c_{k-2} → 2', 'c_{k-1} → 2'],
    options: [],
    values: [],
  },
  reduce: {
    kind: 'softmax',
    title: 'reduction cell',
    rows: ['c_{k-2} → 2', 'c_{k-1} → 2'],
    options: [],
    values: [],
  },
};
const epoch = (step: number, e: number, phase: string, extra: Record<string, number> = {}) => ({
  kind: 'epoch',
  step,
  epoch: e,
  phase,
  arch,
  genotype: null,
  ...extra,
});

/** A P-DARTS log of 3 stages × 2 epochs, cut after stage 3's first epoch (the run is still going). */
const LOG: Array<Record<string, unknown>> = [
  { kind: 'phase', step: 0, phase: 'stage1', title: 'stage 1' },
  epoch(1, 0, 'stage1'),
  epoch(3, 1, 'stage1', {
    'droppedOp:1:normal:0:none': 1,
    'droppedOp:1:normal:0:avg_pool_3x3': 1,
    'droppedOp:1:normal:1:max_pool_3x3': 1,
    'droppedOp:1:reduce:1:skip_connect': 1,
    valAcc: 0.4,
  }),
  { kind: 'phase', step: 4, phase: 'stage2', title: 'stage 2' },
  epoch(5, 0, 'stage2'),
  { kind: 'phase', step: 6, phase: 'stage3', title: 'stage 3', reason: 'collapse alarm: skips' },
  // Stage 2 was stopped by the alarm: its drops come with stage 3's first epoch end.
  epoch(7, 0, 'stage3', { 'droppedOp:2:normal:1:sep_conv_5x5': 1, skipsBeforeLimit: 3, skipsAfterLimit: 2 }),
];

const PLAN: StageTimelinePlan = {
  stages: [1, 2, 3].map((s) => ({
    phase: `stage${s}`,
    cells: [5, 11, 17][s - 1],
    opsPerEdge: [8, 5, 3][s - 1],
    epochs: 2,
    warmupEpochs: 1,
    keepOps: [5, 3, 1][s - 1],
  })),
  skipLimit: { label: 'normal', max: 2 },
};

describe('the P-DARTS stage timeline from a metrics log', () => {
  it('states, epochs ended, dropped ops per edge (named by the snapshot), early stops, the skip limit', () => {
    const log = parseMetricsLog(LOG);
    const t = stageTimeline(PLAN, log.epochs, log.phases, 'running');
    expect(t.rows.map((r) => r.state)).toEqual(['done', 'done', 'running']);
    expect(t.rows.map((r) => r.epochsEnded)).toEqual([2, 1, 1]);
    expect(t.rows[0].dropped).toEqual([
      { label: 'normal', row: 0, edge: 'c_{k-2} → 2', ops: ['none', 'avg_pool_3x3'] },
      { label: 'normal', row: 1, edge: 'c_{k-1} → 2', ops: ['max_pool_3x3'] },
      { label: 'reduce', row: 1, edge: 'c_{k-1} → 2', ops: ['skip_connect'] },
    ]);
    expect(t.rows[1].dropped).toEqual([
      { label: 'normal', row: 1, edge: 'c_{k-1} → 2', ops: ['sep_conv_5x5'] },
    ]);
    expect(t.rows[2].dropped).toBeNull();
    expect(t.rows.map((r) => r.stoppedEarly)).toEqual([undefined, 'collapse alarm: skips', undefined]);
    expect(t.skipLimit).toEqual({ label: 'normal', max: 2, before: 3, after: 2 });
  });

  it('a paused run halts in its stage; a queued one has not started; a completed one is done', () => {
    const cut = parseMetricsLog(LOG.slice(0, 4));
    expect(stageTimeline(PLAN, cut.epochs, cut.phases, 'paused').rows.map((r) => r.state)).toEqual([
      'done',
      'halted',
      'pending',
    ]);
    expect(stageTimeline(PLAN, [], [], 'queued').rows.map((r) => r.state)).toEqual([
      'pending',
      'pending',
      'pending',
    ]);
    expect(stageTimeline(PLAN, [], [], 'running').rows.map((r) => r.state)).toEqual([
      'running',
      'pending',
      'pending',
    ]);
    const all = parseMetricsLog(LOG);
    expect(stageTimeline(PLAN, all.epochs, all.phases, 'completed').rows.map((r) => r.state)).toEqual([
      'done',
      'done',
      'done',
    ]);
    expect(stageTimeline({ stages: PLAN.stages }, all.epochs, all.phases, 'completed').skipLimit).toBeNull();
  });

  it("P-DARTS declares it: its spec's plan of the reference's stages (5 → 11 → 17 cells, 8 → 5 → 3 ops)", () => {
    const c = parseSearchConfig({
      space: { name: 'darts', cells: 5 },
      strategy: { name: 'pdarts' },
      epochs: 25,
    });
    const plan = strategySpec('pdarts').stageTimeline!(c.strategy as never, {
      space: c.space,
      epochs: c.epochs,
    });
    expect(
      plan.stages.map((s) => [s.phase, s.cells, s.opsPerEdge, s.epochs, s.warmupEpochs, s.keepOps]),
    ).toEqual([
      ['stage1', 5, 8, 25, 10, 5],
      ['stage2', 11, 5, 25, 10, 3],
      ['stage3', 17, 3, 25, 10, 1],
    ]);
    expect(plan.skipLimit).toEqual({ label: 'normal', max: 2 });
    // A strategy without stages declares none: no timeline.
    expect(strategySpec('darts').stageTimeline).toBeUndefined();
  });
});
