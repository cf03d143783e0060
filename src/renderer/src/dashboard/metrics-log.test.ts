import { describe, expect, it } from 'vitest';
import { dartsEdgeNames } from '../../../engine/spaces/darts/space';
import { epochRecord, parseMetricsLog, snapshotFromLegacy } from './metrics-log';

const uniform = (rows: number, k: number) => Array.from({ length: rows }, () => Array<number>(k).fill(1 / k));
const ops = ['none', 'skip_connect', 'sep_conv_3x3'];

describe('metrics log', () => {
  it("converts an old DARTS epoch record's arch into the per-label snapshot", () => {
    const normal = uniform(14, 3);
    const reduce = uniform(14, 3).map((r, e) => (e === 0 ? [0.1, 0.2, 0.7] : r));
    const s = snapshotFromLegacy({ ops, normal, reduce, kind: 'softmax' });
    expect(Object.keys(s)).toEqual(['normal', 'reduce']);
    expect(s.normal).toEqual({
      kind: 'softmax',
      title: 'normal cell',
      rows: dartsEdgeNames(4),
      options: ops,
      values: normal,
    });
    expect(s.reduce.title).toBe('reduction cell');
    expect(s.reduce.values[0]).toEqual([0.1, 0.2, 0.7]);
    // 14 edges are 4 nodes; 5 edges are 2; 27 edges are 6 (node i has i+2 inputs).
    expect(s.normal.rows).toHaveLength(14);
    expect(
      snapshotFromLegacy({ ops, normal: uniform(5, 3), reduce: uniform(5, 3), kind: 'softmax' }).normal.rows,
    ).toEqual(dartsEdgeNames(2));
    expect(
      snapshotFromLegacy({ ops, normal: uniform(27, 3), reduce: uniform(27, 3), kind: 'softmax' }).normal
        .rows,
    ).toEqual(dartsEdgeNames(6));
    // An unknown kind string is read as softmax (the only one old runs wrote).
    expect(snapshotFromLegacy({ ops, normal, reduce, kind: 'weird' }).normal.kind).toBe('softmax');
  });
  it('leaves a new-format epoch record as it is', () => {
    const arch = {
      cell: {
        kind: 'sampling' as const,
        title: 'cell',
        rows: ['1←0'],
        options: ['a', 'b'],
        values: [[0.25, 0.75]],
      },
    };
    const r = epochRecord({
      kind: 'epoch',
      step: 9,
      epoch: 0,
      phase: 'search',
      arch,
      genotype: { x: 1 },
      genotypeText: '|b~0|',
    });
    expect(r.arch).toBe(arch);
    expect(r).toMatchObject({ step: 9, epoch: 0, phase: 'search', genotypeText: '|b~0|' });
  });
  it('splits step, epoch, candidate and phase records; step x is the steps done', () => {
    const log = parseMetricsLog([
      { kind: 'phase', step: 0, phase: 'supernet', title: 'train the supernet' },
      { kind: 'step', step: 0, epoch: 0, phase: 'supernet', seconds: 0.5, trainLoss: 2.3 },
      { kind: 'step', step: 1, epoch: 0, phase: 'supernet', seconds: 0.4, trainLoss: 2.1, gradNorm: 1 },
      {
        kind: 'epoch',
        step: 1,
        epoch: 0,
        arch: { ops, normal: uniform(14, 3), reduce: uniform(14, 3), kind: 'softmax' },
        genotype: {},
      },
      { kind: 'phase', step: 2, phase: 'evaluate', title: 'score samples', reason: 'plateau' },
      {
        kind: 'candidate',
        step: 2,
        phase: 'evaluate',
        round: 'sample',
        score: 0.4,
        genotype: {},
        text: 'a',
        metrics: { valAcc: 0.4 },
      },
      { kind: 'candidate', step: 3, phase: 'evaluate', score: 0.6, genotype: { g: 1 } },
      { kind: 'candidate', step: 3, score: Number.NaN },
    ]);
    // seconds, step, epoch and phase place a step; they are not metrics.
    expect(log.series).toEqual({
      trainLoss: [
        [1, 2.3],
        [2, 2.1],
      ],
      gradNorm: [[2, 1]],
    });
    expect(log.epochs).toHaveLength(1);
    expect(Object.keys(log.epochs[0].arch)).toEqual(['normal', 'reduce']);
    expect(log.phases.map((p) => p.title)).toEqual(['train the supernet', 'score samples']);
    expect(log.phases[1].reason).toBe('plateau');
    expect(log.candidates).toEqual([
      {
        step: 2,
        phase: 'evaluate',
        round: 'sample',
        score: 0.4,
        genotype: {},
        text: 'a',
        metrics: { valAcc: 0.4 },
      },
      // Missing parts filled in: no round, no metrics, the text from the genotype.
      { step: 3, phase: 'evaluate', round: '', score: 0.6, genotype: { g: 1 }, text: '{"g":1}', metrics: {} },
    ]);
  });
});
