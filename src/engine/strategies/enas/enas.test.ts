import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData } from '../../search/build-data';
import { SearchSession } from '../../search/session';
import type { Enas } from './enas';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const MICRO = { name: 'enas-micro', nodes: 2, layers: 1, channels: 2 };
const NB201 = { name: 'nb201', channels: 2, cellsPerStage: 1 };

async function session(space: unknown, strategy: Record<string, unknown> = {}, extra: object = {}) {
  const config = parseSearchConfig({
    epochs: 2,
    batchSize: 8,
    stepsPerEpoch: 3,
    seed: 3,
    backend: 'cpu',
    data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
    ...extra,
    space,
    strategy: {
      name: 'enas',
      controllerHidden: 8,
      controllerSteps: 2,
      controllerAggregate: 2,
      deriveSamples: 3,
      ...strategy,
    },
  } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

describe('ENAS end to end', () => {
  for (const space of [MICRO, NB201])
    it(`a tiny search on ${space.name}: shared steps, controller steps, then derivation`, async () => {
      const s = await session(space);
      expect(s.phases.map((p) => [p.name, p.epochs, p.stepsPerEpoch])).toEqual([
        ['search', 2, 5],
        ['derive', 1, 3],
      ]);
      const reports = [];
      while (!s.done) reports.push(s.runStep());
      const search = reports.filter((r) => r.info.phase === 'search');
      expect(Object.keys(search[0].metrics)).toEqual(expect.arrayContaining(['trainLoss', 'lrWeights']));
      const ctl = search.filter((r) => 'reward' in r.metrics);
      expect(ctl).toHaveLength(4);
      for (const r of ctl) {
        expect(Object.keys(r.metrics)).toEqual(
          expect.arrayContaining(['reward', 'baseline', 'advantage', 'entropy']),
        );
        expect(r.metrics.entropy).toBeGreaterThan(0);
      }
      const epochEnd = search.find((r) => r.epochEnd)!.epochEnd!;
      expect(epochEnd.metrics.distinctArchs).toBeGreaterThan(0);
      expect(Object.values(epochEnd.arch)[0].kind).toBe('controller');
      const derive = reports.filter((r) => r.info.phase === 'derive');
      expect(derive.flatMap((r) => r.candidates ?? [])).toHaveLength(3);
      const best = Math.max(...derive.map((r) => r.metrics.score));
      const arch = s.strategy.derive();
      expect(s.space.fromJson(JSON.parse(JSON.stringify(s.space.toJson(arch))))).toEqual(arch);
      expect(derive.at(-1)!.metrics.bestScore).toBe(best);
      s.dispose();
    });

  it('the first controller sample moves the baseline from 0 by (1 − 0.99)·R', async () => {
    const s = await session(MICRO, { controllerAggregate: 1 });
    for (let i = 0; i < 3; i++) s.runStep();
    const r = s.runStep().metrics;
    expect(r.baseline).toBeCloseTo(0.01 * r.reward, 9);
    expect(r.advantage).toBeCloseTo(r.reward - r.baseline, 9);
    s.dispose();
  });

  it('the controller learns: on a fixed reward it shifts probability to the rewarded choices', async () => {
    const s = await session(NB201, { controllerLr: 0.05 });
    const enas = s.strategy as unknown as Enas;
    const ctl = enas.controller;
    const target = { cell: [1, 1, 1, 1, 1, 1] };
    const before = ctl.evaluate(target).logProb;
    for (let i = 0; i < 30; i++) ctl.reinforce([{ choices: target, advantage: 1 }]);
    expect(ctl.evaluate(target).logProb).toBeGreaterThan(before + 1);
    s.dispose();
  });

  it('the tensor count is flat over 20 shared steps and 20 controller steps (micro)', async () => {
    const s = await session(
      MICRO,
      { controllerSteps: 20, controllerAggregate: 1 },
      {
        stepsPerEpoch: 20,
        data: { source: 'synthetic', synthetic: { size: 400, imageSize: 8, channels: 3, classes: 4 } },
      },
    );
    expect(s.phases[0].stepsPerEpoch).toBe(40);
    s.runStep(); // the first shared step creates the momentum buffers, the controller's Adam exists already
    let before = tf.memory().numTensors;
    for (let i = 0; i < 19; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    s.runStep();
    before = tf.memory().numTensors;
    for (let i = 0; i < 19; i++) s.runStep();
    expect(s.info().stepInEpoch).toBe(0); // the 20 controller steps ended the epoch
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });
});
