import { describe, expect, it } from 'vitest';
import { yLabelFormatter } from './SeriesChart';

const s = (...ys: number[]) => [{ name: 'a', points: ys.map((y, i) => [i, y] as [number, number]) }];

describe('y tick labels', () => {
  it("use as many decimals as the data's range needs", () => {
    expect(yLabelFormatter(s(2.079441, 2.079423), false)(2.079432)).toBe('2.079432');
    expect(yLabelFormatter(s(0.6, 2.4), false)(1.5)).toBe('1.5');
    expect(yLabelFormatter(s(0.1, 0.9), false)(0.2)).toBe('0.20');
    expect(yLabelFormatter(s(0, 250), false)(100)).toBe('100');
  });
  it('a flat series gets five significant digits; log axes three', () => {
    expect(yLabelFormatter(s(1.3174356270263727), false)(1.3174356270263727)).toBe('1.3174');
    expect(yLabelFormatter(s(3e-4, 0.025), true)(0.0001)).toBe('0.0001');
  });
});
