import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import { DartsSpaceSchema } from './search-space';
import { DartsSearchSpace } from './space';

describe('DartsSearchSpace with sparse genotypes', () => {
  const space = new DartsSearchSpace(DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 4 }));
  // Edge rows: node 2 ← 0, 1; node 3 ← 0, 1, 2. Ops in the space's order (none first).
  const ops = space.config.ops;
  const sep = ops.indexOf('sep_conv_3x3');
  const skip = ops.indexOf('skip_connect');

  it('turns choices with other than two inputs per node into a sparse genotype and back', () => {
    const choices = { normal: [sep, -1, skip, skip, skip], reduce: [sep, sep, -1, sep, sep] };
    const g = space.fromChoices(choices);
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['skip_connect', 0],
      ['skip_connect', 1],
      ['skip_connect', 2],
    ]);
    expect(g.normalNodes).toEqual([2, 3, 3, 3]);
    expect(g.normalConcat).toEqual([2, 3]);
    expect(g.reduceNodes).toBeUndefined();
    expect(space.choices(g)).toEqual(choices);
    expect(space.fromText(space.toText(g))).toEqual(g);
    expect(space.fromJson(space.toJson(g))).toEqual(g);
    // The cost model sees the sparse cell's edges: one sep_conv fewer than the dense reduction cell.
    const shape = { size: 8, channels: 3, classes: 10 };
    const dense = space.fromChoices({ normal: [sep, sep, -1, sep, sep], reduce: choices.reduce });
    expect(space.cost.archParams(g, shape)).toBeLessThan(space.cost.archParams(dense, shape));
  });

  it('refuses an edge from a node without inputs, and mutation of a sparse genotype', () => {
    expect(() =>
      space.fromChoices({ normal: [-1, -1, skip, skip, skip], reduce: [sep, sep, -1, sep, sep] }),
    ).toThrow(
      /choices: genotype normal cell, node 1 \(pair 2\): input 2 is a node without inputs of its own/,
    );
    const g = space.fromChoices({ normal: [sep, -1, skip, skip, -1], reduce: [sep, sep, -1, sep, sep] });
    expect(() => space.mutate(g, new Rng(1))).toThrow(/mutation needs a genotype with two inputs per node/);
  });
});
