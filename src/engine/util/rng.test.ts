import { describe, expect, it } from 'vitest';
import { Rng } from './rng';

describe('Rng', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const xs = Array.from({ length: 5 }, () => a.uniform());
    expect(Array.from({ length: 5 }, () => b.uniform())).toEqual(xs);
    const saved = a.getState();
    const next = [a.normal(), a.normal(), a.int(10)];
    const c = new Rng(saved);
    expect([c.normal(), c.normal(), c.int(10)]).toEqual(next);
    expect(new Rng(43).uniform()).not.toEqual(xs[0]);
  });

  it('draws normals with the right moments and permutations that are permutations', () => {
    const r = new Rng(1);
    const v = r.fillNormal(20000);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    const varc = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(varc - 1)).toBeLessThan(0.05);
    const p = Array.from(r.permutation(100)).sort((x, y) => x - y);
    expect(p).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
