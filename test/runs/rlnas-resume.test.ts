import { describe, expect, it } from 'vitest';
import { parseSearchConfig, type SearchConfigInput } from '../../src/engine/search/config';
import { expectLosslessResume } from '../helpers/run-state';
import { onCpuBackend, TINY_IMAGES, TINY_RUN, TINY_SPACES } from '../helpers/tiny-search';

onCpuBackend();

const SPACES = [
  ...TINY_SPACES,
  {
    name: 'mobilenet',
    stemChannels: 2,
    firstChannels: 2,
    widths: [4, 8],
    depths: [2, 2],
    strides: [1, 2],
    lastChannels: 8,
  },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

const base: SearchConfigInput = {
  ...TINY_RUN,
  strategy: {
    name: 'rlnas',
    population: 6,
    generations: 2,
    topK: 2,
    mutants: 2,
    crossovers: 2,
  } as SearchConfigInput['strategy'],
  data: { ...TINY_IMAGES, labels: 'random' },
};

// Paused in phase 1 (steps 0–5), in the random generation 0 (6–11) and inside generation 1's mutation
// and crossover stages, each time checkpointed and resumed in a new session: the end state (every
// tensor, the initial weights among them, and every metric, the angles among them) must equal the
// uninterrupted run's, bit for bit.
describe('RLNAS pauses and resumes losslessly in both phases (cpu)', () => {
  for (const space of SPACES)
    it(`on ${space.name}: paused in phase 1 and twice in phase 2, then resumed, ends bit for bit where the uninterrupted run ends`, async () => {
      const config = parseSearchConfig({ ...base, space });
      const { run: b, end } = await expectLosslessResume(config, [2, 8, 13], 'nas-rlnas-');
      // The checkpoint holds the initial weights, one per parameter, apart from the trained ones.
      const initial = Object.keys(end.tensors).filter((k) => k.startsWith('strategy.initial.'));
      expect(initial.length).toBeGreaterThan(10);
      const moved = initial.filter((k) => {
        const t = end.tensors[`network.${k.slice('strategy.initial.'.length)}`];
        return !Buffer.from(t.data.buffer).equals(Buffer.from(end.tensors[k].data.buffer));
      });
      expect(moved.length).toBeGreaterThan(0);
      const kinds = b.readMetrics().map((m) => m.kind);
      expect(kinds.filter((k) => k === 'candidate')).toHaveLength(18);
    });
});
