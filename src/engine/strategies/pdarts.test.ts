import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { captureSession, restoreSession } from '../search/checkpoint';
import { SearchSession } from '../search/session';
import { countSupernetParams } from '../spaces/darts/param-count';
import { DartsSpaceSchema, type DartsSpace } from '../spaces/darts/search-space';
import type { DartsSearchSpace } from '../spaces/darts/space';
import type { Genotype } from '../spaces/darts/genotype-types';
import { MixedOp, SearchNetwork, type ArchChoice, type Recompute } from '../spaces/darts/supernet';
import { DARTS_PRIMITIVES } from '../spaces/darts/primitives-contract';
import { crossEntropy } from '../train/loss';
import { Rng } from '../util/rng';
import type { Pdarts } from './pdarts';
import { parseDroppedOpKey, SKIP_LIMIT_KEYS } from './stage-timeline-spec';
import { opsToDrop, pdartsCell, pruneEdgeOps, skipDropoutRate, survivingOp } from './pdarts-prune';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const tiny: SearchConfigInput = {
  space: { name: 'darts', cells: 1, nodes: 2, channels: 2 },
  strategy: { name: 'pdarts', addLayers: [0, 1, 2], warmupEpochs: 1 },
  epochs: 2,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
} as SearchConfigInput;

function config(overrides: Partial<SearchConfigInput> = {}) {
  return parseSearchConfig({ ...tiny, ...overrides });
}

async function session(overrides: Partial<SearchConfigInput> = {}) {
  const c = config(overrides);
  return new SearchSession<Genotype>(c, await buildSearchData(c));
}

const pdarts = (s: SearchSession<Genotype>) => s.strategy as unknown as Pdarts;

describe('P-DARTS op pruning (train_search.py get_min_k, get_min_k_no_zero)', () => {
  const names = [...DARTS_PRIMITIVES];
  // none max avg skip sep3 sep5 dil3 dil5
  const probs = [0.2, 0.05, 0.1, 0.05, 0.25, 0.1, 0.15, 0.1];

  it('drops the lowest, ties to the first index (np.argmin), none treated like any op', () => {
    // By hand: 0.05 at 1 then at 3, then the first of the three 0.1s (index 2); 5 and 7 stay.
    expect(opsToDrop(probs, names, 3, false)).toEqual([1, 3, 2]);
    expect(pruneEdgeOps([names], [probs], 5)).toEqual([
      ['none', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'],
    ]);
    // Each edge on its own probabilities.
    const flat = names.map(() => 1 / 8);
    expect(pruneEdgeOps([names, names], [probs, flat], 5)[1]).toEqual(names.slice(3));
  });

  it("the last stage drops 'none' first whatever its weight, then the lowest others", () => {
    expect(opsToDrop([0.5, 0.2, 0.3], ['none', 'skip_connect', 'sep_conv_3x3'], 2, true)).toEqual([0, 1]);
    // A tie between the others: the first is dropped, the last survives.
    expect(survivingOp([0.5, 0.25, 0.25], ['none', 'skip_connect', 'sep_conv_3x3'])).toBe(2);
    expect(survivingOp([0.4, 0.4, 0.2], ['max_pool_3x3', 'skip_connect', 'sep_conv_3x3'])).toBe(1);
    expect(survivingOp([0.9, 0.1], ['none', 'skip_connect'])).toBe(1);
    expect(survivingOp([1], ['none'])).toBe(-1);
  });

  it('refuses to prune an edge to as many ops as it has', () => {
    expect(() => pruneEdgeOps([['none', 'skip_connect']], [[0.5, 0.5]], 2)).toThrow(/cannot drop to 2/);
  });

  it("the strategy prunes every edge by softmax(α) of its own row at a stage's end", async () => {
    const s = await session();
    const st = pdarts(s);
    const rows = 5;
    // α = log p gives softmax(α) = p (ties stay exact ties); edge 4 prefers the other end.
    const a = Array.from({ length: rows }, (_, e) => (e === 4 ? [...probs].reverse() : probs).map(Math.log));
    st.alphas.get('normal')!.assign(tf.tensor2d(a));
    st.alphas.get('reduce')!.assign(tf.tensor2d(Array.from({ length: rows }, () => names.map(() => 0))));
    const next = st.nextSpace();
    expect(next.cells).toBe(2);
    const kept = ['none', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'];
    expect(next.edgeOps!.normal.slice(0, 4)).toEqual([kept, kept, kept, kept]);
    // Reversed: [0.1, 0.15, 0.1, 0.25, 0.05, 0.1, 0.05, 0.2] by op: drop 4, 6, then the first 0.1 (0).
    expect(next.edgeOps!.normal[4]).toEqual([
      'max_pool_3x3',
      'avg_pool_3x3',
      'skip_connect',
      'sep_conv_5x5',
      'dil_conv_5x5',
    ]);
    // All equal: the first three go.
    for (const row of next.edgeOps!.reduce) expect(row).toEqual(names.slice(3));
    s.dispose();
  });
});

describe('P-DARTS final cell: one op per edge, two edges per node, at most maxSkips skips', () => {
  // 4 nodes, 14 edges, each with the last stage's ops [none, skip, sep]. Traced by hand below.
  const ops = ['none', 'skip_connect', 'sep_conv_3x3'];
  const p = [
    [0.1, 0.6, 0.3], // e0  skip .6
    [0.1, 0.5, 0.4], // e1  skip .5
    [0.1, 0.7, 0.2], // e2  skip .7
    [0.2, 0.3, 0.5], // e3  sep .5
    [0.6, 0.2, 0.2], // e4  tie: sep .2 (the last survives)
    [0.1, 0.8, 0.1], // e5  skip .8
    [0.1, 0.45, 0.45], // e6 tie: sep .45
    [0.5, 0.1, 0.4], // e7  sep .4
    [0.3, 0.3, 0.4], // e8  sep .4
    [0.1, 0.55, 0.35], // e9 skip .55
    [0.1, 0.2, 0.7], // e10 sep .7
    [0.2, 0.38, 0.42], // e11 sep .42
    [0.1, 0.5, 0.4], // e12 skip .5
    [0.4, 0.3, 0.3], // e13 tie: sep .3
  ];
  const lists = p.map(() => ops);

  it('no cap: the strongest non-none op, the top two edges per node', () => {
    // node 0: e0, e1; node 1: e2 .7, e3 .5; node 2: e5 .8, e6 .45; node 3: e10 .7, e9 .55.
    expect(pdartsCell(p, lists, 4, null)).toEqual([1, 1, 1, 2, -1, 1, 2, -1, -1, 1, 2, -1, -1, -1]);
  });

  it('cap 2: the weakest kept skip goes first, edges are chosen again each time (delete_min_sk_prob)', () => {
    // Skips e0 .6, e1 .5, e2 .7, e5 .8, e9 .55. 1) e1 → sep .4. 2) e9 → sep .35: node 3 now keeps
    // e10 and e12, another skip (.5). 3) e12 → sep .4: node 3 keeps e10, e11 (.42). 4) e0 → sep .3.
    // Left: e2 and e5.
    expect(pdartsCell(p, lists, 4, 2)).toEqual([2, 2, 1, 2, -1, 1, 2, -1, -1, -1, 2, 2, -1, -1]);
    // Cap 0: e2 and e5 go as well.
    const none = pdartsCell(p, lists, 4, 0);
    expect(none.filter((k) => k === 1)).toHaveLength(0);
    // Cap 5: unchanged.
    expect(pdartsCell(p, lists, 4, 5)).toEqual(pdartsCell(p, lists, 4, null));
  });

  it("the strategy's derive applies it to the normal cell only, in the space's genotype", async () => {
    const edgeOps = { normal: lists, reduce: lists };
    const s = await session({
      space: { name: 'darts', cells: 1, nodes: 4, channels: 2, edgeOps } as never,
      strategy: { name: 'pdarts', keepOps: [1], addLayers: [0], addChannels: [0], skipDropout: [0] } as never,
    });
    const st = pdarts(s);
    const logs = tf.tensor2d(p.map((row) => row.map(Math.log)));
    st.alphas.get('normal')!.assign(logs);
    st.alphas.get('reduce')!.assign(logs);
    logs.dispose();
    const g = s.strategy.derive();
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['sep_conv_3x3', 1],
      ['skip_connect', 0],
      ['sep_conv_3x3', 1],
      ['skip_connect', 0],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 1],
      ['sep_conv_3x3', 2],
    ]);
    expect(g.reduce.filter(([op]) => op === 'skip_connect')).toHaveLength(5);
    s.dispose();
  });
});

describe('P-DARTS skip dropout', () => {
  it('the rate per epoch: linear over the warm-up, then exponential from the full rate', () => {
    expect(skipDropoutRate(0.4, 0, 25, 10, 0.2)).toBeCloseTo((0.4 * 24) / 25, 12);
    expect(skipDropoutRate(0.4, 9, 25, 10, 0.2)).toBeCloseTo((0.4 * 15) / 25, 12);
    expect(skipDropoutRate(0.4, 10, 25, 10, 0.2)).toBeCloseTo(0.4, 12);
    expect(skipDropoutRate(0.4, 12, 25, 10, 0.2)).toBeCloseTo(0.4 * Math.exp(-0.4), 12);
  });

  it('zeroes elements of an identity skip with probability p, the others scaled by 1/(1 − p); reproducible by seed', () => {
    const C = 8;
    const x = tf.tensor4d(new Rng(2).fillNormal(2 * 4 * 4 * C), [2, 4, 4, C]);
    const op = new MixedOp(['skip_connect'], C, 1, new Rng(1));
    const w = tf.tensor1d([1]);
    const run = (seed: string, training = true) =>
      tf.tidy(() => op.mix(x, w, { training }, undefined, { rate: 0.5, seed }).dataSync().slice());
    const xs = x.dataSync();
    const a = run('a');
    let zeros = 0;
    a.forEach((v, i) => {
      if (v === 0) zeros += 1;
      else expect(v).toBeCloseTo(xs[i] * 2, 5);
    });
    // 256 elements at p = 0.5: 4 standard deviations either side.
    expect(zeros / a.length).toBeGreaterThan(0.375);
    expect(zeros / a.length).toBeLessThan(0.625);
    expect(run('a')).toEqual(a);
    expect(run('b')).not.toEqual(a);
    // Evaluation mode (nn.Dropout in eval): the identity.
    expect(Array.from(run('a', false))).toEqual(Array.from(xs));
    // A strided skip is a FactorizedReduce, which the reference does not follow by dropout.
    const strided = new MixedOp(['skip_connect'], C, 2, new Rng(1));
    const s1 = tf.tidy(() =>
      strided.mix(x, w, { training: true }, undefined, { rate: 0.5, seed: 'a' }).dataSync(),
    );
    const s0 = tf.tidy(() => strided.mix(x, w, { training: true }).dataSync());
    expect(Array.from(s1)).toEqual(Array.from(s0));
    op.dispose();
    strided.dispose();
    tf.dispose([x, w]);
  });

  it('a recomputed segment replays the masks: same loss and ∂L/∂α with recompute off, edge and cell', () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 2 });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const r = new Rng(5);
    const alphas = [0, 1].map(() => tf.variable(tf.tensor2d(r.fillNormal(5 * 8), [5, 8])));
    const x = tf.tensor4d(r.fillNormal(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const y = tf.tensor1d([0, 3], 'int32');
    const run = (mode: Recompute, rate: number) => {
      net.recompute = mode;
      return tf.tidy(() => {
        const f = () => {
          const arch: ArchChoice = {
            normal: {
              kind: 'mix',
              weights: tf.softmax(alphas[0]) as tf.Tensor2D,
              skipDropout: { rate, seed: 7 },
            },
            reduce: {
              kind: 'mix',
              weights: tf.softmax(alphas[1]) as tf.Tensor2D,
              skipDropout: { rate, seed: 7 },
            },
          };
          return crossEntropy(net.logits(x, arch, { training: true, frozenStats: true }), y);
        };
        const { value, grads } = tf.variableGrads(f, alphas);
        return { loss: value.dataSync()[0], grads: alphas.map((a) => Array.from(grads[a.name].dataSync())) };
      });
    };
    const off = run('off', 0.5);
    expect(off.loss).not.toBeCloseTo(run('off', 0).loss, 4);
    for (const mode of ['edge', 'cell'] as const) {
      const m = run(mode, 0.5);
      expect(m.loss).toBeCloseTo(off.loss, 6);
      m.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(off.grads[i][j], 6)));
    }
    expect(() => run('off', 1)).toThrow(/skipDropout rate must be in \[0, 1\)/);
    net.recompute = 'edge';
    net.dispose();
    tf.dispose([...alphas, x, y]);
  });
});

describe('the DARTS space with per-edge op lists (edgeOps)', () => {
  const base = { nodes: 2, cells: 3, channels: 2 };
  const normal = [
    ['sep_conv_3x3', 'skip_connect'],
    ['none', 'max_pool_3x3'],
    ['dil_conv_5x5'],
    ['skip_connect', 'sep_conv_5x5', 'avg_pool_3x3'],
    ['none', 'skip_connect'],
  ];
  const reduce = [
    ['skip_connect', 'sep_conv_3x3'],
    ['max_pool_3x3', 'dil_conv_3x3'],
    ['none', 'skip_connect'],
    ['sep_conv_5x5'],
    ['avg_pool_3x3', 'none'],
  ];
  const space = DartsSpaceSchema.parse({ ...base, edgeOps: { normal, reduce } }) as DartsSpace;

  it('builds only each edge’s ops, in the order of the candidate operations; the cost model counts them', () => {
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const built = net.parameters().reduce((n, v) => n + v.size, 0);
    expect(countSupernetParams(space, 3, 4)).toBe(built);
    const full = DartsSpaceSchema.parse(base);
    expect(countSupernetParams(full, 3, 4)).toBeGreaterThan(built);
    const names = net.namedParameters().map(([n]) => n);
    expect(names.some((n) => n.startsWith('cells.0.edges.0.sep_conv_3x3.'))).toBe(true);
    expect(names.some((n) => n.startsWith('cells.0.edges.0.sep_conv_5x5.'))).toBe(false);
    net.dispose();
  });

  it('mix weights of ops an edge lacks change nothing; sampling one is refused by name', () => {
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const x = tf.tensor4d(new Rng(2).fillNormal(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const w = new Rng(3).fillUniform(5 * 8);
    const masked = w.slice();
    const ops = space.ops;
    normal.forEach((list, e) => ops.forEach((op, k) => !list.includes(op) && (masked[e * 8 + k] = 7)));
    const logits = (weights: Float32Array) =>
      tf.tidy(() => {
        const t = tf.tensor2d(weights, [5, 8]);
        return net
          .logits(
            x,
            { normal: { kind: 'mix', weights: t }, reduce: { kind: 'mix', weights: tf.tensor2d(w, [5, 8]) } },
            { training: false },
          )
          .dataSync();
      });
    expect(Array.from(logits(masked))).toEqual(Array.from(logits(w)));
    expect(() =>
      tf.tidy(() =>
        net.logits(
          x,
          {
            // Edge 0 of the normal cell has sep_conv_3x3 and skip_connect, not 'none' (option 0).
            normal: { kind: 'sample', ops: [0, 1, 7, 3, -1] },
            reduce: { kind: 'sample', ops: [3, 1, 3, 5, -1] },
          },
          { training: false },
        ),
      ),
    ).toThrow(/option 0 is not on this edge/);
    expect(net.optionParameters('normal', 0, ops.indexOf('sep_conv_5x5'))).toEqual([]);
    expect(net.optionParameters('normal', 0, ops.indexOf('sep_conv_3x3')).length).toBeGreaterThan(0);
    net.dispose();
    x.dispose();
  });

  it('validates the lists, naming the field', () => {
    const bad = (edgeOps: unknown, ops?: string[]) =>
      DartsSpaceSchema.safeParse({ ...base, ...(ops ? { ops } : {}), edgeOps });
    const issue = (r: ReturnType<typeof bad>) =>
      r.success ? 'ok' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    expect(issue(bad({ normal: normal.slice(1), reduce }))).toMatch(
      /^edgeOps\.normal: a cell of 2 nodes has 5 edges, but 4/,
    );
    expect(issue(bad({ normal, reduce }, ['none', 'skip_connect', 'sep_conv_3x3']))).toMatch(
      /edgeOps\.normal\.1: max_pool_3x3 is not among/,
    );
    expect(issue(bad({ normal: [['none', 'none'], ...normal.slice(1)], reduce }))).toMatch(
      /edgeOps\.normal\.0: ops must not repeat/,
    );
    expect(issue(bad({ normal: [[], ...normal.slice(1)], reduce }))).toMatch(/edgeOps\.normal\.0/);
  });

  it('genotypes must use ops their edges have; random ones do; the summary says ops per edge', async () => {
    const { dartsSpaceSpec } = await import('../spaces/darts/space');
    const s = dartsSpaceSpec.create(space);
    for (let i = 0; i < 20; i++) {
      const g = s.sample(new Rng(i));
      expect(s.fromChoices(s.choices(g))).toEqual(g);
    }
    const g = s.sample(new Rng(1));
    const wrong = { ...g, normal: g.normal.map(([, i]) => ['sep_conv_5x5', i] as [string, number]) };
    expect(() => s.choices(wrong)).toThrow(/does not have on that edge/);
    expect(s.summary).toMatch(/1–3 ops per edge/);
    expect(dartsSpaceSpec.create(DartsSpaceSchema.parse(base)).summary).toBe('DARTS 3 cells × 2 nodes, C=2');
  });
});

describe('P-DARTS config', () => {
  it('refuses inconsistent stages, naming the field', () => {
    const msg = (strategy: object) => {
      try {
        config({ strategy: { name: 'pdarts', ...strategy } as never });
        return 'ok';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(msg({ keepOps: [5, 5, 1] })).toMatch(/keepOps\.1.*fewer than the 5 ops/);
    expect(msg({ keepOps: [5, 3, 2] })).toMatch(/keepOps\.2.*1 op per edge/);
    expect(msg({ addLayers: [0, 6] })).toMatch(/addLayers.*one entry per stage: 3/);
    expect(msg({ addLayers: [1, 6, 12] })).toMatch(/addLayers\.0.*stage 1 runs on the space as configured/);
    expect(msg({ skipDropout: [0.1, 0.4, 1] })).toMatch(/skipDropout\.2/);
  });

  it('refuses a first stage that cannot prune, and a stage too deep for the space', async () => {
    await expect(session({ strategy: { name: 'pdarts', keepOps: [8, 3, 1] } as never })).rejects.toThrow(
      /keepOps\[0\] = 8 must be fewer than the 8 ops/,
    );
    await expect(session({ strategy: { name: 'pdarts', addLayers: [0, 6, 40] } as never })).rejects.toThrow(
      /stage 3 would be an invalid DARTS space: cells/,
    );
  });
});

describe('P-DARTS stages through the search loop', () => {
  it('three phases; at each stage end the loop rebuilds a deeper supernet on the surviving ops, α new', async () => {
    const s = await session();
    expect(s.phases.map((p) => p.name)).toEqual(['stage1', 'stage2', 'stage3']);
    expect(s.phases[1].title).toMatch(/^stage 2: 2 cells, 5 ops per edge/);
    const first = s.network;
    const seen: Array<Record<string, number>> = [];
    while (s.info().phase === 'stage1') seen.push(s.runStep().metrics);
    expect(seen.map((m) => m.stage)).toEqual([1, 1, 1, 1]);
    // α moves only after the warm-up epoch; the skip dropout follows the reference's schedule.
    expect(seen.map((m) => 'valLoss' in m)).toEqual([false, false, true, true]);
    expect(seen.map((m) => m.skipDropout)).toEqual([0.1 * (1 / 2), 0.1 * (1 / 2), 0.1, 0.1]);
    expect(s.network).not.toBe(first);
    const space = (s.space as DartsSearchSpace).config;
    expect(space.cells).toBe(2);
    for (const rows of [space.edgeOps!.normal, space.edgeOps!.reduce])
      for (const r of rows) expect(r).toHaveLength(5);
    expect(pdarts(s).alphas.get('normal')!.shape).toEqual([5, 5]);
    expect(s.counters().space).toMatchObject({ cells: 2, edgeOps: space.edgeOps });
    const r = s.runStep();
    expect(r.metrics.stage).toBe(2);
    expect(r.metrics.skipDropout).toBeCloseTo(0.4 / 2, 12);
    while (!s.done) s.runStep();
    const last = (s.space as DartsSearchSpace).config;
    expect(last.cells).toBe(3);
    for (const row of last.edgeOps!.normal) expect(row).toHaveLength(3);
    // The answer: one op per kept edge, at most 2 skips in the normal cell, a valid genotype.
    const g = s.strategy.derive();
    expect(g.normal.filter(([op]) => op === 'skip_connect').length).toBeLessThanOrEqual(2);
    expect(g.normal.some(([op]) => op === 'none')).toBe(false);
    expect(s.space.fromJson(s.space.toJson(g))).toEqual(g);
    s.dispose();
  });

  it('flat tensor count over 20 steps in every stage, flat across each stage change, nothing left after dispose', async () => {
    const c = config({ epochs: 12 });
    const data = await buildSearchData(c);
    const start = tf.memory().numTensors;
    const s = new SearchSession<Genotype>(c, data);
    // What the run owns: the supernet's state and the strategy's (α, Adam, SGD buffers); the rest
    // must not grow, within a stage or from one stage to the next.
    const owned = () => s.network.namedState().length + Object.keys(s.strategy.getState().tensors).length;
    const residual = () => tf.memory().numTensors - owned();
    const residuals: number[] = [];
    for (let stage = 0; stage < 3; stage++) {
      for (let i = 0; i < 3; i++) s.runStep(); // buffers and Adam's moments appear at their first step
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) s.runStep();
      expect(tf.memory().numTensors, `stage ${stage + 1}`).toBe(before);
      residuals.push(residual());
      s.runStep(); // the stage's last step (and its rebuild)
    }
    expect(s.done).toBe(true);
    expect(residuals).toEqual([residuals[0], residuals[0], residuals[0]]);
    s.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  for (const pauseAt of [3, 6]) {
    it(`paused at step ${pauseAt} (${pauseAt < 4 ? 'before' : 'after'} the first stage change) and resumed, it ends bit for bit as the uninterrupted run (cpu)`, async () => {
      const bytes = (s: SearchSession<Genotype>) => ({
        network: s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]),
        strategy: Object.entries(s.strategy.getState().tensors).map(([n, t]) => [
          n,
          Array.from(t.dataSync()),
        ]),
        genotype: s.strategy.derive(),
        space: s.counters().space,
      });
      const a = await session();
      const metricsA: Array<Record<string, number>> = [];
      while (!a.done) metricsA.push(a.runStep().metrics);
      const b = await session();
      for (let i = 0; i < pauseAt; i++) b.runStep();
      const snap = captureSession(b as SearchSession<unknown>);
      b.dispose();
      const c = await session();
      restoreSession(c as SearchSession<unknown>, snap);
      const metricsC: Array<Record<string, number>> = [];
      while (!c.done) metricsC.push(c.runStep().metrics);
      expect(metricsC).toEqual(metricsA.slice(pauseAt));
      expect(bytes(c)).toEqual(bytes(a));
      a.dispose();
      c.dispose();
    });
  }

  it("the epoch record of each stage end names every edge's dropped ops; the last stage's the skip limit", async () => {
    const s = await session();
    const st = pdarts(s);
    const ends: Array<{ stage: number; expected: string[]; got: string[] }> = [];
    const lastStage: Array<Record<string, number>> = [];
    while (!s.done) {
      const stage = st.stageIndex;
      const before = (s.space as DartsSearchSpace).config;
      const r = s.runStep();
      const m = r.epochEnd?.metrics ?? {};
      const got = Object.keys(m).filter((k) => parseDroppedOpKey(k));
      if (st.stageIndex > stage) {
        // What the loop rebuilt on: per edge, the ops it had and the rebuilt supernet's edge lacks.
        const after = (s.space as DartsSearchSpace).config;
        const expected: string[] = [];
        for (const cell of ['normal', 'reduce'] as const)
          for (let e = 0; e < after.edgeOps![cell].length; e++)
            for (const op of before.edgeOps?.[cell][e] ?? before.ops)
              if (!after.edgeOps![cell][e].includes(op))
                expected.push(`droppedOp:${stage + 1}:${cell}:${e}:${op}`);
        ends.push({ stage, expected: expected.sort(), got: got.sort() });
      } else expect(got).toEqual([]);
      if (r.epochEnd && r.info.phaseIndex === 2) lastStage.push(m);
    }
    expect(ends.map((e) => e.stage)).toEqual([0, 1]);
    for (const e of ends) expect(e.got).toEqual(e.expected);
    // 5 edges × 2 cells × (8 − 5) ops, then × (5 − 3).
    expect(ends.map((e) => e.got.length)).toEqual([30, 20]);
    expect(lastStage).toHaveLength(2);
    const final = lastStage.at(-1)!;
    const skips = s.strategy.derive().normal.filter(([op]) => op === 'skip_connect').length;
    expect(final[SKIP_LIMIT_KEYS.after]).toBe(skips);
    expect(final[SKIP_LIMIT_KEYS.before]).toBeGreaterThanOrEqual(skips);
    s.dispose();
  });

  it("a skipped stage's dropped ops are recorded at the next epoch end", async () => {
    const s = await session();
    s.runStep();
    s.endPhase();
    s.runStep();
    const r = s.runStep();
    const keys = Object.keys(r.epochEnd!.metrics)
      .map(parseDroppedOpKey)
      .filter((k) => k);
    expect(keys).toHaveLength(30);
    expect(new Set(keys.map((k) => k!.stage))).toEqual(new Set([1]));
    s.dispose();
  });

  it('a stage skipped by the user (endPhase) is pruned and rebuilt at the next step', async () => {
    const s = await session();
    s.runStep();
    s.endPhase();
    const r = s.runStep();
    expect(r.metrics).toEqual({ stage: 1 });
    expect((s.space as DartsSearchSpace).config.cells).toBe(2);
    expect(s.runStep().metrics.stage).toBe(2);
    s.dispose();
  });
});
