import { describe, expect, it } from 'vitest';
import { expectFlatTensorsInBothPhases } from '../../../test/helpers/tensor-leaks';
import {
  noBatchContext,
  onCpuBackend,
  runToEnd,
  searchSession,
  TINY_RUN,
  TINY_SPACES as SPACES,
} from '../../../test/helpers/tiny-search';
import { spaceOf } from '../catalog';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { SearchSession } from '../search/session';
import type { SearchSpace } from '../search/space';
import { Rng } from '../util/rng';
import { AgingEvolution, RegularizedEvolution } from './evolution';
import { RegularizedEvolutionSchema } from './evolution-spec';

onCpuBackend();

const REA = {
  name: 'regularized-evolution',
  population: 4,
  sampleSize: 2,
  cycles: 10,
  scoreBatches: 1,
  recalibrationBatches: 2,
};

const tiny: SearchConfigInput = {
  ...TINY_RUN,
  space: SPACES[1],
  strategy: REA as SearchConfigInput['strategy'],
  epochs: 1,
};

const session = (overrides: Partial<SearchConfigInput> = {}) => searchSession({ ...tiny, ...overrides });

const spaceFor = (space: (typeof SPACES)[number]) => spaceOf(parseSearchConfig({ ...tiny, space }).space);

/** A strategy with a scripted scorer (no supernet step is run) and a step context without batches. */
function scripted(
  space: SearchSpace,
  cfg: { population: number; sampleSize: number; cycles: number },
  score: (k: number, text: string) => number,
) {
  const config = RegularizedEvolutionSchema.parse({ name: 'regularized-evolution', ...cfg });
  let k = 0;
  const strategy = new RegularizedEvolution(
    { config, space, net: { parameters: () => [] } as never, rng: new Rng(0) },
    { scorer: (a) => ({ accuracy: score(k++, space.toText(a)), loss: 0 }) },
  );
  const rng = new Rng(6);
  const step = (i: number) =>
    strategy.step(
      noBatchContext(
        {
          phase: 'evolution',
          phaseIndex: 1,
          epoch: 0,
          stepInEpoch: i,
          stepsPerEpoch: cfg.cycles,
          totalEpochs: 1,
          globalStep: i,
        },
        rng,
      ),
    );
  return { strategy, step, rng };
}

describe('regularized evolution', () => {
  for (const space of SPACES) {
    it(`${space.name}: trains single paths, then ages a population of mutants; the answer is the best of the history`, async () => {
      const s = await session({ space });
      expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
        ['supernet', 1, 3],
        ['evolution', 1, 10],
      ]);
      const candidates = runToEnd(s);
      expect(candidates.map((c) => c.round)).toEqual([
        ...Array(4).fill('initial'),
        ...Array(6).fill('mutation'),
      ]);
      const aging = (s.strategy as RegularizedEvolution).aging;
      // The population is the newest P of the history.
      expect(aging.population).toEqual([6, 7, 8, 9]);
      // Each child is its parent with one decision changed.
      for (const c of aging.history.filter((h) => h.origin === 'mutation')) {
        const parent = aging.history[c.parent as number];
        expect(c.text).not.toBe(parent.text);
        if (space.name === 'nb201') {
          const [a, b] = [s.space.choices(c.genotype).cell, s.space.choices(parent.genotype).cell];
          expect(a.filter((k, i) => k !== b[i])).toHaveLength(1);
        }
      }
      const best = candidates.reduce((a, c) => (c.score > a.score ? c : a));
      expect(s.space.toText(s.strategy.derive())).toBe(best.text);
      // Each candidate's cost at the data's shape, in millions (the dashboard's cost axis).
      const shape = { size: 8, channels: 3, classes: 4 };
      for (const c of candidates) {
        expect(c.metrics.mflops).toBeCloseTo(s.space.cost.archFlops(c.genotype, shape) / 1e6, 12);
        expect(c.metrics.mparams).toBeCloseTo(s.space.cost.archParams(c.genotype, shape) / 1e6, 12);
      }
      // Phase 2's snapshot is the population's share of each option, and says so.
      expect(Object.values(s.strategy.architecture())[0].caption).toBe('share of the population');
      s.dispose();
    });
  }

  it('the parent is the best of a tournament drawn with replacement from the population (the first on ties)', () => {
    const space = spaceFor(SPACES[1]);
    const cfg = { population: 5, sampleSize: 3, cycles: 40 };
    const evo = new AgingEvolution(space, cfg);
    const rng = new Rng(9);
    for (let i = 0; i < cfg.cycles; i++) {
      let expected: number | undefined;
      if (evo.history.length >= cfg.population) {
        const probe = new Rng(rng.getState());
        const drawn = Array.from(
          { length: cfg.sampleSize },
          () => evo.population[probe.int(evo.population.length)],
        );
        expected = drawn.reduce((a, m) => (evo.history[m].score > evo.history[a].score ? m : a));
      }
      const p = evo.propose(rng);
      expect(p.parent).toBe(expected);
      // Coarse scores so that ties happen.
      evo.record(p, { accuracy: Math.floor(new Rng(i).uniform() * 3) / 3, loss: 0 });
    }
  });

  it('keeps the best-ever answer when the best member ages out of the population (scripted scorer)', () => {
    const space = spaceFor(SPACES[1]);
    // The second architecture scores 0.99; every later one less than all before it.
    const { strategy, step } = scripted(space, { population: 3, sampleSize: 2, cycles: 12 }, (k) =>
      k === 1 ? 0.99 : 0.5 - k * 0.01,
    );
    const texts: string[] = [];
    const results = Array.from({ length: 12 }, (_, i) => {
      const r = step(i);
      texts.push(r.candidates![0].text);
      return r.metrics;
    });
    const aging = strategy.aging;
    // Index 1 left the population at cycle 5 (after the children at indices 3 and 4 joined).
    expect(aging.population).toEqual([9, 10, 11]);
    expect(results[3].populationBest).toBe(0.99);
    expect(results[4].populationBest).toBeLessThan(0.99);
    expect(results.slice(1).every((m) => m.bestScore === 0.99)).toBe(true);
    expect(space.toText(strategy.derive())).toBe(texts[1]);
    expect(strategy.aging.best()!.text).toBe(texts[1]);
  });

  it('validates its config: the initial population is part of the cycles', () => {
    expect(
      RegularizedEvolutionSchema.safeParse({ name: 'regularized-evolution', population: 10, cycles: 5 })
        .success,
    ).toBe(false);
    expect(RegularizedEvolutionSchema.parse({ name: 'regularized-evolution' })).toMatchObject({
      population: 10,
      sampleSize: 3,
      cycles: 200,
    });
  });

  for (const space of SPACES) {
    it(`${space.name}: does not leak tensors over 20 steps of each phase`, async () => {
      const s = await session({
        space,
        stepsPerEpoch: 12,
        epochs: 2,
        strategy: { ...REA, cycles: 24 } as SearchConfigInput['strategy'],
        data: { source: 'synthetic', synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 } },
      });
      expect(s.phases.map((p) => p.epochs * p.stepsPerEpoch)).toEqual([24, 24]);
      expectFlatTensorsInBothPhases(s as SearchSession<unknown>, 'evolution');
      s.dispose();
    });
  }
});
