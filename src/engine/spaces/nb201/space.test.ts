import { describe, expect, it } from 'vitest';
import { spaceSpec, SPACE_SPECS } from '../../catalog';
import { parseSearchConfig } from '../../search/config';
import { Rng } from '../../util/rng';
import type { Nb201Arch } from './arch';
import { NB201_OPS, Nb201SpaceSchema } from './search-space';
import { Nb201SearchSpace, nb201SpaceSpec } from './space';

const space = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201' }));
const arch = (text: string) => space.fromText(text);

describe('NB201 space declaration', () => {
  it('defaults are the benchmark’s and every field is described', () => {
    expect(Nb201SpaceSchema.parse({ name: 'nb201' })).toEqual({
      name: 'nb201',
      channels: 16,
      cellsPerStage: 5,
      ops: [...NB201_OPS],
    });
    for (const [key, field] of Object.entries(Nb201SpaceSchema.shape)) {
      const meta = field.meta() as { title?: string; description?: string } | undefined;
      expect(meta?.title, key).toBeTruthy();
      expect(meta?.description, key).toBeTruthy();
    }
    expect(() => Nb201SpaceSchema.parse({ name: 'nb201', ops: ['none', 'none'] })).toThrow(/must not repeat/);
    expect(() => Nb201SpaceSchema.parse({ name: 'nb201', ops: ['none'] })).toThrow(/at least two/);
    expect(() => Nb201SpaceSchema.parse({ name: 'nb201', nodes: 4 })).toThrow();
  });

  it('one label, six rows named as the field writes them, the ops as options', () => {
    expect(space.choicePoints).toEqual([
      {
        label: 'cell',
        kind: 'op',
        title: 'cell',
        rows: ['1←0', '2←0', '2←1', '3←0', '3←1', '3←2'],
        options: [...NB201_OPS],
      },
    ]);
  });

  it('is registered: in the catalog and the search config (still defaulting to DARTS)', () => {
    expect(SPACE_SPECS.map((s) => s.name)).toContain('nb201');
    expect(spaceSpec('nb201')).toBe(nb201SpaceSpec);
    const c = parseSearchConfig({ space: { name: 'nb201', channels: 8 }, strategy: { name: 'darts' } });
    expect(c.space).toEqual({ name: 'nb201', channels: 8, cellsPerStage: 5, ops: [...NB201_OPS] });
    expect(parseSearchConfig({}).space.name).toBe('darts');
    expect(() => parseSearchConfig({ space: { name: 'nb201', cellsPerStage: 0 } })).toThrow(
      /space\.cellsPerStage/,
    );
  });
});

describe('NB201 choices and derivation', () => {
  const a = arch('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|');

  it('choices are option indices per edge, every edge active', () => {
    expect(space.choices(a)).toEqual({ cell: [3, 3, 4, 0, 3, 4] });
    expect(space.fromChoices({ cell: [3, 3, 4, 0, 3, 4] })).toEqual(a);
    expect(() => space.fromChoices({ cell: [3, 3, 4, -1, 3, 4] })).toThrow(
      /edge 3←0: −1 \(off\) is not an NB201 option/,
    );
    expect(() => space.fromChoices({ cell: [3, 3, 4, 5, 3, 4] })).toThrow(
      /edge 3←0: option 5 is not one of 0\.\.4/,
    );
    expect(() => space.fromChoices({ cell: [3, 3] })).toThrow(/need 6 edges .* got 2/);
    expect(() => space.fromChoices({ cell: [0, 0, 0, 0, 0, 0], normal: [] })).toThrow(
      /one label 'cell', got also 'normal'/,
    );
    expect(() => space.choices({ edges: ['none', 'none'] })).toThrow(/has 6 edges/);
    expect(() => space.toText({ edges: ['none', 'none', 'none', 'none', 'none', 'max_pool_3x3'] })).toThrow(
      /edge 3←2: unknown op 'max_pool_3x3'/,
    );
  });

  it('the JSON file round-trips through the space', () => {
    expect(space.fromJson(space.toJson(a))).toEqual(a);
    expect(space.toText(space.fromText(space.toText(a)))).toBe(space.toText(a));
  });

  it('a subset of ops indexes within the subset', () => {
    const small = new Nb201SearchSpace(
      Nb201SpaceSchema.parse({ name: 'nb201', ops: ['nor_conv_3x3', 'none', 'skip_connect'] }),
    );
    const b = small.fromText('|none~0|+|skip_connect~0|nor_conv_3x3~1|+|none~0|none~1|none~2|');
    expect(small.choices(b)).toEqual({ cell: [1, 2, 0, 1, 1, 1] });
    expect(() => small.fromText(space.toText(a), 'best.txt')).toThrow(
      /^best.txt: .*'avg_pool_3x3' is not a candidate/,
    );
  });

  it('derive: argmax over all options per edge, none included, first maximum on ties', () => {
    const w = [
      [0.9, 0.1, 0, 0, 0], // none wins
      [0.1, 0.2, 0.3, 0.2, 0.2],
      [0.2, 0.2, 0.2, 0.2, 0.2], // tie: the first
      [0, 0, 0, 0.4, 0.4], // tie: the first of the tied
      [-1, -2, -0.5, -3, -4],
      [0, 0, 0, 0, 1],
    ];
    expect(space.derive({ cell: w }).edges).toEqual([
      'none',
      'nor_conv_1x1',
      'none',
      'nor_conv_3x3',
      'nor_conv_1x1',
      'avg_pool_3x3',
    ]);
    expect(() => space.derive({ cell: w.slice(1) })).toThrow(/need 6 rows/);
    expect(() => space.derive({ cell: [...w.slice(1), [1, 2]] })).toThrow(/edge 3←2 need 5 values/);
    expect(() => space.derive({ cell: [...w.slice(1), [NaN, 0, 0, 0, 0]] })).toThrow(
      /edge 3←2 are not all numbers/,
    );
  });
});

describe('NB201 sampling, mutation and crossover (seeded property tests)', () => {
  const valid = (x: Nb201Arch) => {
    expect(x.edges).toHaveLength(6);
    // A valid architecture round-trips through the string and the choices.
    expect(space.fromText(space.toText(x))).toEqual(x);
    expect(space.fromChoices(space.choices(x))).toEqual(x);
  };
  const diff = (x: Nb201Arch, y: Nb201Arch) => x.edges.filter((op, e) => op !== y.edges[e]).length;

  it('sample draws each edge’s op uniformly', () => {
    const rng = new Rng(1);
    const counts = Array.from({ length: 6 }, () => new Array<number>(5).fill(0));
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const x = space.sample(rng);
      if (i < 500) valid(x);
      space.choices(x).cell.forEach((k, e) => counts[e][k]++);
    }
    // Each count ~ Binomial(5000, 0.2): mean 1000, sd ≈ 28; 6 sd is far outside chance.
    for (const row of counts) for (const c of row) expect(Math.abs(c - n / 5)).toBeLessThan(170);
  });

  it('mutate without probability changes exactly one edge, to a different op, every edge and op reachable', () => {
    const rng = new Rng(2);
    const hitEdges = new Set<number>();
    const hitOps = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const x = space.sample(rng);
      const y = space.mutate(x, rng);
      valid(y);
      expect(diff(x, y)).toBe(1);
      const e = y.edges.findIndex((op, k) => op !== x.edges[k]);
      hitEdges.add(e);
      hitOps.add(y.edges[e]);
    }
    expect(hitEdges.size).toBe(6);
    expect(hitOps.size).toBe(5);
    // With two ops the "other" op is forced.
    const two = new Nb201SearchSpace(
      Nb201SpaceSchema.parse({ name: 'nb201', ops: ['skip_connect', 'nor_conv_3x3'] }),
    );
    const x = two.fromChoices({ cell: [0, 0, 0, 0, 0, 0] });
    for (let i = 0; i < 50; i++)
      expect(two.choices(two.mutate(x, rng)).cell.reduce((s, k) => s + k, 0)).toBe(1);
  });

  it('mutate with probability p redraws each edge with probability p', () => {
    const rng = new Rng(3);
    const x = arch('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|');
    let changed = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const y = space.mutate(x, rng, { probability: 0.5 });
      valid(y);
      changed += diff(x, y);
    }
    // A redraw keeps the op with probability 1/5: E[changed edges] = 6 · 0.5 · 0.8 = 2.4.
    expect(changed / n).toBeGreaterThan(2.3);
    expect(changed / n).toBeLessThan(2.5);
    expect(space.mutate(x, rng, { probability: 0 })).toEqual(x);
    expect(() => space.mutate(x, rng, { probability: 1.5 })).toThrow(/\[0, 1\]/);
  });

  it('crossover takes each edge from one parent or the other, about half from each', () => {
    const rng = new Rng(4);
    let fromA = 0;
    let total = 0;
    for (let i = 0; i < 1000; i++) {
      const a = space.sample(rng);
      const b = space.sample(rng);
      const c = space.crossover(a, b, rng);
      valid(c);
      c.edges.forEach((op, e) => {
        expect([a.edges[e], b.edges[e]]).toContain(op);
        if (a.edges[e] !== b.edges[e]) {
          total++;
          if (op === a.edges[e]) fromA++;
        }
      });
    }
    // ~4,800 differing edges: sd of the share ≈ 0.007.
    expect(fromA / total).toBeGreaterThan(0.47);
    expect(fromA / total).toBeLessThan(0.53);
  });

  it('the same seed gives the same draws', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      const x = space.sample(rng);
      return [x, space.mutate(x, rng), space.crossover(x, space.sample(rng), rng)].map((y) =>
        space.toText(y),
      );
    };
    expect(draw(9)).toEqual(draw(9));
  });
});
