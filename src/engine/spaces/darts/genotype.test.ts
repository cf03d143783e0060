import { describe, expect, it } from 'vitest';
import { Rng } from '../../util/rng';
import {
  deriveCell,
  deriveGenotype,
  formatReferenceGenotype,
  genotypeFromJson,
  genotypeToJson,
  parseGenotype,
  parseReferenceGenotype,
  sparseGenotype,
  validateGenotype,
  type Genotype,
} from './genotype';
import { GENOTYPE_PRESETS, getGenotypePreset } from './presets';
import { DARTS_PRIMITIVES } from './primitives-contract';

const OPS3 = ['none', 'max_pool_3x3', 'sep_conv_3x3'];

describe('deriveCell (paper rule, reference _parse)', () => {
  it('keeps the two edges with the strongest non-none weight, strongest first', () => {
    // 2 nodes: node 0 has edges from states 0, 1; node 1 from states 0, 1, 2.
    const w = [
      [0.1, 0.3, 0.6], // node 0, input 0: best non-none 0.6 (sep_conv)
      [0.0, 0.7, 0.3], // node 0, input 1: best 0.7 (max_pool) -> ranked first
      [0.7, 0.2, 0.1], // node 1, input 0: 'none' is largest, but only 0.2 counts -> dropped
      [0.1, 0.3, 0.6], // node 1, input 1: 0.6 -> kept first
      [0.4, 0.5, 0.1], // node 1, input 2: 0.5 -> kept second
    ];
    expect(deriveCell(w, OPS3, 2)).toEqual([
      ['max_pool_3x3', 1],
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['max_pool_3x3', 2],
    ]);
  });

  it('never chooses none, even where none dominates every edge', () => {
    const w = [
      [0.9, 0.04, 0.06],
      [0.9, 0.06, 0.04],
      [0.98, 0.01, 0.01],
      [0.9, 0.02, 0.08],
      [0.9, 0.08, 0.02],
    ];
    expect(deriveCell(w, OPS3, 2)).toEqual([
      ['sep_conv_3x3', 0],
      ['max_pool_3x3', 1],
      ['sep_conv_3x3', 1],
      ['max_pool_3x3', 2],
    ]);
  });

  it('resolves ties like the reference: lower input first, first maximal op', () => {
    const w = [
      [0.2, 0.4, 0.4], // op tie -> max_pool (first maximum)
      [0.2, 0.4, 0.4],
      [0.5, 0.25, 0.25], // three edges tied at 0.25 -> inputs 0 and 1 kept, in that order
      [0.5, 0.25, 0.25],
      [0.5, 0.25, 0.25],
    ];
    expect(deriveCell(w, OPS3, 2)).toEqual([
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
    ]);
  });

  it("lets every op count when 'none' is not a candidate", () => {
    const ops = ['max_pool_3x3', 'skip_connect'];
    const w = [
      [0.9, 0.1],
      [0.2, 0.8],
    ];
    expect(deriveCell(w, ops, 1)).toEqual([
      ['max_pool_3x3', 0],
      ['skip_connect', 1],
    ]);
  });

  it('rejects matrices of the wrong shape and non-finite weights', () => {
    expect(() => deriveCell([[0.1, 0.2, 0.7]], OPS3, 2)).toThrow(/1 edge rows; 2 nodes need 5/);
    const bad = Array.from({ length: 5 }, () => [0.5, 0.5]);
    expect(() => deriveCell(bad, OPS3, 2)).toThrow(/edge 0 has 2 op weights for 3 primitives/);
    const nan = Array.from({ length: 2 }, () => [0.1, NaN, 0.2]);
    expect(() => deriveCell(nan, OPS3, 1)).toThrow(/non-finite/);
    expect(() => deriveCell([[1], [1]], ['none'], 1)).toThrow(/no candidate operation besides 'none'/);
  });

  it('satisfies the rule on random softmax matrices (8 ops, 4 nodes)', () => {
    const rng = new Rng(7);
    const noneIdx = DARTS_PRIMITIVES.indexOf('none');
    for (let trial = 0; trial < 20; trial++) {
      const w = Array.from({ length: 14 }, () => {
        const e = Array.from({ length: 8 }, () => Math.exp(2 * rng.normal()));
        const s = e.reduce((a, b) => a + b, 0);
        return e.map((x) => x / s);
      });
      const gene = deriveCell(w, DARTS_PRIMITIVES, 4);
      expect(gene).toHaveLength(8);
      let start = 0;
      for (let i = 0; i < 4; i++) {
        const rows = w.slice(start, start + i + 2);
        const strength = rows.map((r) => Math.max(...r.filter((_, k) => k !== noneIdx)));
        const [a, b] = gene.slice(2 * i, 2 * i + 2);
        expect(a[1]).not.toBe(b[1]);
        for (const [op, input] of [a, b]) {
          expect(op).not.toBe('none');
          expect(w[start + input][DARTS_PRIMITIVES.indexOf(op as never)]).toBe(strength[input]);
        }
        expect(strength[a[1]]).toBeGreaterThanOrEqual(strength[b[1]]);
        strength.forEach((s, j) => {
          if (j !== a[1] && j !== b[1]) expect(s).toBeLessThanOrEqual(strength[b[1]]);
        });
        start += i + 2;
      }
    }
  });
});

describe('deriveGenotype', () => {
  it('derives both cells and concatenates the last `multiplier` nodes', () => {
    const normal = Array.from({ length: 14 }, (_, e) =>
      DARTS_PRIMITIVES.map((_, k) => (k === 4 ? 0.5 + e / 100 : 0.05)),
    );
    const reduce = Array.from({ length: 14 }, () => DARTS_PRIMITIVES.map((_, k) => (k === 1 ? 0.3 : 0.1)));
    const g = deriveGenotype(normal, reduce, DARTS_PRIMITIVES);
    // Later edges are stronger in `normal`, so the two highest inputs win, highest first.
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 2],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 3],
      ['sep_conv_3x3', 2],
      ['sep_conv_3x3', 4],
      ['sep_conv_3x3', 3],
    ]);
    expect(g.reduce.every(([op], i) => op === 'max_pool_3x3' && g.reduce[i][1] === i % 2)).toBe(true);
    expect(g.normalConcat).toEqual([2, 3, 4, 5]);
    expect(g.reduceConcat).toEqual([2, 3, 4, 5]);
    expect(deriveGenotype(normal, reduce, DARTS_PRIMITIVES, 4, 2).normalConcat).toEqual([4, 5]);
    validateGenotype(g, { nodes: 4 });
  });
});

const V2_REFERENCE_TEXT =
  "DARTS_V2 = Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " +
  "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " +
  "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), " +
  "('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";

describe('genotype formats', () => {
  it('reads the reference text with list or range concat, multi-line and with trailing commas', () => {
    expect(parseReferenceGenotype(V2_REFERENCE_TEXT)).toEqual(GENOTYPE_PRESETS.DARTS_V2);
    const multiline = `Genotype(
      normal = [
        ('sep_conv_3x3', 1),  # a comment
        ("sep_conv_3x3", 0),
      ],
      normal_concat = range(2, 3),
      reduce = [('max_pool_3x3', 0), ('max_pool_3x3', 1),],
      reduce_concat = [2],
    )`;
    expect(parseReferenceGenotype(multiline)).toEqual({
      normal: [
        ['sep_conv_3x3', 1],
        ['sep_conv_3x3', 0],
      ],
      normalConcat: [2],
      reduce: [
        ['max_pool_3x3', 0],
        ['max_pool_3x3', 1],
      ],
      reduceConcat: [2],
    });
  });

  it('round-trips the presets through reference text and JSON', () => {
    for (const g of Object.values(GENOTYPE_PRESETS)) {
      const text = formatReferenceGenotype(g);
      expect(text.startsWith("Genotype(normal=[('")).toBe(true);
      expect(parseReferenceGenotype(text)).toEqual(g);
      const json = genotypeToJson(g);
      expect(JSON.parse(json)).toMatchObject({ format: 'nas-studio.genotype', version: 1 });
      expect(genotypeFromJson(json)).toEqual(g);
      expect(parseGenotype(json)).toEqual(g);
      expect(parseGenotype(text)).toEqual(g);
    }
  });

  it('formats DARTS_V2 exactly as the reference prints it', () => {
    expect(formatReferenceGenotype(GENOTYPE_PRESETS.DARTS_V2)).toBe(
      V2_REFERENCE_TEXT.replace('DARTS_V2 = ', '').replace('range(2, 6)', '[2, 3, 4, 5]'),
    );
  });

  it('names syntax problems with their position', () => {
    expect(() => parseReferenceGenotype('Genotype(normal=[(sep_conv_3x3, 0)])')).toThrow(/line 1 column 19/);
    expect(() => parseReferenceGenotype("Genotype(normal=[('a', 0)], normal_concat=[2])")).toThrow(
      /missing field\(s\) reduce, reduce_concat/,
    );
    expect(() => parseReferenceGenotype('Genotypes(normal=[])')).toThrow(/expected 'Genotype\('/);
    expect(() =>
      parseReferenceGenotype(
        V2_REFERENCE_TEXT.replace("('skip_connect', 0), ('skip_connect', 0)", "('skip_connect', 0, 1)"),
      ),
    ).toThrow(/normal\[5\] must be a pair/);
    expect(() =>
      parseReferenceGenotype(V2_REFERENCE_TEXT.replace('reduce_concat', 'reduced_concat')),
    ).toThrow(/unknown field 'reduced_concat'/);
    expect(() => parseReferenceGenotype(V2_REFERENCE_TEXT + ' extra')).toThrow(/unexpected text after/);
  });

  it('names semantic problems: unknown op, bad input index, wrong pair count', () => {
    expect(() =>
      parseReferenceGenotype(V2_REFERENCE_TEXT.replace("'dil_conv_3x3'", "'dil_conv_7x7'")),
    ).toThrow(/normal cell, node 3 \(pair 7\): unknown operation 'dil_conv_7x7'/);
    expect(() =>
      parseReferenceGenotype(V2_REFERENCE_TEXT.replace("('dil_conv_3x3', 2)", "('dil_conv_3x3', 5)")),
    ).toThrow(
      /normal cell, node 3 \(pair 7\): input 5 is not a cell input \(0, 1\) or an earlier node \(states 0..4\)/,
    );
    expect(() => parseReferenceGenotype(V2_REFERENCE_TEXT.replace(", ('dil_conv_3x3', 2)", ''))).toThrow(
      /normal cell has 7 \(op, input\) pairs; it needs two per node/,
    );
    expect(() => parseReferenceGenotype(V2_REFERENCE_TEXT, { nodes: 5 })).toThrow(
      /4 nodes\); 5 nodes need 10/,
    );
    expect(() =>
      parseReferenceGenotype(V2_REFERENCE_TEXT, { ops: ['sep_conv_3x3', 'skip_connect'] }),
    ).toThrow(/unknown operation 'dil_conv_3x3'/);
    expect(() => parseReferenceGenotype(V2_REFERENCE_TEXT.replace('range(2, 6)', 'range(2, 7)'))).toThrow(
      /reduceConcat names state 6, but the cell has states 0..5/,
    );
  });

  it('rejects JSON of the wrong format or version with the offending path', () => {
    const obj = JSON.parse(genotypeToJson(GENOTYPE_PRESETS.DARTS_V1));
    expect(() => genotypeFromJson(JSON.stringify({ ...obj, version: 2 }), { source: 'g.json' })).toThrow(
      /g.json is not a nas-studio.genotype v1 file: version/,
    );
    expect(() => genotypeFromJson(JSON.stringify({ ...obj, normal: [['sep_conv_3x3', -1]] }))).toThrow(
      /normal/,
    );
    expect(() => genotypeFromJson('{ nope')).toThrow(/not valid JSON/);
    const mismatched = { ...obj, reduce: obj.reduce.slice(0, 6), reduceConcat: [2, 3, 4] };
    expect(() => genotypeFromJson(JSON.stringify(mismatched))).toThrow(
      /normal cell has 4 nodes but reduce cell has 3/,
    );
  });
});

describe('presets', () => {
  it('are valid 4-node DARTS genotypes, returned as independent copies', () => {
    for (const name of ['DARTS_V1', 'DARTS_V2']) {
      const g: Genotype = getGenotypePreset(name);
      validateGenotype(g, { nodes: 4 });
      g.normal[0][0] = 'changed';
      expect(getGenotypePreset(name).normal[0][0]).not.toBe('changed');
    }
    expect(() => getGenotypePreset('DARTS_V3')).toThrow(
      /unknown genotype preset 'DARTS_V3' \(known: DARTS_V1, DARTS_V2\)/,
    );
  });
});

describe('sparse genotypes (FairDARTS, SNAS edge_all)', () => {
  // FairDARTS_a as published in xiaomi-automl/FairDARTS fairdarts/genotypes.py: (op, to, from) triples.
  const FAIR_A_TEXT =
    "Genotype(normal=[('sep_conv_3x3', 2, 0), ('sep_conv_5x5', 2, 1), ('max_pool_3x3', 4, 0), ('sep_conv_3x3', 5, 0)], normal_concat=range(2, 6), " +
    "reduce=[('max_pool_3x3', 2, 0), ('avg_pool_3x3', 2, 1), ('avg_pool_3x3', 3, 0), ('dil_conv_5x5', 3, 1), ('avg_pool_3x3', 4, 0), ('sep_conv_5x5', 4, 1), " +
    "('skip_connect', 5, 0), ('skip_connect', 5, 1)], reduce_concat=range(2, 6))";

  it("reads FairDARTS' triples: the node each gene feeds, concat limited to nodes that exist", () => {
    const g = parseReferenceGenotype(FAIR_A_TEXT, { nodes: 4 });
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['sep_conv_5x5', 1],
      ['max_pool_3x3', 0],
      ['sep_conv_3x3', 0],
    ]);
    expect(g.normalNodes).toEqual([2, 2, 4, 5]);
    expect(g.normalConcat).toEqual([2, 4, 5]);
    // Every reduction node has two inputs in order: the dense form, without a node list.
    expect(g.reduceNodes).toBeUndefined();
    expect(g.reduceConcat).toEqual([2, 3, 4, 5]);
    expect(parseReferenceGenotype(formatReferenceGenotype(g))).toEqual(g);
    expect(formatReferenceGenotype(g)).toContain("('max_pool_3x3', 4, 0)");
    expect(genotypeFromJson(genotypeToJson(g))).toEqual(g);
  });

  it('builds from kept edges: drops edges from nodes left without inputs, repeatedly; dense when it can', () => {
    // Node 3 has no inputs, so node 4's edge from 3 goes; node 4 is then empty, so node 5's edge from 4 goes.
    const g = sparseGenotype(
      {
        normal: [
          ['sep_conv_3x3', 0, 2],
          ['skip_connect', 3, 4],
          ['max_pool_3x3', 4, 5],
          ['sep_conv_5x5', 1, 5],
        ],
        reduce: [
          ['max_pool_3x3', 0, 2],
          ['max_pool_3x3', 1, 2],
          ['skip_connect', 2, 3],
          ['skip_connect', 0, 3],
        ],
      },
      2,
    );
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['sep_conv_5x5', 1],
    ]);
    expect(g.normalNodes).toEqual([2, 5]);
    expect(g.normalConcat).toEqual([2]);
    expect(g.reduceNodes).toBeUndefined();
    expect(g.reduce).toEqual([
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['skip_connect', 2],
      ['skip_connect', 0],
    ]);
    expect(() => sparseGenotype({ normal: [], reduce: [['skip_connect', 0, 2]] }, 1)).toThrow(
      /derived normal cell keeps no edge/,
    );
  });

  it('names the problems of a sparse cell', () => {
    const base = parseReferenceGenotype(FAIR_A_TEXT);
    expect(() => validateGenotype({ ...base, normalNodes: [2, 2, 4] })).toThrow(
      /normalNodes has 3 entries for 4 \(op, input\) pairs/,
    );
    expect(() => validateGenotype({ ...base, normalNodes: [2, 2, 4, 9] }, { nodes: 4 })).toThrow(
      /normalNodes\[3\] is 9; nodes are states 2..5/,
    );
    expect(() =>
      validateGenotype({ ...base, normal: [...base.normal.slice(0, 3), ['sep_conv_3x3', 3]] }),
    ).toThrow(/input 3 is a node without inputs of its own/);
    expect(() => validateGenotype({ ...base, normalConcat: [2, 3] })).toThrow(
      /normalConcat names state 3, but the cell's states are 0, 1 and its nodes with inputs \(2, 4, 5\)/,
    );
  });
});
