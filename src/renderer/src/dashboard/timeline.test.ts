import { describe, expect, it } from 'vitest';
import { spaceOf } from '../../../engine/catalog';
import type { ArchSnapshot } from '../../../engine/search/strategy';
import { parseSearchConfig } from '../../../shared/search-config';
import type { EpochRecord } from './metrics-log';
import { choiceTimeline, keptOptions } from './timeline';

const dartsSpace = spaceOf(parseSearchConfig({ space: { name: 'darts', nodes: 2 } }).space);
const nb201Space = spaceOf(parseSearchConfig({ space: { name: 'nb201' } }).space);

/** A snapshot of every label of a space with the given rows of weights (the same for each label). */
function snapshot(
  space: typeof dartsSpace,
  values: (rows: number, options: number) => number[][],
): ArchSnapshot {
  return Object.fromEntries(
    space.choicePoints.map((cp) => [
      cp.label,
      {
        kind: 'softmax' as const,
        title: cp.title,
        rows: cp.rows,
        options: cp.options,
        values: values(cp.rows.length, cp.options.length),
      },
    ]),
  );
}
const oneHot = (k: number) => (rows: number, options: number) =>
  Array.from({ length: rows }, () =>
    Array.from({ length: options }, (_, j) => (j === k ? 0.9 : 0.1 / (options - 1))),
  );

describe('the discrete architecture over time', () => {
  it('NB201: each edge its kept op, read back from the text notation, one column per epoch record', () => {
    const ops = nb201Space.choicePoints[0].options;
    const a = nb201Space.fromChoices({ cell: [0, 1, 2, 3, 4, 1] });
    const b = nb201Space.fromChoices({ cell: [1, 1, 2, 3, 4, 0] });
    const rec = (arch: unknown, epoch: number): EpochRecord => ({
      epoch,
      step: epoch,
      phase: 'search',
      arch: snapshot(nb201Space, oneHot(2)),
      genotype: null,
      genotypeText: nb201Space.toText(arch as never),
    });
    const [t] = choiceTimeline([rec(a, 0), rec(b, 1)], nb201Space);
    expect(t.label).toBe('cell');
    expect(t.options).toEqual(ops);
    expect(t.columns).toEqual([
      { epoch: 1, phase: 'search' },
      { epoch: 2, phase: 'search' },
    ]);
    expect(t.cells.filter((c) => c.x === 0).map((c) => c.option)).toEqual([0, 1, 2, 3, 4, 1]);
    expect(t.cells.filter((c) => c.x === 1).map((c) => c.option)).toEqual([1, 1, 2, 3, 4, 0]);
    expect(t.cells.every((c) => c.known && c.kept.length === 1)).toBe(true);
    // The weight shown is the snapshot's for that op (0.9 on option 2, the rest share 0.1).
    expect(t.cells[2].weight).toBeCloseTo(0.9, 12);
    expect(t.cells[0].weight).toBeCloseTo(0.1 / 4, 12);
  });

  it('DARTS: genes onto their edges (two ops on one edge, as GDAS may keep), unused edges show their strongest op', () => {
    const ops = dartsSpace.choicePoints[0].options;
    const rows = dartsSpace.choicePoints[0].rows;
    // Node 2 keeps sep_conv_3x3 and skip_connect both from c_{k-1}; node 3 keeps max_pool from node 2 and
    // dil_conv from c_{k-2}. Not a one-op-per-edge architecture: the space's choices() refuses it.
    const g = {
      normal: [
        ['sep_conv_3x3', 1],
        ['skip_connect', 1],
        ['max_pool_3x3', 2],
        ['dil_conv_3x3', 0],
      ],
      normalConcat: [2, 3],
      reduce: [
        ['avg_pool_3x3', 0],
        ['skip_connect', 1],
        ['sep_conv_5x5', 0],
        ['sep_conv_5x5', 1],
      ],
      reduceConcat: [2, 3],
    };
    expect(() => dartsSpace.choices(g as never)).toThrow();
    const none = ops.indexOf('none');
    const record: EpochRecord = {
      epoch: 0,
      step: 0,
      arch: snapshot(dartsSpace, oneHot(none)),
      genotype: g,
      genotypeText: 'not read for DARTS',
    };
    const kept = keptOptions(dartsSpace, record)!;
    const row = (name: string) => rows.indexOf(name);
    expect(rows).toHaveLength(5);
    expect(kept.normal[row('c_{k-1} → 2')]).toEqual([
      ops.indexOf('sep_conv_3x3'),
      ops.indexOf('skip_connect'),
    ]);
    expect(kept.normal[row('2 → 3')]).toEqual([ops.indexOf('max_pool_3x3')]);
    expect(kept.normal[row('c_{k-2} → 3')]).toEqual([ops.indexOf('dil_conv_3x3')]);
    expect(kept.normal[row('c_{k-2} → 2')]).toEqual([]);
    expect(kept.normal[row('c_{k-1} → 3')]).toEqual([]);
    const [normal] = choiceTimeline([record], dartsSpace);
    const cell = (name: string) => normal.cells.find((c) => c.y === row(name))!;
    expect(cell('c_{k-1} → 2').option).toBe(ops.indexOf('sep_conv_3x3'));
    // An edge the node dropped: the op its weights favour ('none' here), not kept.
    expect(cell('c_{k-2} → 2')).toMatchObject({ option: none, kept: [], known: true });
    expect(cell('c_{k-2} → 2').weight).toBeCloseTo(0.9, 12);
  });

  it('an epoch whose architecture cannot be read shows each row’s strongest option, marked unknown', () => {
    const record: EpochRecord = {
      epoch: 0,
      step: 0,
      arch: snapshot(nb201Space, oneHot(3)),
      genotype: { broken: true },
      genotypeText: '|nonsense|',
    };
    const [t] = choiceTimeline([record], nb201Space);
    expect(t.cells.map((c) => [c.option, c.known])).toEqual(Array(6).fill([3, false]));
    // Without the run's space: the snapshot's labels, strongest options.
    expect(choiceTimeline([record], null)[0].cells.every((c) => c.option === 3 && !c.known)).toBe(true);
    expect(choiceTimeline([], nb201Space)).toEqual([]);
  });

  it('labels beside the space’s decisions (PC-DARTS’s β) are not part of the architecture', () => {
    const arch = snapshot(dartsSpace, oneHot(1));
    arch['normal-beta'] = {
      kind: 'softmax',
      title: 'normal cell inputs',
      rows: ['node 2'],
      options: ['a', 'b'],
      values: [[0.5, 0.5]],
    };
    const record: EpochRecord = { epoch: 0, step: 0, arch, genotype: null };
    expect(choiceTimeline([record], dartsSpace).map((t) => t.label)).toEqual(['normal', 'reduce']);
  });
});
