import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from './config';
import { buildSearchData } from './build-data';
import { readAwaiting, readNow, type HostReads } from './host-reads';
import { SearchSession, type StepReport } from './session';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/** Reads twice: the second read depends on the first value (as a candidate's next decision would). */
function* twoReads(): HostReads<number> {
  const a = tf.tensor1d([1.5, 2.5]);
  const [av] = yield [a];
  a.dispose();
  const b = tf.tidy(() => tf.scalar(av[0] + av[1]).mul(2));
  const c = tf.scalar(3);
  const [bv, cv] = yield [b, c];
  tf.dispose([b, c]);
  return bv[0] - cv[0];
}

describe('host-reads programs', () => {
  it('readNow and readAwaiting hand each yield its values, in order, and return the result', async () => {
    const before = tf.memory().numTensors;
    // (1.5 + 2.5)·2 − 3 = 5
    expect(readNow(twoReads())).toBe(5);
    expect(await readAwaiting(twoReads())).toBe(5);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const SPACE = { name: 'nb201', channels: 2, cellsPerStage: 1 } as unknown as SearchConfigInput['space'];

/** Every strategy with a stepAsync, tiny, scoring with each BatchNorm mode somewhere. */
const STRATEGIES: Array<Record<string, unknown>> = [
  { name: 'random-search', candidates: 3, rescoreTop: 2, scoreBatches: 2, batchNorm: 'running' },
  { name: 'random-search', candidates: 2, rescoreTop: 1, scoreBatches: 1, batchNorm: 'batch' },
  {
    name: 'spos',
    population: 3,
    generations: 1,
    topK: 2,
    mutants: 1,
    crossovers: 1,
    scoreBatches: 2,
    recalibrationBatches: 2,
  },
  {
    name: 'regularized-evolution',
    population: 2,
    sampleSize: 2,
    cycles: 4,
    scoreBatches: 1,
    recalibrationBatches: 1,
  },
  { name: 'rlnas', population: 3, generations: 1, topK: 2, mutants: 1, crossovers: 1 },
  // ENAS reads each controller decision, the rewards and (derive) the sample's log p mid-step.
  { name: 'enas', controllerHidden: 8, controllerSteps: 2, controllerAggregate: 2, deriveSamples: 2 },
  {
    name: 'enas',
    controllerHidden: 8,
    controllerSteps: 2,
    controllerAggregate: 2,
    deriveSamples: 2,
    space: { name: 'enas-micro', nodes: 2, layers: 1, channels: 2 },
  },
  // A language model: supernet windows' loss and gradient norm, candidates' window losses in one read.
  {
    name: 'random-search',
    candidates: 3,
    rescoreTop: 2,
    scoreBatches: 1,
    lmLr: 5,
    space: { name: 'enas-rnn', nodes: 3, hidden: 8 },
  },
];

const TEXT = { source: 'text', text: { bptt: 8, evalBatchSize: 16 } } as const;

async function session({ space, ...strategy }: Record<string, unknown>): Promise<SearchSession<unknown>> {
  const config = parseSearchConfig({
    space: (space ?? SPACE) as SearchConfigInput['space'],
    strategy: strategy as SearchConfigInput['strategy'],
    data:
      (space as { name?: string } | undefined)?.name === 'enas-rnn'
        ? TEXT
        : {
            source: 'synthetic',
            ...(strategy.name === 'rlnas' ? { labels: 'random' } : {}),
            synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
          },
    epochs: 2,
    batchSize: 8,
    stepsPerEpoch: 3,
    seed: 11,
  });
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

/** The reports and every tensor of the strategy and the supernet at the end, as plain arrays. */
async function runAll(s: SearchSession<unknown>, step: () => Promise<StepReport<unknown>>) {
  const reports: StepReport<unknown>[] = [];
  while (!s.done) reports.push(await step());
  const state = Object.fromEntries(
    [...Object.entries(s.strategy.getState().tensors), ...s.network.namedState()].map(([k, t]) => [
      k,
      Array.from(t.dataSync()),
    ]),
  );
  s.dispose();
  return { reports, state };
}

// The same search through runStep (each strategy's `step`, reads with dataSync) and runStepAsync (its
// `stepAsync`, reads awaited: the webgpu path): on cpu they must agree bit for bit, metrics, candidates,
// epoch ends and the final weights and optimiser state.
describe('stepAsync computes exactly what step does (cpu)', () => {
  for (const strategy of STRATEGIES)
    it(`${strategy.name}${strategy.batchNorm ? ` (BatchNorm ${strategy.batchNorm})` : ''}${strategy.space ? ` on ${(strategy.space as { name: string }).name}` : ''}`, async () => {
      const a = await session(strategy);
      expect(a.strategy.stepAsync, 'the strategy has an asynchronous step').toBeTypeOf('function');
      const sync = await runAll(a, async () => a.runStep());
      const b = await session(strategy);
      const async_ = await runAll(b, () => b.runStepAsync());
      expect(sync.reports.filter((r) => r.candidates?.length).length).toBeGreaterThan(0);
      expect(async_.reports).toEqual(sync.reports);
      expect(async_.state).toEqual(sync.state);
    });
});
