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
import type { InputShape, SearchSpace } from '../search/space';
import type { CandidateScore, StepContext } from '../search/strategy';
import { Rng } from '../util/rng';
import { costLimit, Spos, SposEvolution, type Proposal } from './spos';
import { SposSchema } from './spos-spec';
import { flopsBandSampler } from './single-path';

onCpuBackend();

const SPOS = {
  name: 'spos',
  population: 6,
  generations: 2,
  topK: 2,
  mutants: 2,
  crossovers: 2,
  scoreBatches: 1,
  recalibrationBatches: 2,
};

const tiny: SearchConfigInput = {
  ...TINY_RUN,
  space: SPACES[1],
  strategy: SPOS as SearchConfigInput['strategy'],
  epochs: 1,
};

const session = (overrides: Partial<SearchConfigInput> = {}) => searchSession({ ...tiny, ...overrides });

const SHAPE: InputShape = { size: 8, channels: 3, classes: 4 };
const spaceFor = (space: (typeof SPACES)[number]) => spaceOf(parseSearchConfig({ ...tiny, space }).space);

/** A scripted score: a fixed pseudo-random number per architecture text (no supernet). */
function scripted(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return (h % 1000) / 1000;
}

/** Drives a whole SposEvolution with the scripted score; returns its proposals in order. */
function evolve(
  space: SearchSpace,
  cfg: ConstructorParameters<typeof SposEvolution>[1],
  seed: number,
  admissible?: (a: unknown) => boolean,
) {
  const evo = new SposEvolution(space, cfg, admissible);
  const rng = new Rng(seed);
  const proposals: Proposal[] = [];
  for (let p = evo.propose(rng); p; p = evo.propose(rng)) {
    proposals.push(p);
    evo.record(p, { accuracy: scripted(p.text), loss: 0 });
  }
  return { evo, proposals };
}

describe('SPOS', () => {
  for (const space of SPACES) {
    it(`${space.name}: trains single paths, then evolves generation by generation and returns the best candidate ever seen`, async () => {
      const s = await session({ space });
      expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
        ['supernet', 1, 3],
        ['evolution', 3, 6],
      ]);
      const candidates = runToEnd(s);
      expect(candidates).toHaveLength(18);
      // Generation 0 is random; later ones start with mutants, then crossovers, then random fill.
      expect(candidates.slice(0, 6).every((c) => c.round === 'random')).toBe(true);
      const order = { mutation: 0, crossover: 1, random: 2 } as Record<string, number>;
      for (let g = 1; g < 3; g++) {
        const rounds = candidates.slice(6 * g, 6 * g + 6).map((c) => order[c.round]);
        expect(rounds).toEqual([...rounds].sort());
        expect(rounds.filter((r) => r === 0).length).toBeLessThanOrEqual(2);
        expect(rounds.filter((r) => r === 1).length).toBeLessThanOrEqual(2);
        expect(candidates.slice(6 * g, 6 * g + 6).every((c) => c.metrics.generation === g)).toBe(true);
      }
      // No architecture is scored twice.
      expect(new Set(candidates.map((c) => c.text)).size).toBe(18);
      // The answer: the best score, the first one on ties.
      const best = candidates.reduce((a, c) => (c.score > a.score ? c : a));
      expect(s.space.toText(s.strategy.derive())).toBe(best.text);
      // Phase 2's snapshot is the top-k's share of each option, and says so (phase 1's: sampling frequency).
      const snap = Object.values(s.strategy.architecture())[0];
      expect([snap.kind, snap.caption]).toEqual(['sampling', 'share of the top-k']);
      s.dispose();
    });
  }

  it('with a seed, the same sequence of populations twice (and another with another seed)', async () => {
    const populations = async (seed: number) => {
      const s = await session({ seed });
      runToEnd(s);
      const p = (s.strategy as Spos).populations();
      s.dispose();
      return p;
    };
    const a = await populations(4);
    expect(a).toHaveLength(3);
    expect(a.every((g) => g.length === 6)).toBe(true);
    expect(await populations(4)).toEqual(a);
    expect(await populations(5)).not.toEqual(a);
    // The evolution alone, with a scripted score: the same again.
    const space = spaceFor(SPACES[0]);
    const cfg = {
      population: 10,
      generations: 4,
      topK: 3,
      mutants: 4,
      crossovers: 4,
      mutationProbability: 0.1,
    };
    expect(evolve(space, cfg, 7).evo.populations).toEqual(evolve(space, cfg, 7).evo.populations);
  });

  for (const space of SPACES) {
    it(`${space.name}: mutation and crossover never give an invalid architecture, and the evolution never one outside the limits (many draws)`, () => {
      const sp = spaceFor(space);
      const rng = new Rng(11);
      const valid = (a: unknown) => {
        expect(() => sp.fromJson(sp.toJson(a))).not.toThrow();
        expect(sp.fromChoices(sp.choices(a))).toEqual(a);
      };
      const parents = Array.from({ length: 10 }, () => sp.sample(rng));
      for (let i = 0; i < 1500; i++) {
        const m = sp.mutate(parents[rng.int(10)], rng, { probability: 0.1 });
        const c = sp.crossover(parents[rng.int(10)], parents[rng.int(10)], rng);
        valid(m);
        valid(c);
        parents[rng.int(10)] = rng.uniform() < 0.5 ? m : c;
      }
      // Limits at the median FLOPs and parameters of random architectures: about half are rejected.
      const draws = Array.from({ length: 200 }, () => sp.sample(rng));
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
      const maxMFlops = median(draws.map((a) => sp.cost.archFlops(a, SHAPE) / 1e6));
      const maxMParams = median(draws.map((a) => sp.cost.archParams(a, SHAPE) / 1e6));
      const admissible = costLimit(sp, SHAPE, { maxMFlops, maxMParams });
      const { proposals, evo } = evolve(
        sp,
        { population: 20, generations: 8, topK: 5, mutants: 8, crossovers: 8, mutationProbability: 0.1 },
        3,
        admissible,
      );
      expect(proposals.length).toBe(180);
      expect(new Set(proposals.map((p) => p.text)).size).toBe(180);
      for (const p of proposals) {
        valid(p.arch);
        expect(sp.cost.archFlops(p.arch, SHAPE)).toBeLessThanOrEqual(maxMFlops * 1e6);
        expect(sp.cost.archParams(p.arch, SHAPE)).toBeLessThanOrEqual(maxMParams * 1e6);
      }
      expect(proposals.filter((p) => p.origin === 'mutation').length).toBeGreaterThan(0);
      expect(proposals.filter((p) => p.origin === 'crossover').length).toBeGreaterThan(0);
      // The top-k is the best k ever scored, best first.
      const scores = evo.history.map((c) => c.score).sort((a, b) => b - a);
      expect(evo.topK.map((i) => evo.history[i].score)).toEqual(scores.slice(0, 5));
    });
  }

  it('mutants (each decision redrawn with p = 0.1) and crossovers come from the top-k of the generations before', () => {
    const sp = spaceFor(SPACES[1]);
    const calls: Array<{ kind: string; parents: unknown[]; probability?: number }> = [];
    const spy = Object.create(sp, {
      mutate: {
        value: (a: unknown, r: Rng, o?: { probability?: number }) => (
          calls.push({ kind: 'mutation', parents: [a], probability: o?.probability }),
          sp.mutate(a, r, o)
        ),
      },
      crossover: {
        value: (a: unknown, b: unknown, r: Rng) => (
          calls.push({ kind: 'crossover', parents: [a, b] }),
          sp.crossover(a, b, r)
        ),
      },
    }) as SearchSpace;
    const evo = new SposEvolution(spy, {
      population: 12,
      generations: 3,
      topK: 3,
      mutants: 5,
      crossovers: 5,
      mutationProbability: 0.1,
    });
    const rng = new Rng(2);
    let checked = 0;
    for (;;) {
      const top = evo.parents().map((a) => sp.toText(a));
      calls.length = 0;
      const p = evo.propose(rng);
      if (!p) break;
      for (const c of calls) {
        for (const a of c.parents) expect(top).toContain(sp.toText(a));
        if (c.kind === 'mutation') expect(c.probability).toBe(0.1);
        checked += 1;
      }
      if (p.origin !== 'random') expect(calls.at(-1)!.kind).toBe(p.origin);
      evo.record(p, { accuracy: scripted(p.text), loss: 0 });
    }
    expect(checked).toBeGreaterThan(10);
    expect(evo.history).toHaveLength(48);
  });

  it('ends the evolution early, with the reason, when no unseen candidate within the limits is left', async () => {
    // Two ops on six edges: 64 architectures, fewer than the 8 × (1 + 9) the evolution asks for.
    const s = await session({
      space: {
        name: 'nb201',
        channels: 2,
        cellsPerStage: 1,
        ops: ['skip_connect', 'nor_conv_1x1'],
      } as SearchConfigInput['space'],
      strategy: {
        ...SPOS,
        population: 8,
        generations: 9,
        topK: 2,
        mutants: 3,
        crossovers: 3,
      } as SearchConfigInput['strategy'],
    });
    let reason: string | undefined;
    const candidates: CandidateScore[] = [];
    while (!s.done) {
      const r = s.runStep();
      candidates.push(...(r.candidates ?? []));
      if (r.phaseEnd?.phase === 'evolution') reason = r.phaseEnd.reason;
    }
    expect(reason).toMatch(/no unseen candidate/);
    expect(new Set(candidates.map((c) => c.text)).size).toBe(64);
    s.dispose();
  });

  it('a FLOPs band: phase 1 draws its paths within it', () => {
    const sp = spaceFor(SPACES[0]);
    const rng = new Rng(8);
    const flops = (a: unknown) => sp.cost.archFlops(a, SHAPE) / 1e6;
    const all = Array.from({ length: 400 }, () => flops(sp.sample(rng))).sort((a, b) => a - b);
    const [min, max] = [all[100], all[300]];
    const sample = flopsBandSampler(sp, flops, { min, max, bins: 4 });
    for (let i = 0; i < 200; i++) {
      const f = flops(sample(rng));
      expect(f).toBeGreaterThanOrEqual(min);
      expect(f).toBeLessThanOrEqual(max);
    }
  });

  it('validates its config: mutants + crossovers within the population, a band with both ends', () => {
    expect(SposSchema.safeParse({ name: 'spos', population: 10, mutants: 6, crossovers: 6 }).success).toBe(
      false,
    );
    expect(
      SposSchema.safeParse({ name: 'spos', population: 10, topK: 11, mutants: 2, crossovers: 2 }).success,
    ).toBe(false);
    expect(SposSchema.safeParse({ name: 'spos', flopsBandMin: 10 }).success).toBe(false);
    expect(SposSchema.safeParse({ name: 'spos', flopsBandMin: 10, flopsBandMax: 5 }).success).toBe(false);
    expect(SposSchema.parse({ name: 'spos' })).toMatchObject({
      population: 50,
      generations: 20,
      topK: 10,
      mutants: 25,
      crossovers: 25,
      mutationProbability: 0.1,
      recalibrationBatches: 200,
    });
  });

  it('a FLOPs limit rejects and redraws: every scored candidate is within it', async () => {
    const sp = spaceFor(SPACES[0]);
    const rng = new Rng(1);
    const draws = Array.from({ length: 100 }, () => sp.cost.archFlops(sp.sample(rng), SHAPE) / 1e6).sort(
      (a, b) => a - b,
    );
    const s = await session({
      space: SPACES[0],
      strategy: { ...SPOS, maxMFlops: draws[50] } as SearchConfigInput['strategy'],
    });
    const candidates = runToEnd(s);
    expect(candidates).toHaveLength(18);
    for (const c of candidates) expect(c.metrics.mflops).toBeLessThanOrEqual(draws[50]);
    s.dispose();
  });

  for (const space of SPACES) {
    it(`${space.name}: does not leak tensors over 20 steps of each phase`, async () => {
      const s = await session({
        space,
        stepsPerEpoch: 12,
        epochs: 2,
        strategy: { ...SPOS, population: 8, generations: 3 } as SearchConfigInput['strategy'],
        data: { source: 'synthetic', synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 } },
      });
      expect(s.phases.map((p) => p.epochs * p.stepsPerEpoch)).toEqual([24, 32]);
      expectFlatTensorsInBothPhases(s as SearchSession<unknown>, 'evolution');
      s.dispose();
    });
  }

  it('a scripted scorer sees every candidate once, through the strategy’s step', async () => {
    const config = parseSearchConfig({
      ...tiny,
      strategy: {
        ...SPOS,
        population: 4,
        generations: 1,
        mutants: 1,
        crossovers: 1,
      } as SearchConfigInput['strategy'],
    });
    const net = { parameters: () => [] } as never;
    const space = spaceOf(config.space);
    const seen: string[] = [];
    const spos = new Spos(
      { config: config.strategy as never, space, net, rng: new Rng(0), shape: SHAPE },
      {
        scorer: (a) => {
          seen.push(space.toText(a));
          return { accuracy: scripted(space.toText(a)), loss: 1 };
        },
      },
    );
    const rng = new Rng(3);
    const ctx = (k: number): StepContext =>
      noBatchContext(
        {
          phase: 'evolution',
          phaseIndex: 1,
          epoch: Math.floor(k / 4),
          stepInEpoch: k % 4,
          stepsPerEpoch: 4,
          totalEpochs: 2,
          globalStep: k,
        },
        rng,
      );
    const scores = Array.from({ length: 8 }, (_, k) => spos.step(ctx(k)).metrics.score);
    expect(seen).toHaveLength(8);
    expect(scores).toEqual(seen.map(scripted));
    expect(space.toText(spos.derive())).toBe(seen[scores.indexOf(Math.max(...scores))]);
  });
});
