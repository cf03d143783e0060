import { beforeAll, describe, expect, it } from 'vitest';
import { expectFlatTensorsInBothPhases } from '../../../../test/helpers/tensor-leaks';
import { chooseBackend } from '../../backend';
import { spaceOf } from '../../catalog';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData, loadSearchDataset } from '../../search/build-data';
import { SearchSession } from '../../search/session';
import type { CandidateScore, StepContext } from '../../search/strategy';
import { networksOf } from '../../spaces/registry';
import { Rng } from '../../util/rng';
import { rlnasSpec, RlnasSchema } from '../rlnas-spec';
import { Rlnas, trainingSampler } from './rlnas';
import { RLNAS_SPACES } from './spaces';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const SPACES = [
  { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

const RLNAS = { name: 'rlnas', population: 6, generations: 2, topK: 2, mutants: 2, crossovers: 2 };

const tiny: SearchConfigInput = {
  space: SPACES[1],
  strategy: RLNAS as SearchConfigInput['strategy'],
  epochs: 1,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: {
    source: 'synthetic',
    labels: 'random',
    synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
  },
};

async function session(overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...tiny, ...overrides });
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

function runAll(s: SearchSession<unknown>): CandidateScore[] {
  const out: CandidateScore[] = [];
  while (!s.done) out.push(...(s.runStep().candidates ?? []));
  return out;
}

describe('RLNAS', () => {
  it('every space it declares has its weight-vector module, and no other', () => {
    expect(Object.keys(RLNAS_SPACES).sort()).toEqual([...rlnasSpec.spaces].sort());
  });

  it('requires random labels, naming the field', () => {
    const bad = { ...tiny, data: { ...tiny.data, labels: 'true' } } as SearchConfigInput;
    expect(() => parseSearchConfig(bad)).toThrow(
      /data\.labels: strategy 'rlnas' searches with random labels/,
    );
    const unset = { ...tiny, data: { source: 'synthetic' } } as SearchConfigInput;
    expect(() => parseSearchConfig(unset)).toThrow(/set data\.labels to "random"/);
    // Other strategies keep the true labels by default.
    expect(parseSearchConfig({ ...unset, strategy: { name: 'spos' } }).data.labels).toBe('true');
  });

  it('its data: one label per image, uniform over the classes, fixed by the seed, unrelated to the true ones', async () => {
    const d = parseSearchConfig({
      ...tiny,
      data: { source: 'synthetic', labels: 'random', synthetic: { size: 4000, imageSize: 4, classes: 4 } },
    }).data;
    const a = await loadSearchDataset(d, 4);
    const b = await loadSearchDataset(d, 4);
    const truth = await loadSearchDataset({ ...d, labels: 'true' }, 4);
    expect(a.labels).toEqual(b.labels);
    const counts = [0, 1, 2, 3].map((k) => a.labels.filter((l) => l === k).length / a.labels.length);
    for (const c of counts) expect(Math.abs(c - 0.25)).toBeLessThan(0.03);
    const agree = a.labels.filter((l, i) => l === truth.labels[i]).length / a.labels.length;
    expect(Math.abs(agree - 0.25)).toBeLessThan(0.03);
  });

  it('validates its evolution and keeps the reference defaults', () => {
    expect(RlnasSchema.safeParse({ name: 'rlnas', population: 10, mutants: 6, crossovers: 6 }).success).toBe(
      false,
    );
    expect(RlnasSchema.safeParse({ name: 'rlnas', population: 10, topK: 11 }).success).toBe(false);
    expect(RlnasSchema.parse({ name: 'rlnas' })).toMatchObject({
      population: 50,
      generations: 20,
      topK: 10,
      mutants: 25,
      crossovers: 25,
      mutationProbability: 0.1,
      weightLr: 0.025,
      weightLrMin: 0.001,
      weightDecay: 5e-4,
      gradClip: 5,
    });
  });

  for (const space of SPACES) {
    it(`${space.name}: trains single paths on random labels, then evolves by angle and returns the largest angle`, async () => {
      const s = await session({ space });
      expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
        ['supernet', 1, 3],
        ['evolution', 3, 6],
      ]);
      const candidates = runAll(s);
      expect(candidates).toHaveLength(18);
      expect(new Set(candidates.map((c) => c.text)).size).toBe(18);
      const rlnas = s.strategy as Rlnas;
      // Each score is the candidate's angle with the trained supernet (recomputed now, the weights unchanged since).
      for (const c of candidates) {
        expect(c.score).toBe(rlnas.angleOf(c.genotype));
        expect(c.metrics.angle).toBe(c.score);
        expect(c.score).toBeGreaterThanOrEqual(0);
        expect(c.score).toBeLessThan(Math.PI);
      }
      expect(candidates.some((c) => c.score > 0)).toBe(true);
      const best = candidates.reduce((a, c) => (c.score > a.score ? c : a));
      expect(s.space.toText(s.strategy.derive())).toBe(best.text);
      s.dispose();
    });
  }

  it('with a seed, the same sequence of populations twice (and another with another seed)', async () => {
    const populations = async (seed: number) => {
      const s = await session({ seed });
      runAll(s);
      const p = (s.strategy as Rlnas).populations();
      const scores = s.strategy.getState().scalars.evolution;
      s.dispose();
      return { p, scores };
    };
    const a = await populations(4);
    expect(a.p).toHaveLength(3);
    expect(a.p.every((g) => g.length === 6)).toBe(true);
    expect(await populations(4)).toEqual(a);
    expect((await populations(5)).p).not.toEqual(a.p);
  });

  it('phase 1 draws only what the reference trains: NB201 every node fed by a non-none op, DARTS no none input', () => {
    for (const space of SPACES) {
      const config = parseSearchConfig({ ...tiny, space });
      const sp = spaceOf(config.space);
      const net = networksOf(sp.name).supernet(sp, { size: 8, channels: 3, classes: 4 }, new Rng(1));
      const parts = RLNAS_SPACES[sp.name](net, sp);
      const sample = trainingSampler(sp, parts.trainable);
      const rng = new Rng(6);
      const none = sp.choicePoints[0].options.indexOf('none');
      let rejectedBySpace = 0;
      for (let i = 0; i < 300; i++) {
        const c = sp.choices(sample(rng));
        expect(parts.trainable!(c)).toBe(true);
        if (!parts.trainable!(sp.choices(sp.sample(rng)))) rejectedBySpace += 1;
        if (sp.name === 'darts') for (const row of Object.values(c)) expect(row).not.toContain(none);
        else
          for (const edges of [[0], [1, 2], [3, 4, 5]])
            expect(edges.some((e) => c.cell[e] !== none)).toBe(true);
      }
      // The space's own sampler does draw the others, so the rejection is doing something.
      expect(rejectedBySpace).toBeGreaterThan(10);
      net.dispose();
    }
  });

  it('DARTS: the evolution proposes no candidate with a none input (the reference’s check_cand)', async () => {
    const s = await session({ space: SPACES[0] });
    const candidates = runAll(s);
    const none = s.space.choicePoints[0].options.indexOf('none');
    for (const c of candidates)
      for (const row of Object.values(s.space.choices(c.genotype))) expect(row).not.toContain(none);
    s.dispose();
  });

  it('scoring uses no data at all', async () => {
    const config = parseSearchConfig({
      ...tiny,
      strategy: {
        ...RLNAS,
        population: 4,
        generations: 1,
        mutants: 1,
        crossovers: 1,
      } as SearchConfigInput['strategy'],
    });
    const space = spaceOf(config.space);
    const net = networksOf(space.name).supernet(space, { size: 8, channels: 3, classes: 4 }, new Rng(2));
    const rlnas = new Rlnas({
      config: config.strategy as never,
      space,
      net,
      rng: new Rng(0),
      shape: { size: 8, channels: 3, classes: 4 },
    });
    const rng = new Rng(3);
    const ctx = (k: number): StepContext => ({
      info: {
        phase: 'evolution',
        phaseIndex: 1,
        epoch: k >> 2,
        stepInEpoch: k % 4,
        stepsPerEpoch: 4,
        totalEpochs: 2,
        globalStep: k,
      },
      rng,
      train: () => {
        throw new Error('RLNAS read a training batch while scoring');
      },
      val: () => {
        throw new Error('RLNAS read a validation batch while scoring');
      },
    });
    // Untrained: every candidate's angle is 0.
    for (let k = 0; k < 8; k++) expect(rlnas.step(ctx(k)).metrics.score).toBe(0);
    rlnas.dispose();
    net.dispose();
  });

  for (const space of SPACES) {
    it(`${space.name}: does not leak tensors over 20 steps of each phase`, async () => {
      const s = await session({
        space,
        stepsPerEpoch: 12,
        epochs: 2,
        strategy: { ...RLNAS, population: 8, generations: 3 } as SearchConfigInput['strategy'],
        data: {
          source: 'synthetic',
          labels: 'random',
          synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 },
        },
      });
      expect(s.phases.map((p) => p.epochs * p.stepsPerEpoch)).toEqual([24, 32]);
      expectFlatTensorsInBothPhases(s as SearchSession<unknown>, 'evolution');
      s.dispose();
    });
  }
});
