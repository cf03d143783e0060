import { describe, expect, it } from 'vitest';
import { parseSearchConfig } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_RUN, TINY_SPACES } from '../helpers/tiny-search';

onCpuBackend();

/**
 * Each strategy with the steps to pause at: one in phase 1 (steps 0–5), then in phase 2 — SPOS in the
 * random generation 0 (steps 6–11) and inside generation 1's mutation and crossover stages (the stage
 * and its draw counts are state); regularized evolution in its initial population and in its cycles.
 */
const STRATEGIES: Array<{ strategy: Record<string, unknown>; pauses: number[]; candidates: number }> = [
  {
    strategy: {
      name: 'spos',
      population: 6,
      generations: 2,
      topK: 2,
      mutants: 2,
      crossovers: 2,
      scoreBatches: 1,
      recalibrationBatches: 2,
    },
    pauses: [2, 8, 13],
    candidates: 18,
  },
  {
    strategy: {
      name: 'regularized-evolution',
      population: 4,
      sampleSize: 2,
      cycles: 10,
      scoreBatches: 1,
      recalibrationBatches: 2,
    },
    pauses: [2, 8, 12],
    candidates: 10,
  },
];

// Through the run folder, as the app runs them: paused at step boundaries, checkpointed, resumed in a
// new session each time; the end state must equal the uninterrupted run's, bit for bit.
describe('SPOS and regularized evolution pause and resume losslessly in both phases (cpu)', () => {
  for (const { strategy, pauses, candidates } of STRATEGIES)
    for (const space of TINY_SPACES) {
      it(`${strategy.name} on ${space.name}: paused in phase 1 and twice in phase 2, then resumed, ends bit for bit where the uninterrupted run ends`, async () => {
        const config = parseSearchConfig({ ...TINY_RUN, space, strategy });
        const { run: b } = await expectLosslessResume(config, pauses, 'nas-evo-');
        const kinds = b.readMetrics().map((m) => m.kind);
        expect(kinds.filter((k) => k === 'candidate')).toHaveLength(candidates);
        expect(kinds.filter((k) => k === 'phase')).toHaveLength(2);
      });
    }
});
