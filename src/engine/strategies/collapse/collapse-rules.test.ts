import { describe, expect, it } from 'vitest';
import { addReading, emptyRuleState, type EigenvalueRuleConfig } from './eigenvalue-rule';
import { learnableRanking, sameRanking } from './darts-plus';

// The reference's settings: window 5, delta 4, factor 1.3, es_start_epoch 10, a reading every 2 epochs.
const REF: EigenvalueRuleConfig = { window: 5, delta: 4, factor: 1.3, startEpoch: 10 };

/** Feeds values read at epochs 0, every, 2·every, ...; returns each verdict. */
function feed(values: number[], cfg = REF, every = 2, totalEpochs = 100) {
  const state = emptyRuleState();
  return values.map((value, i) =>
    addReading(state, cfg, { epoch: i * every, value }, i * every === totalEpochs - 1),
  );
}

describe('DARTS-ES stop rule on hand-made eigenvalue sequences', () => {
  it('local averages: centred windows, truncated at the start, from the third reading on', () => {
    const v = feed([1, 2, 3, 4, 5, 6, 7]);
    // By hand: reading 2 adds mean(1,2,3) = 2 for epoch 0; reading 3 mean(1..4) = 2.5 for epoch 2;
    // reading 4 mean(1..5) = 3 for epoch 4; reading 5 mean(2..6) = 4 for epoch 6; reading 6 mean(3..7) = 5.
    expect(v.map((x) => x.localAverage)).toEqual([undefined, undefined, 2, 2.5, 3, 4, 5]);
    expect(v.map((x) => x.centreEpoch)).toEqual([undefined, undefined, 0, 2, 4, 6, 8]);
    expect(v.every((x) => !x.stop)).toBe(true);
  });

  it('fires at the first growth above ×1.3 over 4 readings once the base epoch is ≥ 10, and rolls back to it', () => {
    // Flat at 1 through reading 12 (epoch 24), then 3. Reading 13 (epoch 26) adds the average centred on
    // reading 11: mean(r9..r13) = (1+1+1+1+3)/5 = 1.4; 4 readings earlier, reading 7 (epoch 14), the
    // average is 1; 1.4 > 1.3, base epoch 14 ≥ 10: stop, genotype of epoch 14.
    const values = [...Array(13).fill(1), 3, 3];
    const v = feed(values);
    const first = v.findIndex((x) => x.stop);
    expect(first).toBe(13);
    expect(v[13].stop!.epoch).toBe(14);
    expect(v[13].stop!.ratio).toBeCloseTo(1.4, 12);
  });

  it('a growth of ×1.25 does not fire; a factor of 1.2 does', () => {
    // Reading 13 = 2.25 gives mean (4 + 2.25)/5 = 1.25.
    const values = [...Array(13).fill(1), 2.25];
    expect(feed(values).some((x) => x.stop)).toBe(false);
    expect(feed(values, { ...REF, factor: 1.2 })[13].stop?.epoch).toBe(14);
  });

  it('an early jump (base epoch before 10) is ignored', () => {
    // Readings 0..2 at 1, then 10 from reading 3 (epoch 6) on. At reading 7 the average centred on
    // reading 5 (10) is ×3.08 the one centred on reading 1 (mean(1, 1, 1, 10) = 3.25), but its base
    // epoch is 2. A comparison at reading n has base reading n − 6 (epoch 2n − 12), allowed from
    // reading 11 on; by then both averages are 10 (centred on 9 and on 5 = mean(r3..r7)): no stop.
    const values = [1, 1, 1, ...Array(14).fill(10)];
    const base = { ...REF, startEpoch: 0 };
    expect(feed(values, base)[7].stop).toEqual({ epoch: 2, ratio: expect.closeTo(10 / 3.25, 12) });
    expect(feed(values).some((x) => x.stop)).toBe(false);
  });

  it('never stops at the last epoch, nor on a non-positive baseline', () => {
    const values = [...Array(13).fill(1), 3];
    // 14 readings at every 2: the last one is epoch 26; with 27 epochs it is the last epoch.
    expect(feed(values, REF, 2, 27)[13]).toEqual({});
    const negative = [...Array(13).fill(-1), 3];
    expect(feed(negative).some((x) => x.stop)).toBe(false);
  });

  it('uses the readings’ own epochs (every 3 epochs: base epoch 3·(n − 6))', () => {
    // Reading n at epoch 3n; comparisons need base reading n − 6 at epoch ≥ 10, i.e. n ≥ 10.
    const values = [...Array(10).fill(1), 3];
    const v = feed(values, REF, 3);
    expect(v[10].stop).toEqual({ epoch: 12, ratio: expect.closeTo(1.4, 12) });
  });
});

describe('DARTS+ ranking of the learnable ops', () => {
  it('orders only the parameterised options of each row, strongest first, ties by index', () => {
    const weights = {
      normal: [
        [0.5, 0.1, 0.2, 0.2],
        [0.0, 0.3, 0.3, 0.4],
      ],
    };
    const parameterised = {
      normal: [
        [1, 2, 3],
        [1, 2],
      ],
    };
    expect(learnableRanking(weights, parameterised)).toEqual({
      normal: [
        [2, 3, 1],
        [1, 2],
      ],
    });
    const moved = { normal: [weights.normal[0], [0.0, 0.2, 0.3, 0.5]] };
    expect(
      sameRanking(learnableRanking(moved, parameterised), learnableRanking(weights, parameterised)),
    ).toBe(false);
    // Moving an unranked option (index 0, 'none') changes nothing.
    const noneMoved = { normal: [[0.9, 0.1, 0.2, 0.2], weights.normal[1]] };
    expect(
      sameRanking(learnableRanking(noneMoved, parameterised), learnableRanking(weights, parameterised)),
    ).toBe(true);
  });
});
