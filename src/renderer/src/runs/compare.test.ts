import { describe, expect, it } from 'vitest';
import { SearchConfigSchema } from '../../../shared/search-config';
import { parseMetricsLog } from '../dashboard/metrics-log';
import {
  compareGroups,
  configDiff,
  configDiffCsv,
  csvField,
  epochMetricsCsv,
  toCsv,
  trainingCurves,
} from './compare';

const config = (c: unknown) => SearchConfigSchema.parse(c);

describe('config differences', () => {
  it('lists only the differing fields, nested ones by their titles, arrays compared whole', () => {
    const a = config({
      space: { cells: 5, channels: 8 },
      data: { source: 'synthetic', synthetic: { size: 64 } },
    });
    const b = config({
      space: { cells: 5, channels: 16, ops: ['sep_conv_3x3', 'skip_connect'] },
      data: { source: 'synthetic', synthetic: { size: 128 } },
    });
    const diff = configDiff([a, b]);
    // In the schema's order; the DARTS paper's eight ops are the default list.
    expect(diff.map((d) => [d.path, d.title, d.values])).toEqual([
      [
        'space.ops',
        'candidate operations',
        [
          'none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5',
          'sep_conv_3x3, skip_connect',
        ],
      ],
      ['space.channels', 'initial channels', ['8', '16']],
      ['data.synthetic.size', 'synthetic images', ['64', '128']],
    ]);
    // The same list in another order is a difference; the same list is none.
    const c = config({ space: { ops: ['skip_connect', 'sep_conv_3x3'] } });
    const d = config({ space: { ops: ['skip_connect', 'sep_conv_3x3'] } });
    expect(configDiff([c, d])).toEqual([]);
    expect(configDiff([b, c]).map((x) => x.path)).toContain('space.ops');
  });

  it('a default written out in one config and left out of another is no difference', () => {
    const explicit = config({ seed: 2, batchSize: 64, strategy: { name: 'darts', order: 'first' } });
    const implicit = config({ strategy: { name: 'darts' } });
    expect(explicit.strategy).toEqual(implicit.strategy);
    expect(configDiff([explicit, implicit])).toEqual([]);
    expect(configDiff([explicit, config({ seed: 3 })]).map((x) => [x.title, x.values])).toEqual([
      ['seed', ['2', '3']],
    ]);
  });

  it("different strategies: the strategy's name and each field only one has ('—' for the other)", () => {
    const darts = config({ strategy: { name: 'darts' } });
    const gdas = config({ strategy: { name: 'gdas' } });
    const diff = configDiff([darts, gdas]);
    expect(diff[0]).toEqual({ path: 'strategy.name', title: 'strategy', values: ['darts', 'gdas'] });
    const onlyGdas = diff.filter((x) => x.values[0] === '—');
    expect(onlyGdas.length).toBeGreaterThan(0);
    expect(onlyGdas.every((x) => x.path.startsWith('strategy.') && x.values[1] !== '—')).toBe(true);
    // Titles come from the spec of the run that has the field, not its path.
    expect(onlyGdas.some((x) => x.title !== x.path)).toBe(true);
  });

  it("a field only the second run's space has sits with the space's fields, not after the rest", () => {
    const diff = configDiff([config({ epochs: 6 }), config({ space: { name: 'nb201' }, epochs: 4 })]);
    const paths = diff.map((x) => x.path);
    expect(paths.indexOf('space.cellsPerStage')).toBeGreaterThan(-1);
    expect(paths.indexOf('space.cellsPerStage')).toBeLessThan(paths.indexOf('epochs'));
    expect(paths.at(-1)).toBe('epochs');
    expect(diff.find((x) => x.path === 'space.cellsPerStage')?.values[0]).toBe('—');
  });
});

describe('CSV', () => {
  it('quotes commas, quotes and line breaks (RFC 4180) and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('-0.5')).toBe('-0.5');
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField(undefined)).toBe('');
    expect(csvField(NaN)).toBe('');
    expect(
      toCsv([
        ['a', 1],
        ['b,c', 2],
      ]),
    ).toBe('a,1\r\n"b,c",2\r\n');
  });

  it('per run, one row per closed epoch with each validation metric’s epoch mean', () => {
    const log = (vals: number[][]) =>
      parseMetricsLog([
        ...vals.flatMap((v, e) =>
          v.map((y, i) => ({
            kind: 'step',
            step: e * v.length + i,
            epoch: e,
            phase: 'search',
            valLoss: y,
            trainLoss: 9,
          })),
        ),
        ...vals.map((v, e) => ({
          kind: 'epoch',
          step: (e + 1) * v.length - 1,
          epoch: e,
          phase: 'search',
          arch: {},
        })),
      ]);
    const a = log([
      [2, 4],
      [1, 2],
    ]);
    const b = parseMetricsLog([
      { kind: 'step', step: 0, epoch: 0, phase: 'search', valAcc: 0.5 },
      { kind: 'step', step: 1, epoch: 0, phase: 'search', valAcc: 0.7 },
      { kind: 'epoch', step: 1, epoch: 0, phase: 'search', arch: {} },
      // An epoch still running: no row.
      { kind: 'step', step: 2, epoch: 1, phase: 'search', valAcc: 0.9 },
    ]);
    const csv = epochMetricsCsv([
      { id: 'run-a', name: 'first, try', series: a.series, spans: a.spans, closed: a.epochs },
      { id: 'run-b', series: b.series, spans: b.spans, closed: b.epochs },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'run,run name,phase,epoch,last step,valAcc (epoch mean),valLoss (epoch mean)',
      'run-a,"first, try",search,1,2,,3',
      'run-a,"first, try",search,2,4,,1.5',
      'run-b,,search,1,2,0.6,',
      '',
    ]);
    expect(configDiffCsv(['run-a', 'run-b'], [{ path: 'seed', title: 'seed', values: ['2', '3'] }])).toBe(
      'field,path,run-a,run-b\r\nseed,seed,2,3\r\n',
    );
  });
});

describe('training runs in the comparison', () => {
  /** A training run's log as runs/execute-train.ts writes it: step records, epoch records, the final one. */
  const trainLog = (losses: number[][], testAcc: number[]) => [
    ...losses.flatMap((ep, e) => [
      ...ep.map((loss, i) => ({
        kind: 'step',
        step: e * ep.length + i,
        epoch: e,
        loss,
        acc: 1 - loss / 3,
        lr: 0.1,
        seconds: 1,
      })),
      {
        kind: 'epoch',
        step: (e + 1) * ep.length - 1,
        epoch: e,
        trainLoss: ep.reduce((a, b) => a + b, 0) / ep.length,
        trainAcc: 0.5,
        testLoss: 1,
        testAcc: testAcc[e],
      },
    ]),
    { kind: 'final', step: 3, testAcc: testAcc.at(-1), confusion: [[1]], perClassAcc: [1] },
  ];

  it('overlays train loss and accuracy per step and test accuracy per epoch (1-based)', () => {
    const c = trainingCurves(
      trainLog(
        [
          [2.4, 1.8],
          [1.5, 1.2],
        ],
        [0.31, 0.52],
      ),
    );
    // Drawn at step + 1, as the dashboard draws a step.
    expect(c.trainLoss).toEqual([
      [1, 2.4],
      [2, 1.8],
      [3, 1.5],
      [4, 1.2],
    ]);
    expect(c.trainAcc.map(([, y]) => y)).toEqual([2.4, 1.8, 1.5, 1.2].map((l) => 1 - l / 3));
    expect(c.testAcc).toEqual([
      [1, 0.31],
      [2, 0.52],
    ]);
    // A search's log has none of these: its training charts stay empty.
    expect(c.epochs.map((e) => [e.epoch, e.lastStep, e.values.testAcc])).toEqual([
      [0, 2, 0.31],
      [1, 4, 0.52],
    ]);
    // A search's log has none of these: its training charts stay empty.
    expect(trainingCurves([{ kind: 'step', step: 0, epoch: 0, valLoss: 1, trainLoss: 2 }])).toEqual({
      trainLoss: [],
      trainAcc: [],
      testAcc: [],
      testPerplexity: [],
      epochs: [],
    });
  });

  it('a language model: test perplexity per epoch, no accuracy', () => {
    const c = trainingCurves([
      { kind: 'step', step: 0, epoch: 0, loss: 5, perplexity: 148.4, lr: 20 },
      { kind: 'step', step: 1, epoch: 0, loss: 4, perplexity: 54.6, lr: 20 },
      {
        kind: 'epoch',
        step: 1,
        epoch: 0,
        trainLoss: 4.5,
        testLoss: 4.2,
        trainPerplexity: 90,
        valPerplexity: 70,
        testPerplexity: 66.7,
      },
    ]);
    expect(c.trainAcc).toEqual([]);
    expect(c.testAcc).toEqual([]);
    expect(c.testPerplexity).toEqual([[1, 66.7]]);
    expect(c.epochs).toEqual([
      {
        epoch: 0,
        lastStep: 2,
        values: {
          trainLoss: 4.5,
          testLoss: 4.2,
          trainPerplexity: 90,
          valPerplexity: 70,
          testPerplexity: 66.7,
        },
      },
    ]);
  });

  it('the epoch CSV holds training runs beside searches, each in its own columns', () => {
    const search = parseMetricsLog([
      { kind: 'step', step: 0, epoch: 0, phase: 'search', valAcc: 0.4 },
      { kind: 'epoch', step: 0, epoch: 0, phase: 'search', arch: {} },
    ]);
    const train = trainingCurves(trainLog([[2.4, 1.8]], [0.31]));
    const csv = epochMetricsCsv([
      { id: 's', series: search.series, spans: search.spans, closed: search.epochs },
      { id: 't', name: 'final', series: {}, spans: [], closed: [], trainEpochs: train.epochs },
    ]);
    expect(csv.split('\r\n')).toEqual([
      'run,run name,phase,epoch,last step,valAcc (epoch mean),testAcc,testLoss,trainAcc,trainLoss',
      's,,search,1,1,0.4,,,,',
      't,final,training,1,2,,0.31,1,0.5,2.1',
      '',
    ]);
  });

  it('a mixed selection: searches in the validation charts, training runs in the training charts, and why', () => {
    const g = compareGroups([
      { id: 's1', kind: 'search' },
      { id: 't1', kind: 'train' },
      { id: 's2', kind: 'search' },
    ]);
    expect(g.search).toEqual(['s1', 's2']);
    expect(g.train).toEqual(['t1']);
    expect(g.note).toMatch(
      /validation charts show the 2 searches, the training charts the 1 training run\.$/,
    );
    expect(
      compareGroups([
        { id: 't1', kind: 'train' },
        { id: 't2', kind: 'train' },
      ]),
    ).toEqual({ search: [], train: ['t1', 't2'], note: null });
    expect(compareGroups([{ id: 's1', kind: 'search' }]).note).toBeNull();
  });
});
