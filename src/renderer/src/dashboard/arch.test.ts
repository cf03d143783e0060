import { describe, expect, it } from 'vitest';
import { argmaxChoices, entropy, rowEntropy } from './arch';

describe('architecture helpers', () => {
  it('entropy is ln(K) for a uniform distribution and 0 for a decided one', () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    expect(entropy([1, 0, 0])).toBe(0);
    expect(entropy([0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
  });
  it('σ(α) rows are independent per option: their mean binary entropy', () => {
    expect(rowEntropy('sigmoid', [0.5, 0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
    expect(rowEntropy('sigmoid', [1, 0, 1])).toBe(0);
    expect(rowEntropy('sigmoid', [0.5, 1])).toBeCloseTo(Math.log(2) / 2, 12);
    // Distributions (softmax, sampling, controller) use the Shannon entropy of the row.
    expect(rowEntropy('sampling', [0.5, 0.5, 0])).toBeCloseTo(Math.log(2), 12);
  });
  it('argmax picks each row’s largest option, the first on ties', () => {
    const s = {
      kind: 'softmax' as const,
      title: 'cell',
      rows: ['1←0', '2←0'],
      options: ['a', 'b', 'c'],
      values: [
        [0.2, 0.5, 0.3],
        [0.4, 0.4, 0.2],
      ],
    };
    expect(argmaxChoices(s)).toEqual([
      { row: '1←0', option: 'b', value: 0.5 },
      { row: '2←0', option: 'a', value: 0.4 },
    ]);
  });
});
