import { beforeAll, describe, expect, it } from 'vitest';
import { expectFlatTensorsInBothPhases } from '../../../test/helpers/tensor-leaks';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { sampleAssignment } from '../search/supernet';
import { DartsSearchSpace } from '../spaces/darts/space';
import type { SearchNetwork } from '../spaces/darts/supernet';
import { Rng } from '../util/rng';
import type { Genotype } from '../spaces/darts/genotype-types';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/** Both registered spaces, each tiny. */
const SPACES = [
  { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as SearchConfigInput['space'][] as Array<{ name: string } & SearchConfigInput['space']>;

const tiny: SearchConfigInput = {
  space: { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  strategy: { name: 'random-search', candidates: 4, scoreBatches: 1, rescoreTop: 2 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

async function session(overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...tiny, ...overrides });
  return new SearchSession<Genotype>(config, await buildSearchData(config));
}

describe('random search with weight sharing', () => {
  it('runs its two phases: trains on sampled paths, scores candidates, re-scores the best and returns the winner', async () => {
    const s = await session();
    expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
      ['supernet', 2, 3],
      ['evaluate', 1, 6],
    ]);
    const candidates = [];
    while (!s.done) {
      const r = s.runStep();
      if (r.info.phase === 'supernet') expect(r.metrics.trainLoss).toBeGreaterThan(0);
      candidates.push(...(r.candidates ?? []));
    }
    expect(candidates.map((c) => c.round)).toEqual([
      'sample',
      'sample',
      'sample',
      'sample',
      'rescore',
      'rescore',
    ]);
    // The re-scored ones are the two best samples, best first (a stable sort: ties keep sampling order).
    const samples = candidates.slice(0, 4);
    const order = samples.map((c, i) => [c.score, i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    expect(candidates.slice(4).map((c) => c.text)).toEqual(order.slice(0, 2).map(([, i]) => samples[i].text));
    // The answer is the best re-scored candidate.
    const rescored = candidates.slice(4);
    const winner = rescored[0].score >= rescored[1].score ? rescored[0] : rescored[1];
    expect(s.strategy.derive()).toEqual(winner.genotype);
    const space = s.space as DartsSearchSpace;
    expect(space.toText(s.strategy.derive())).toBe(winner.text);
    // Each candidate's cost at the data's shape (8×8×3, 4 classes), in millions (the dashboard's cost axis).
    const shape = { size: 8, channels: 3, classes: 4 };
    for (const c of candidates) {
      expect(c.metrics.mflops).toBeCloseTo(space.cost.archFlops(c.genotype as Genotype, shape) / 1e6, 12);
      expect(c.metrics.mparams).toBeCloseTo(space.cost.archParams(c.genotype as Genotype, shape) / 1e6, 12);
      expect(c.metrics.mflops).toBeGreaterThan(0);
    }
    s.dispose();
  });

  it('a sampled forward pass equals the reference formulation: one-hot weights on the chosen ops, zero rows on the unchosen edges', async () => {
    const s = await session();
    const space = s.space as DartsSearchSpace;
    const arch = space.sample(new Rng(12));
    const choices = space.choices(arch);
    const oneHot = Object.fromEntries(
      Object.entries(choices).map(([label, row]) => [
        label,
        {
          kind: 'mix' as const,
          weights: tf.tensor2d(row.map((k) => space.config.ops.map((_, j) => (j === k ? 1 : 0)))),
        },
      ]),
    );
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const ctx = { training: true, frozenStats: true };
    const a = s.network.logits(x, sampleAssignment(choices), ctx);
    const b = s.network.logits(x, oneHot, ctx);
    const diff = tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([a, b, x, ...Object.values(oneHot).map((o) => o.weights)]);
    s.dispose();
  });

  it('moves only the weights of the sampled path (the others have no gradient, as the reference sets grad = None)', async () => {
    const s = await session();
    const net = s.network as unknown as SearchNetwork;
    const before = new Map(net.namedParameters().map(([n, v]) => [n, v.dataSync().slice()]));
    // The architecture the first step will draw: the same generator state, one draw.
    const probe = new Rng(s.counters().rng);
    const arch = (s.space as DartsSearchSpace).sample(probe);
    const choices = (s.space as DartsSearchSpace).choices(arch);
    s.runStep();
    const moved = (v: tf.Variable) => {
      const name = net.namedParameters().find(([, w]) => w === v)![0];
      return v.dataSync().some((x, i) => x !== before.get(name)![i]);
    };
    for (const label of ['normal', 'reduce'])
      choices[label].forEach((chosen, row) => {
        space_ops: for (let k = 0; k < 8; k++) {
          const params = net.optionParameters(label, row, k);
          if (params.length === 0) continue space_ops;
          const shouldMove = k === chosen;
          for (const p of params) expect(moved(p), `${label} row ${row} op ${k}`).toBe(shouldMove);
        }
      });
    for (const p of net.sharedParameters()) expect(moved(p)).toBe(true);
    s.dispose();
  });

  for (const space of SPACES) {
    it(`${space.name}: does not leak tensors over 20 steps of each phase`, async () => {
      const s = await session({
        space,
        stepsPerEpoch: 12,
        strategy: { name: 'random-search', candidates: 22, scoreBatches: 1, rescoreTop: 1 },
        data: { source: 'synthetic', synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 } },
      });
      expect(s.phases.map((p) => p.epochs * p.stepsPerEpoch)).toEqual([24, 23]);
      expectFlatTensorsInBothPhases(s as SearchSession<unknown>, 'evaluate');
      s.dispose();
    });
  }
});
