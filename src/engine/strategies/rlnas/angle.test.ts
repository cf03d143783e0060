import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { spaceOf } from '../../catalog';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import type { Choices, SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { networksOf } from '../../spaces/registry';
import { Rng } from '../../util/rng';
import { AngleMetric, type RlnasSpaceParts } from './angle';
import { dartsPaths } from './angle-darts';
import { nb201Paths } from './angle-nb201';
import { rlnasSpaceSupport } from './spaces';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

type Weights = Map<string, Float32Array>;

interface Rig {
  space: SearchSpace;
  net: Supernet;
  parts: RlnasSpaceParts;
  metric: AngleMetric;
  init: Weights;
}

/** A tiny supernet, its RLNAS parts and an angle metric that copied its initial weights. */
function rig(spaceInput: SearchConfigInput['space']): Rig {
  const config = parseSearchConfig({ space: spaceInput, strategy: { name: 'spos' } } as SearchConfigInput);
  const space = spaceOf(config.space);
  const net = networksOf(space.name).supernet(space, { size: 8, channels: 3, classes: 2 }, new Rng(3));
  const metric = new AngleMetric(net);
  const parts = rlnasSpaceSupport(space.name)(net, space);
  return { space, net, parts, metric, init: read(net) };
}

const read = (net: Supernet): Weights =>
  new Map(net.namedParameters().map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));

/** "Trains" the supernet: every parameter w ← f(name, w), element by element. */
function move(net: Supernet, f: (name: string, w: number, i: number) => number): Weights {
  for (const [name, v] of net.namedParameters()) {
    const w = v.dataSync() as Float32Array;
    const t = tf.tensor(
      Float32Array.from(w, (x, i) => f(name, x, i)),
      v.shape,
    );
    v.assign(t);
    t.dispose();
  }
  return read(net);
}

/** acos of the cosine of two plain vectors (lists of chunks), in float64. */
function angleOfVectors(a: Float64Array[], b: Float64Array[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, k) =>
    x.forEach((v, i) => {
      dot += v * b[k][i];
      na += v * v;
      nb += b[k][i] * b[k][i];
    }),
  );
  return Math.acos(Math.min(1, dot / Math.sqrt(na * nb)));
}

const f64 = (x: ArrayLike<number>) => Float64Array.from(x);
const filled = (n: number, v: number) => new Float64Array(n).fill(v);
const eye = (C: number) => Float64Array.from({ length: C * C }, (_, i) => (i % (C + 1) === 0 ? 1 : 0));

// ---- NB201: the reference's construction (weight_angle.py get_arch_angle), written out independently ----

const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
/** `nodes[i-1][j]`: the op of edge i←j in the reference's Structure, from our choice row (edge order 1←0, 2←0, 2←1, 3←0, 3←1, 3←2). */
const nb201Op = (row: number[], i: number, j: number) => NB201_OPS[row[(i * (i - 1)) / 2 + j]];

/**
 * The two vectors as the reference builds them for an NB201 supernet with one cell per stage (cell
 * list 0, block 1, 2, block 3, 4), channels C, 2C, 4C; null when every path has a none (angle 0).
 */
function nb201ReferenceVectors(init: Weights, trained: Weights, row: number[], C: number) {
  const head = ['stem.0.weight', 'stem.1.weight', 'stem.1.bias'];
  const fixedCell = (i: number) =>
    [
      'conv_a.op.1.weight',
      'conv_a.op.2.weight',
      'conv_a.op.2.bias',
      'conv_b.op.1.weight',
      'conv_b.op.2.weight',
      'conv_b.op.2.bias',
      'downsample.1.weight',
    ].map((n) => `cells.${i}.${n}`);
  const tail = ['lastact.0.weight', 'lastact.0.bias', 'classifier.weight', 'classifier.bias'];
  const v0: Float64Array[] = [];
  const v1: Float64Array[] = [];
  const param = (name: string) => {
    if (!init.has(name)) throw new Error(`no ${name}`);
    v0.push(f64(init.get(name)!));
    v1.push(f64(trained.get(name)!));
  };
  head.forEach(param);
  const paths = [
    [0, 3],
    [0, 2, 3],
    [0, 1, 2, 3],
    [0, 1, 3],
  ];
  const cellChannels: Record<number, number> = { 0: C, 2: 2 * C, 4: 4 * C };
  let nonePaths = 0;
  let fixedDone = false;
  for (const path of paths) {
    let cut = false;
    for (const cell of [0, 1, 2, 3, 4]) {
      if (cell === 1 || cell === 3) {
        if (!fixedDone) fixedCell(cell).forEach(param);
        continue;
      }
      const p0: Float64Array[] = [];
      const p1: Float64Array[] = [];
      for (let k = 1; k < path.length && !cut; k++) {
        const [i, j] = [path[k], path[k - 1]];
        const op = nb201Op(row, i, j);
        if (op === 'none') cut = true;
        else if (op === 'avg_pool_3x3') {
          p0.push(filled(cellChannels[cell] * 9, 1 / 9));
          p1.push(filled(cellChannels[cell] * 9, 1 / 9));
        } else if (op.startsWith('nor_conv')) {
          const name = `cells.${cell}.edges.${i}<-${j}.${NB201_OPS.indexOf(op)}.op.1.weight`;
          p0.push(f64(init.get(name)!));
          p1.push(f64(trained.get(name)!));
        }
      }
      if (cut) break;
      v0.push(...p0);
      v1.push(...p1);
    }
    if (cut) nonePaths += 1;
    else fixedDone = true;
  }
  tail.forEach(param);
  return nonePaths === paths.length ? null : { v0, v1 };
}

describe('RLNAS angle on NB201 (against the reference construction)', () => {
  const C = 1;
  const space = { name: 'nb201', channels: C, cellsPerStage: 1 } as SearchConfigInput['space'];
  const arch = (r: Rig, row: number[]) => r.space.choices(r.space.fromChoices({ cell: row }));

  it('paths are the reference’s four, and the fixed parts are exactly its head, residual blocks and tail', () => {
    expect(nb201Paths()).toEqual([
      [0, 1, 2, 3],
      [0, 1, 3],
      [0, 2, 3],
      [0, 3],
    ]);
    const r = rig(space);
    // An all-skip candidate's vector is the fixed parts only.
    const blocks = r.parts.blocks(arch(r, [1, 1, 1, 1, 1, 1]))!;
    const names = blocks.map((b) => (b.kind === 'parameter' ? b.name : b.what)).sort();
    const want = [
      'stem.0.weight',
      'stem.1.weight',
      'stem.1.bias',
      ...[1, 3].flatMap((i) =>
        [
          'conv_a.op.1.weight',
          'conv_a.op.2.weight',
          'conv_a.op.2.bias',
          'conv_b.op.1.weight',
          'conv_b.op.2.weight',
          'conv_b.op.2.bias',
          'downsample.1.weight',
        ].map((n) => `cells.${i}.${n}`),
      ),
      'lastact.0.weight',
      'lastact.0.bias',
      'classifier.weight',
      'classifier.bias',
    ].sort();
    expect(names).toEqual(want);
    r.metric.dispose();
    r.net.dispose();
  });

  it('unchanged weights give the angle 0 exactly, for any candidate', () => {
    const r = rig(space);
    const rng = new Rng(5);
    for (let n = 0; n < 20; n++)
      expect(r.metric.angle(r.parts.blocks(r.space.choices(r.space.sample(rng))))).toBe(0);
    r.metric.dispose();
    r.net.dispose();
  });

  it('hand-computed: pooling constants on every path, none cutting paths, skip adding nothing', () => {
    const r = rig(space);
    // The fixed parts flip sign, the cell ops are untouched: cos = (P − F)/(P + F), F = |fixed|², P = the pool constants' Σ1/81.
    const fixedNames = new Set(
      r.parts.blocks(arch(r, [1, 1, 1, 1, 1, 1]))!.flatMap((b) => (b.kind === 'parameter' ? [b.name] : [])),
    );
    let F = 0;
    for (const n of fixedNames) for (const x of r.init.get(n)!) F += x * x;
    move(r.net, (name, w) => (fixedNames.has(name) ? -w : w));
    const angle = (row: number[]) => r.metric.angle(r.parts.blocks(arch(r, row)));
    // All skip: only the fixed parts, reversed: π.
    expect(angle([1, 1, 1, 1, 1, 1])).toBeCloseTo(Math.PI, 12);
    // All pool: 1 + 2 + 3 + 2 = 8 kernels per cell; a [C,3,3] kernel of 1/9 has Σ = 9C/81 = C/9; cells at C, 2C, 4C.
    const pool = (kernelsPerCell: number) => (kernelsPerCell * (C + 2 * C + 4 * C)) / 9;
    const expected = (P: number) => Math.acos((P - F) / (P + F));
    expect(angle([4, 4, 4, 4, 4, 4])).toBeCloseTo(expected(pool(8)), 12);
    // 3←0 none cuts [0,3]: 7 kernels per cell.
    expect(angle([4, 4, 4, 0, 4, 4])).toBeCloseTo(expected(pool(7)), 12);
    // 1←0 none cuts [0,1,2,3] and [0,1,3]: 1 + 2 = 3 kernels per cell.
    expect(angle([0, 4, 4, 4, 4, 4])).toBeCloseTo(expected(pool(3)), 12);
    // A skip on 2←1 removes one kernel from [0,1,2,3] only: 7.
    expect(angle([4, 4, 1, 4, 4, 4])).toBeCloseTo(expected(pool(7)), 12);
    // Every path cut (1←0, 2←0, 3←0 none): the reference's angle 0, though the weights moved.
    expect(angle([0, 0, 4, 0, 4, 4])).toBe(0);
    r.metric.dispose();
    r.net.dispose();
  });

  it('equals the reference construction for random candidates after random weight changes', () => {
    const r = rig(space);
    const noise = new Rng(9);
    const trained = move(r.net, (_n, w) => w + 0.3 * noise.normal());
    const rng = new Rng(1);
    let compared = 0;
    for (let n = 0; n < 60; n++) {
      const row = Array.from({ length: 6 }, () => rng.int(5));
      const ref = nb201ReferenceVectors(r.init, trained, row, C);
      const got = r.metric.angle(r.parts.blocks(arch(r, row)));
      if (ref === null) expect(got).toBe(0);
      else {
        expect(got).toBeCloseTo(angleOfVectors(ref.v0, ref.v1), 12);
        expect(got).toBeGreaterThan(0);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(40);
    r.metric.dispose();
    r.net.dispose();
  });
});

// ---- DARTS: the reference's construction (test_server.py get_arch_vector), written out independently ----

const DARTS_OPS = [
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
];
/** evolution_search/config.py `paths` (4 nodes), verbatim. */
const REFERENCE_PATHS = [
  [0, 2, 3, 4, 5],
  [0, 2, 3, 5],
  [0, 2, 4, 5],
  [0, 2, 5],
  [0, 3, 4, 5],
  [0, 3, 5],
  [0, 4, 5],
  [0, 5],
  [1, 2, 3, 4, 5],
  [1, 2, 3, 5],
  [1, 2, 4, 5],
  [1, 2, 5],
  [1, 3, 4, 5],
  [1, 3, 5],
  [1, 4, 5],
  [1, 5],
  [0, 2, 3, 4],
  [0, 2, 4],
  [0, 3, 4],
  [0, 4],
  [1, 2, 3, 4],
  [1, 2, 4],
  [1, 3, 4],
  [1, 4],
  [0, 2, 3],
  [0, 3],
  [1, 2, 3],
  [1, 3],
  [0, 2],
  [1, 2],
];

/**
 * The reference's vectors for a 3-cell DARTS supernet (reductions at cells 1 and 2), channels C, 2C,
 * 4C; `cand[i]` the 14 op indices of cell i (−1: edge off, which the reference writes as none).
 */
function dartsReferenceVectors(init: Weights, trained: Weights, cand: number[][], C: number) {
  const v0: Float64Array[] = [];
  const v1: Float64Array[] = [];
  const used = new Set<string>();
  /** Appends the named parameters that exist (a non-affine BN has no γ, β) to the two vectors. */
  const params = (into: [Float64Array[], Float64Array[]], prefix: string, names: string[]) => {
    for (const n of names) {
      const name = prefix + n;
      if (!init.has(name)) continue;
      used.add(name);
      into[0].push(f64(init.get(name)!));
      into[1].push(f64(trained.get(name)!));
    }
  };
  const constant = (into: [Float64Array[], Float64Array[]], x: Float64Array) => {
    into[0].push(x);
    into[1].push(x);
  };
  const whole: [Float64Array[], Float64Array[]] = [v0, v1];
  params(whole, 'stem.', ['0.weight', '1.weight', '1.bias']);
  const reduction = [false, true, true];
  const widths = [C, 2 * C, 4 * C];
  for (let i = 0; i < 3; i++) {
    const pre = `cells.${i}.`;
    // preprocess0 is a FactorizedReduce after a reduction cell, else ReLU-conv-BN.
    params(whole, `${pre}preprocess0.`, [
      'conv_1.weight',
      'conv_2.weight',
      'bn.weight',
      'bn.bias',
      'op.1.weight',
      'op.2.weight',
      'op.2.bias',
    ]);
    params(whole, `${pre}preprocess1.`, ['op.1.weight', 'op.2.weight', 'op.2.bias']);
    for (const path of REFERENCE_PATHS) {
      const cell: [Float64Array[], Float64Array[]] = [[], []];
      let cut = false;
      for (let k = 1; k < path.length && !cut; k++) {
        const [j, from] = [path[k], path[k - 1]];
        let offset = 0;
        for (let t = 2; t < j; t++) offset += t;
        const e = from + offset;
        const op = cand[i][e] < 0 ? 'none' : DARTS_OPS[cand[i][e]];
        const at = `${pre}edges.${e}.${op}.`;
        if (op === 'none') cut = true;
        else if (op.includes('pool')) {
          constant(cell, filled(widths[i] * 9, 1 / 9));
          params(cell, at, ['1.weight', '1.bias']);
        } else if (op === 'skip_connect') {
          if (reduction[i] && from < 2)
            params(cell, at, ['conv_1.weight', 'conv_2.weight', 'bn.weight', 'bn.bias']);
          else constant(cell, eye(widths[i]));
        } else if (op.startsWith('sep_conv'))
          params(cell, at, [
            'op.1.weight',
            'op.2.weight',
            'op.5.weight',
            'op.6.weight',
            'op.3.weight',
            'op.3.bias',
            'op.7.weight',
            'op.7.bias',
          ]);
        // dil_conv: its BN's weight and bias (the reference reads the bias from `.weight`)
        else params(cell, at, ['op.1.weight', 'op.2.weight', 'op.3.weight', 'op.3.bias']);
      }
      if (cut) continue;
      v0.push(...cell[0]);
      v1.push(...cell[1]);
    }
  }
  params(whole, '', ['classifier.weight']);
  return { v0, v1, used };
}

describe('RLNAS angle on DARTS (against the reference construction)', () => {
  const C = 2;
  const space = { name: 'darts', cells: 3, nodes: 4, channels: C } as SearchConfigInput['space'];

  /** A random candidate: per node two distinct inputs with random ops (none included), both cells. */
  const candidate = (rng: Rng, noNone = false): Choices => {
    const cell = () => {
      const row = new Array<number>(14).fill(-1);
      let offset = 0;
      for (let n = 0; n < 4; n++) {
        const a = rng.int(n + 2);
        let b = rng.int(n + 1);
        if (b >= a) b += 1;
        row[offset + a] = noNone ? 1 + rng.int(7) : rng.int(8);
        row[offset + b] = noNone ? 1 + rng.int(7) : rng.int(8);
        offset += n + 2;
      }
      return row;
    };
    return { normal: cell(), reduce: cell() };
  };

  it('paths are the reference’s 30', () => {
    expect(
      dartsPaths(4)
        .map((p) => p.join())
        .sort(),
    ).toEqual(REFERENCE_PATHS.map((p) => p.join()).sort());
    expect(dartsPaths(2)).toHaveLength(6);
  });

  it('unchanged weights give the angle 0 exactly', () => {
    const r = rig(space);
    const rng = new Rng(2);
    for (let n = 0; n < 10; n++) expect(r.metric.angle(r.parts.blocks(candidate(rng)))).toBe(0);
    r.metric.dispose();
    r.net.dispose();
  });

  it('equals the reference construction (identity eye(C), FactorizedReduce skips, pool constants, none cutting paths)', () => {
    const r = rig(space);
    const noise = new Rng(4);
    const trained = move(r.net, (_n, w) => 0.5 * w + 0.2 * noise.normal());
    const rng = new Rng(8);
    const everyName = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const c = candidate(rng, n % 2 === 0);
      // The reference's cand per cell: normal at 0, reduce at 1 and 2.
      const ref = dartsReferenceVectors(r.init, trained, [c.normal, c.reduce, c.reduce], C);
      ref.used.forEach((x) => everyName.add(x));
      expect(r.metric.angle(r.parts.blocks(c))).toBeCloseTo(angleOfVectors(ref.v0, ref.v1), 12);
    }
    // Over these candidates the reference's names reach every parameter but the classifier's bias.
    const all = [...r.init.keys()].filter((n) => n !== 'classifier.bias');
    expect(all.filter((n) => !everyName.has(n))).toEqual([]);
    r.metric.dispose();
    r.net.dispose();
  });

  it('hand-computed: skip on a normal cell is eye(C), its C ones count once per path', () => {
    const r = rig(space);
    // Everything reversed: a candidate whose normal cell is all skip and reduction cell all pool.
    const fixedAndReduce = (name: string) => !name.startsWith('cells.0.edges.');
    move(r.net, (name, w) => (fixedAndReduce(name) ? -w : w));
    const c: Choices = {
      // node 2 ← 0, 1; node 3 ← 0, 2; node 4 ← 1, 3; node 5 ← 2, 4, all skip (index 3).
      normal: [3, 3, 3, -1, 3, -1, 3, -1, 3, -1, -1, 3, -1, 3],
      // the same wiring, all avg pool (index 2)
      reduce: [2, 2, 2, -1, 2, -1, 2, -1, 2, -1, -1, 2, -1, 2],
    };
    // The live paths of this wiring, counted by hand (edges per path summed):
    // live edges: 2←0, 2←1, 3←0, 3←2, 4←1, 4←3, 5←2, 5←4.
    // paths ending at 2: [0,2], [1,2]                                  → 2 edges
    // at 3: [0,3], [0,2,3], [1,2,3]                                    → 1 + 2 + 2 = 5
    // at 4: [1,4], [0,3,4], [0,2,3,4], [1,2,3,4]                       → 1 + 2 + 3 + 3 = 9
    // at 5: [0,2,5], [1,2,5], [1,4,5], [0,3,4,5], [0,2,3,4,5], [1,2,3,4,5] → 2 + 2 + 2 + 3 + 4 + 4 = 17
    const edgesOnPaths = 2 + 5 + 9 + 17;
    // Normal cell 0 (C channels): each skip is eye(C): Σ = C. Reduction cells (2C, 4C): the stride-2
    // edges (from 0 or 1) are pools too here (a pool, not a skip), each [C',3,3]/9 with Σ = C'/9.
    const S = edgesOnPaths * C + (edgesOnPaths * (2 * C)) / 9 + (edgesOnPaths * (4 * C)) / 9;
    let F = 0;
    for (const b of r.parts.blocks(c)!)
      if (b.kind === 'parameter') for (const x of r.init.get(b.name)!) F += x * x;
    expect(r.metric.angle(r.parts.blocks(c))).toBeCloseTo(Math.acos((S - F) / (S + F)), 12);
    r.metric.dispose();
    r.net.dispose();
  });
});

describe('AngleMetric', () => {
  it('its initial weights survive a checkpoint round trip and a change of the weights re-reads them', () => {
    const r = rig({ name: 'nb201', channels: 1, cellsPerStage: 1 } as SearchConfigInput['space']);
    const rng = new Rng(3);
    const choices = r.space.choices(r.space.fromChoices({ cell: [3, 2, 4, 3, 2, 3] }));
    move(r.net, (_n, w) => w + 0.1 * rng.normal());
    const a = r.metric.angle(r.parts.blocks(choices));
    const saved = Object.fromEntries(
      Object.entries(r.metric.tensors('initial.')).map(([k, t]) => [k, tf.clone(t)]),
    );
    const other = new AngleMetric(r.net); // a fresh copy: its "initial" weights are the trained ones
    expect(other.angle(r.parts.blocks(choices))).toBe(0);
    const before = tf.memory().numTensors;
    other.restore(saved, 'initial.');
    expect(tf.memory().numTensors).toBe(before);
    expect(other.angle(r.parts.blocks(choices))).toBe(a);
    move(r.net, (_n, w) => w + 0.1 * rng.normal());
    other.weightsChanged();
    expect(other.angle(r.parts.blocks(choices))).not.toBe(a);
    expect(() => other.restore({}, 'initial.')).toThrow(/lacks RLNAS's initial weights/);
    tf.dispose(Object.values(saved));
    other.dispose();
    r.metric.dispose();
    r.net.dispose();
  });
});
