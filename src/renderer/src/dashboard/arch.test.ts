import { describe, expect, it } from 'vitest';
import { edgeNames, entropy } from './arch';

describe('architecture helpers', () => {
  it('names the 14 edges of a 4-node cell in the engine order', () => {
    const n = edgeNames(14);
    expect(n).toHaveLength(14);
    expect(n.slice(0, 5)).toEqual(['c_{k-2}→0', 'c_{k-1}→0', 'c_{k-2}→1', 'c_{k-1}→1', '0→1']);
    // Node 3 reads states 0..4: c_{k-2}, c_{k-1}, nodes 0, 1, 2.
    expect(n.slice(9)).toEqual(['c_{k-2}→3', 'c_{k-1}→3', '0→3', '1→3', '2→3']);
  });
  it('entropy is ln(K) for a uniform distribution and 0 for a decided one', () => {
    expect(entropy([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    expect(entropy([1, 0, 0])).toBe(0);
    expect(entropy([0.5, 0.5])).toBeCloseTo(Math.log(2), 12);
  });
});
