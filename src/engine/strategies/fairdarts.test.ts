import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { DartsSearchSpace } from '../spaces/darts/space';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { SearchNetwork } from '../spaces/darts/supernet';
import { Rng } from '../util/rng';
import { ArrayBatches, separableImages } from '../../../test/helpers/tiny-data';
import type { AlphaGradients } from './darts';
import { FairDarts, zeroOneLoss } from './fairdarts';
import { deriveFairDarts, strongestInputEdge, thresholdSparseCell } from './fairdarts-derive';
import { FairDartsSchema } from './fairdarts-spec';
import type { Batch } from './strategy';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const TINY_OPS = ['max_pool_3x3', 'skip_connect', 'sep_conv_3x3'] as const;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));

function tinySetup(overrides: Record<string, unknown> = {}) {
  const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 3, ops: [...TINY_OPS] });
  const rng = new Rng(7);
  const net = new SearchNetwork(space, 3, 4, rng);
  const cfg = FairDartsSchema.parse({ name: 'fairdarts', alphaInitScale: 0.8, ...overrides });
  const fd = new FairDarts(net, cfg, rng, new DartsSearchSpace(space));
  const batches = new ArrayBatches(separableImages(32, 8, 3, 11), 8, 3);
  return { net, fd, batches, space };
}

function freeBatch(b: Batch) {
  tf.dispose([b.x, b.y]);
}

/** Central finite difference of f at entry idx of variable v. */
function centralDiff(v: tf.Variable, idx: number, h: number, f: () => number): number {
  const orig = v.dataSync().slice();
  const set = (delta: number) => {
    const d = orig.slice();
    d[idx] += delta;
    v.assign(tf.tensor(d, v.shape));
  };
  set(h);
  const fp = f();
  set(-h);
  const fm = f();
  v.assign(tf.tensor(orig, v.shape));
  return (fp - fm) / (2 * h);
}

/** L₀₁ in plain numbers, from the paper's formula: −mean over all entries of (σ(α) − 0.5)² (or |·|). */
function zeroOneByHand(alphas: tf.Variable[], kind: 'l2' | 'l1' = 'l2'): number {
  const all = alphas.flatMap((a) => Array.from(a.dataSync()));
  const d = all.map((x) => sigmoid(x) - 0.5);
  return -d.reduce((s, v) => s + (kind === 'l2' ? v * v : Math.abs(v)), 0) / all.length;
}

describe('FairDARTS zero-one loss', () => {
  it('equals −mean((σ − 0.5)²) over both cells together (and −mean|σ − 0.5| for l1)', () => {
    const a = tf.tensor2d([
      [0, 2],
      [-1, 0.5],
    ]);
    const b = tf.tensor2d([[3, -3]]);
    const s = [a, b].map((t) => tf.sigmoid(t));
    const vals = [0, 2, -1, 0.5, 3, -3].map((x) => sigmoid(x) - 0.5);
    const l2 = -vals.reduce((t, v) => t + v * v, 0) / 6;
    const l1 = -vals.reduce((t, v) => t + Math.abs(v), 0) / 6;
    expect(zeroOneLoss(s, 'l2').dataSync()[0]).toBeCloseTo(l2, 6);
    expect(zeroOneLoss(s, 'l1').dataSync()[0]).toBeCloseTo(l1, 6);
    tf.dispose([a, b, ...s]);
  });

  for (const kind of ['l2', 'l1'] as const) {
    it(`${kind}: its gradient in α equals central finite differences of the formula`, () => {
      const { net, fd } = tinySetup({ zeroOneLoss: kind });
      const alphas = [fd.alphaNormal, fd.alphaReduce];
      const grads = tf.tidy(() => fd.zeroOneGradients().grads.map((g) => g.dataSync()));
      let checked = 0;
      alphas.forEach((alpha, li) => {
        for (let i = 0; i < alpha.size; i += 3) {
          const numeric = centralDiff(alpha, i, 1e-3, () => zeroOneByHand(alphas, kind));
          expect(Math.abs(numeric - grads[li][i])).toBeLessThan(2e-3 * Math.abs(grads[li][i]) + 2e-6);
          checked++;
        }
      });
      expect(checked).toBeGreaterThan(5);
      // Not zero: α ~ 0.8·N(0, 1) sits away from σ = 0.5.
      expect(Math.max(...grads.flatMap((g) => Array.from(g).map(Math.abs)))).toBeGreaterThan(1e-3);
      fd.dispose();
      net.dispose();
    });
  }

  it("the α step's gradient is that of L_val + w₀₁·L₀₁ (finite differences on a tiny supernet)", () => {
    const { net, fd, batches } = tinySetup();
    const train = batches.next();
    const val = batches.next();
    const alphas = [fd.alphaNormal, fd.alphaReduce];
    const objective = () => tf.tidy(() => fd.loss(val).dataSync()[0]) + 10 * zeroOneByHand(alphas);
    const step = fd as unknown as { alphaGradients(t: Batch, v: Batch): AlphaGradients };
    const out = tf.tidy(() => {
      const g = step.alphaGradients(train, val);
      return { grads: g.grads.map((t) => t.dataSync()), zeroOne: g.extra!.zeroOneLoss.dataSync()[0] };
    });
    expect(out.zeroOne).toBeCloseTo(zeroOneByHand(alphas), 6);
    alphas.forEach((alpha, li) => {
      const g = out.grads[li];
      const largest = Array.from(g.keys())
        .sort((x, y) => Math.abs(g[y]) - Math.abs(g[x]))
        .slice(0, 4);
      for (const i of largest) {
        const numeric = centralDiff(alpha, i, 3e-3, objective);
        expect(Math.abs(numeric - g[i])).toBeLessThan(0.05 * Math.abs(g[i]) + 3e-4);
      }
    });
    freeBatch(train);
    freeBatch(val);
    fd.dispose();
    net.dispose();
  });
});

describe('FairDARTS σ mix', () => {
  it('passes σ(α) itself as the mix weights (rows need not sum to 1)', () => {
    const { net, fd } = tinySetup();
    const choice = fd.archChoice();
    for (const [label, alpha] of [
      ['normal', fd.alphaNormal],
      ['reduce', fd.alphaReduce],
    ] as const) {
      const c = choice[label];
      expect(c.kind).toBe('mix');
      const w = (c as { weights: tf.Tensor2D }).weights.arraySync();
      const a = alpha.arraySync() as number[][];
      w.forEach((row, e) => row.forEach((v, k) => expect(v).toBeCloseTo(sigmoid(a[e][k]), 6)));
      expect(w.some((row) => Math.abs(row.reduce((s, v) => s + v, 0) - 1) > 0.1)).toBe(true);
    }
    tf.dispose(Object.values(choice).map((c) => (c as { weights: tf.Tensor }).weights));
    fd.dispose();
    net.dispose();
  });

  it('an edge under σ(α) computes Σ_k σ(α_k)·op_k(x), each op run on its own', () => {
    const { net, fd } = tinySetup();
    const edge = net.cells.items[0].edges.items[0];
    const ctx = { training: true };
    const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const row = (fd.alphaNormal.arraySync() as number[][])[0];
    const mixed = tf.tidy(() => {
      const w = (fd.archChoice().normal as { weights: tf.Tensor2D }).weights;
      return edge.mix(x, w.slice([0, 0], [1, -1]).reshape([-1]) as tf.Tensor1D, ctx).dataSync();
    });
    const byHand = tf.tidy(() =>
      TINY_OPS.map((name, k) => edge.child(name)!.forward(x, ctx).mul(sigmoid(row[k])))
        .reduce((s, t) => s.add(t))
        .dataSync(),
    );
    expect(mixed.length).toBe(byHand.length);
    let maxErr = 0;
    for (let i = 0; i < mixed.length; i++) maxErr = Math.max(maxErr, Math.abs(mixed[i] - byHand[i]));
    expect(maxErr).toBeLessThan(1e-5);
    x.dispose();
    fd.dispose();
    net.dispose();
  });

  it("refuses a space with 'none', naming space.ops", () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 3 });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const cfg = FairDartsSchema.parse({ name: 'fairdarts' });
    expect(() => new FairDarts(net, cfg, new Rng(1), new DartsSearchSpace(space))).toThrow(
      /without 'none'.*space\.ops/,
    );
    net.dispose();
  });

  it('starts from α = 0 (σ = 0.5) by default, as the reference', () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 3, ops: [...TINY_OPS] });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const fd = new FairDarts(
      net,
      FairDartsSchema.parse({ name: 'fairdarts' }),
      new Rng(1),
      new DartsSearchSpace(space),
    );
    for (const rows of Object.values(fd.probabilities()))
      for (const r of rows) for (const v of r) expect(v).toBe(0.5);
    fd.dispose();
    net.dispose();
  });
});

describe('FairDARTS derivation (threshold_sparse, fixed σ)', () => {
  const ops = ['a', 'b', 'c'];
  // 2 nodes: node 0 (state 2) has edges from states 0, 1; node 1 (state 3) from 0, 1, 2.
  it('keeps per node the two strongest edges whose best σ reaches the threshold; ties stable', () => {
    const s = [
      [0.1, 0.9, 0.2], // 0 → 2: best b 0.9, kept
      [0.8, 0.3, 0.1], // 1 → 2: best a 0.8 < 0.85, dropped
      [0.95, 0.95, 0.1], // 0 → 3: ties with the other two edges of node 1; first op of the tie (a)
      [0.2, 0.95, 0.95], // 1 → 3: b (first of its tie)
      [0.95, 0.2, 0.3], // 2 → 3: third of a three-way tie: the stable sort leaves it out
    ];
    expect(thresholdSparseCell(s, ops, 2, 0.85)).toEqual([
      ['b', 0, 2],
      ['a', 0, 3],
      ['b', 1, 3],
    ]);
    // σ exactly at the threshold passes (≥); the ranking picks the top two before the threshold.
    const t = [
      [0.85, 0.1, 0.1],
      [0.9, 0.1, 0.1],
      [0.1, 0.1, 0.5],
      [0.1, 0.84, 0.1],
      [0.1, 0.1, 0.99],
    ];
    expect(thresholdSparseCell(t, ops, 2, 0.85)).toEqual([
      ['a', 1, 2],
      ['a', 0, 2],
      ['c', 2, 3],
    ]);
  });

  it('builds the sparse genotype: nodes may keep one input, the output concatenates the nodes that have inputs', () => {
    const normal = [
      [0.1, 0.9, 0.2],
      [0.8, 0.3, 0.1],
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1],
    ];
    const reduce = [
      [0.9, 0.1, 0.1],
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1],
      [0.1, 0.1, 0.97],
    ];
    const d = deriveFairDarts({ normal, reduce }, ops, 2, 'threshold_sparse', 0.85);
    expect(d.genotype).toEqual({
      normal: [['b', 0]],
      normalNodes: [2],
      normalConcat: [2],
      reduce: [
        ['a', 0],
        ['c', 2],
      ],
      reduceNodes: [2, 3],
      reduceConcat: [2, 3],
    });
    expect(d.kept).toEqual({ normal: 1, reduce: 2 });
    expect(d.fallback).toEqual({ normal: false, reduce: false });
  });

  it('a cell with nothing buildable keeps its strongest edge from a cell input (deviation: never empty)', () => {
    const flat = Array.from({ length: 5 }, () => [0.5, 0.5, 0.5]);
    // σ(0) = 0.5 everywhere: the first edge, the first op.
    expect(strongestInputEdge(flat, ops, 2)).toEqual(['a', 0, 2]);
    // Only 2 → 3 passes, but node 2 has no input: cut off, so the cell falls back to 1 → 3 (0.7, op c).
    const cut = [
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.6],
      [0.5, 0.5, 0.7],
      [0.99, 0.5, 0.5],
    ];
    const d = deriveFairDarts({ normal: cut, reduce: flat }, ops, 2, 'threshold_sparse', 0.85);
    expect(d.kept).toEqual({ normal: 1, reduce: 0 });
    expect(d.fallback).toEqual({ normal: true, reduce: true });
    expect(d.genotype.normal).toEqual([['c', 1]]);
    expect(d.genotype.normalNodes).toEqual([3]);
    expect(d.genotype.normalConcat).toEqual([3]);
    expect(d.genotype.reduce).toEqual([['a', 0]]);
  });

  it("'darts' keeps the two strongest edges per node whatever their σ (dense)", () => {
    const s = [
      [0.1, 0.2, 0.3],
      [0.4, 0.1, 0.1],
      [0.1, 0.1, 0.1],
      [0.2, 0.6, 0.1],
      [0.3, 0.1, 0.1],
    ];
    const d = deriveFairDarts({ normal: s, reduce: s }, ops, 2, 'darts', 0.85);
    expect(d.genotype.normal).toEqual([
      ['a', 1],
      ['c', 0],
      ['b', 1],
      ['a', 2],
    ]);
    expect(d.genotype.normalNodes).toBeUndefined();
  });

  it('the strategy derives from σ of its α, and reports the kept edges per epoch', () => {
    const { net, fd, space } = tinySetup();
    // σ values set through α = logit(σ).
    const normal = [
      [0.1, 0.95, 0.2],
      [0.3, 0.3, 0.3],
      [0.3, 0.3, 0.9],
      [0.3, 0.3, 0.3],
      [0.3, 0.3, 0.3],
    ];
    fd.alphaNormal.assign(tf.tensor2d(normal.map((r) => r.map(logit))));
    fd.alphaReduce.assign(tf.zerosLike(fd.alphaReduce));
    const g = fd.derive();
    expect(g.normal).toEqual([
      ['skip_connect', 0],
      ['sep_conv_3x3', 0],
    ]);
    expect(g.normalNodes).toEqual([2, 3]);
    expect(g.reduce).toEqual([['max_pool_3x3', 0]]);
    const info = {
      phase: 'search',
      phaseIndex: 0,
      epoch: 0,
      stepInEpoch: 0,
      stepsPerEpoch: 1,
      totalEpochs: 1,
      globalStep: 0,
    };
    // The collapse alarm is off: only the kept-edge counts.
    expect(fd.epochEnd(info)).toEqual({ metrics: { keptEdgesNormal: 2, keptEdgesReduce: 0 } });
    // The space takes it: JSON and the (op, to, from) text round-trip, choices accept it.
    const ds = new DartsSearchSpace(space);
    expect(ds.fromJson(ds.toJson(g))).toEqual(g);
    expect(ds.fromText(ds.toText(g))).toEqual(g);
    expect(ds.choices(g).normal.filter((k) => k >= 0)).toHaveLength(2);
    const snap = fd.architecture();
    expect(snap.normal.kind).toBe('sigmoid');
    expect(snap.normal.values[0][1]).toBeCloseTo(0.95, 6);
    fd.dispose();
    net.dispose();
  });
});

const base: SearchConfigInput = {
  space: { name: 'darts', cells: 2, nodes: 2, channels: 2, ops: [...TINY_OPS] },
  strategy: { name: 'fairdarts' } as SearchConfigInput['strategy'],
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 3,
  seed: 4,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

async function session(overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...base, ...overrides });
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

describe('FairDARTS search loop', () => {
  for (const order of ['first', 'second'] as const) {
    it(`${order} order: flat tensor count over 20 steps, α moves, metrics and a genotype every epoch`, async () => {
      const s = await session({
        epochs: 12,
        strategy: { name: 'fairdarts', order, alphaInitScale: 0.3 } as SearchConfigInput['strategy'],
      });
      const fd = s.strategy as unknown as FairDarts;
      const initial = fd.alphaNormal.dataSync().slice();
      s.runStep();
      s.runStep();
      const before = tf.memory().numTensors;
      let last;
      let epochEnds = 0;
      for (let i = 0; i < 20; i++) {
        last = s.runStep();
        if (last.epochEnd) {
          epochEnds++;
          expect(last.epochEnd.arch.normal.kind).toBe('sigmoid');
          expect(Number.isFinite(last.epochEnd.metrics.keptEdgesNormal)).toBe(true);
        }
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(epochEnds).toBeGreaterThan(5);
      for (const key of [
        'trainLoss',
        'trainAcc',
        'valLoss',
        'valAcc',
        'zeroOneLoss',
        'gradNorm',
        'lrWeights',
      ])
        expect(Number.isFinite(last!.metrics[key]), key).toBe(true);
      expect(last!.metrics.zeroOneLoss).toBeLessThan(0);
      expect(Array.from(fd.alphaNormal.dataSync())).not.toEqual(Array.from(initial));
      s.dispose();
    });
  }

  it('the zero-one loss alone drives σ away from 0.5 (w₀₁ large: nearly every |α| grows)', async () => {
    const s = await session({
      epochs: 4,
      strategy: {
        name: 'fairdarts',
        zeroOneWeight: 1000,
        alphaInitScale: 0.5,
        alphaWeightDecay: 0,
      } as SearchConfigInput['strategy'],
    });
    const fd = s.strategy as unknown as FairDarts;
    const a0 = Array.from(fd.alphaNormal.dataSync());
    const z0 = zeroOneByHand([fd.alphaNormal]);
    while (!s.done) s.runStep();
    const a1 = Array.from(fd.alphaNormal.dataSync());
    const grew = a1.filter((v, i) => Math.abs(v) > Math.abs(a0[i])).length;
    expect(grew / a1.length).toBeGreaterThan(0.9);
    expect(zeroOneByHand([fd.alphaNormal])).toBeLessThan(z0);
    s.dispose();
  });
});
