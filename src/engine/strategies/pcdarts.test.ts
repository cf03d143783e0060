import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { MixedOp, SearchNetwork, type Recompute } from '../spaces/darts/supernet';
import type { Genotype } from '../spaces/darts/genotype-types';
import { Rng } from '../util/rng';
import { edgeNormalisation, pcdartsDerivationWeights, type PcDarts } from './pcdarts';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const tiny: SearchConfigInput = {
  space: { name: 'darts', cells: 2, nodes: 2, channels: 4 },
  strategy: { name: 'pcdarts', warmupEpochs: 1 },
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
} as SearchConfigInput;

async function session(overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...tiny, ...overrides });
  return new SearchSession<Genotype>(config, await buildSearchData(config));
}

/** x[n,h,w,c] of an NHWC array. */
const at = (
  x: Float32Array | Int32Array | Uint8Array,
  [, H, W, C]: number[],
  n: number,
  h: number,
  w: number,
  c: number,
) => x[((n * H + h) * W + w) * C + c];

describe('partial channel connections', () => {
  // Output channel o of the shuffle with k groups of C/k reads channel g·(C/k) + j of the
  // concatenation [ops(x[..., :C/k]), bypass(x[..., C/k:])], where o = j·k + g.
  const C = 8;
  const k = 4;
  const source = (o: number) => (o % k) * (C / k) + Math.floor(o / k);

  it('stride 1: the ops on the first C/K channels, the rest bypassed, shuffled with K groups (index arithmetic)', () => {
    const rng = new Rng(1);
    const op = new MixedOp(['none', 'skip_connect'], C, 1, rng);
    op.setPartialChannels(k, rng);
    const shape = [2, 3, 3, C];
    const x = tf.tensor4d(new Rng(2).fillNormal(2 * 3 * 3 * C), shape as [number, number, number, number]);
    const [w1, beta] = [0.3, 0.8];
    const xs = x.dataSync();
    const got = tf.tidy(() =>
      op.mix(x, tf.tensor1d([0.7, w1]), { training: true }, tf.scalar(beta)).dataSync(),
    );
    const plain = tf.tidy(() => op.mix(x, tf.tensor1d([0.7, w1]), { training: true }).dataSync());
    for (let n = 0; n < 2; n++)
      for (let h = 0; h < 3; h++)
        for (let w = 0; w < 3; w++)
          for (let o = 0; o < C; o++) {
            const s = source(o);
            // 'none' is zero; skip_connect is the identity on the first C/k channels, weighted w1.
            const want = s < C / k ? w1 * at(xs, shape, n, h, w, s) : at(xs, shape, n, h, w, s);
            expect(at(plain, shape, n, h, w, o)).toBeCloseTo(want, 6);
            expect(at(got, shape, n, h, w, o)).toBeCloseTo(beta * want, 6);
          }
    x.dispose();
    op.dispose();
  });

  it('stride 2: the bypassed channels go through a 2×2 max-pool, stride 2', () => {
    const rng = new Rng(3);
    const op = new MixedOp(['none', 'max_pool_3x3'], C, 2, rng);
    op.setPartialChannels(k, rng);
    const shape = [1, 4, 4, C];
    const x = tf.tensor4d(new Rng(4).fillNormal(4 * 4 * C), shape as [number, number, number, number]);
    const xs = x.dataSync();
    // The max-pool op's weight is 0, so the ops' channels are exactly 0: only the bypass remains.
    const out = tf.tidy(() => op.mix(x, tf.tensor1d([0.5, 0]), { training: true }));
    expect(out.shape).toEqual([1, 2, 2, C]);
    const got = out.dataSync();
    for (let h = 0; h < 2; h++)
      for (let w = 0; w < 2; w++)
        for (let o = 0; o < C; o++) {
          const s = source(o);
          const want =
            s < C / k
              ? 0
              : Math.max(
                  ...[0, 1].flatMap((dh) => [0, 1].map((dw) => at(xs, shape, 0, 2 * h + dh, 2 * w + dw, s))),
                );
          expect(at(got, [1, 2, 2, C], 0, h, w, o)).toBeCloseTo(want, 6);
        }
    out.dispose();
    x.dispose();
    op.dispose();
  });

  it('the ops are rebuilt for C/K channels, named as before; channels that do not divide are refused', () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 4 });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const names = net.namedParameters().map(([n]) => n);
    const conv = () =>
      net.namedParameters().find(([n]) => n === 'cells.0.edges.0.sep_conv_3x3.op.1.weight')![1].shape;
    expect(conv()).toEqual([3, 3, 4, 1]);
    net.usePartialChannels(4, new Rng(2));
    expect(net.namedParameters().map(([n]) => n)).toEqual(names);
    expect(conv()).toEqual([3, 3, 1, 1]);
    expect(net.partialGroups).toBe(4);
    net.dispose();
    const odd = new SearchNetwork(
      DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 6 }),
      3,
      4,
      new Rng(1),
    );
    expect(() => odd.usePartialChannels(4, new Rng(2))).toThrow(/divide into 4 groups/);
    odd.dispose();
  });

  it('a mix without the matching channelFraction is refused with a clear error', () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 4 });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    const w = tf.fill([5, 8], 0.125) as tf.Tensor2D;
    expect(() =>
      net.logits(
        x,
        {
          normal: { kind: 'mix', weights: w, channelFraction: 0.25 },
          reduce: { kind: 'mix', weights: w, channelFraction: 0.25 },
        },
        { training: true },
      ),
    ).toThrow(/usePartialChannels\(4/);
    net.usePartialChannels(4, new Rng(2));
    expect(() =>
      net.logits(
        x,
        { normal: { kind: 'mix', weights: w }, reduce: { kind: 'mix', weights: w } },
        { training: true },
      ),
    ).toThrow(/built for 1\/4/);
    tf.dispose([x, w]);
    net.dispose();
  });
});

describe('edge normalisation', () => {
  it("softmax of β over each node's incoming edges", () => {
    const beta = [0.2, -0.1, 0.5, 0.3, -0.7];
    const got = tf.tidy(() => edgeNormalisation(tf.tensor1d(beta), 2).arraySync());
    const sm = (xs: number[]) => xs.map((v) => Math.exp(v) / xs.reduce((s, u) => s + Math.exp(u), 0));
    const want = [...sm(beta.slice(0, 2)), ...sm(beta.slice(2, 5))];
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
  });

  it("a cell sums each node's inputs weighted by edgeWeights, in every recompute mode (values and gradients)", () => {
    const space = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 4 });
    const net = new SearchNetwork(space, 3, 4, new Rng(1));
    net.usePartialChannels(2, new Rng(2));
    const cell = net.cells.items[0];
    const r = new Rng(3);
    const s0 = tf.tensor4d(r.fillNormal(2 * 6 * 6 * 12), [2, 6, 6, 12]);
    const s1 = tf.tensor4d(r.fillNormal(2 * 6 * 6 * 12), [2, 6, 6, 12]);
    const alpha = tf.variable(tf.tensor2d(r.fillNormal(5 * 8), [5, 8]));
    const beta = tf.variable(tf.tensor1d(r.fillNormal(5)));
    const ctx = { training: true, frozenStats: true };
    // By the formula: node i = Σ_j β̂_{i,j}·MixedOp_{i,j}(state_j), β̂ the node's softmax of β.
    const byFormula = tf.tidy(() => {
      const w = tf.unstack(tf.softmax(alpha)) as tf.Tensor1D[];
      const bh = tf.unstack(edgeNormalisation(beta, 2)) as tf.Scalar[];
      const states = [cell.pre0.forward(s0, ctx), cell.pre1.forward(s1, ctx)] as tf.Tensor4D[];
      let e = 0;
      for (let i = 0; i < 2; i++) {
        const terms = [];
        for (let j = 0; j < i + 2; j++, e++)
          terms.push(cell.edges.items[e].mix(states[j], w[e], ctx).mul(bh[e]));
        states.push(tf.addN(terms) as tf.Tensor4D);
      }
      return tf.concat(states.slice(2), 3).dataSync();
    });
    const run = (mode: Recompute) =>
      tf.tidy(() => {
        const f = () =>
          cell
            .run(
              s0,
              s1,
              {
                kind: 'mix',
                weights: tf.softmax(alpha) as tf.Tensor2D,
                channelFraction: 0.5,
                edgeWeights: edgeNormalisation(beta, 2),
              },
              ctx,
              mode,
            )
            .square()
            .mean() as tf.Scalar;
        const value = cell
          .run(
            s0,
            s1,
            {
              kind: 'mix',
              weights: tf.softmax(alpha) as tf.Tensor2D,
              channelFraction: 0.5,
              edgeWeights: edgeNormalisation(beta, 2),
            },
            ctx,
            mode,
          )
          .dataSync();
        const { grads } = tf.variableGrads(f, [alpha, beta]);
        return { value, da: grads[alpha.name].dataSync(), db: grads[beta.name].dataSync() };
      });
    const off = run('off');
    off.value.forEach((v, i) => expect(v).toBeCloseTo(byFormula[i], 5));
    expect(Array.from(off.db).every((v) => v !== 0)).toBe(true);
    for (const mode of ['edge', 'cell'] as const) {
      const m = run(mode);
      m.value.forEach((v, i) => expect(v).toBeCloseTo(off.value[i], 6));
      m.da.forEach((v, i) => expect(v).toBeCloseTo(off.da[i], 6));
      m.db.forEach((v, i) => expect(v).toBeCloseTo(off.db[i], 6));
    }
    tf.dispose([s0, s1, alpha, beta]);
    net.dispose();
  });
});

describe('PC-DARTS strategy', () => {
  it('α and β stay put during the warm-up, then move; validation metrics start with them', async () => {
    const s = await session();
    const arch = () =>
      Object.fromEntries(
        Object.entries(s.strategy.getState().tensors)
          .filter(([k]) => k.startsWith('alpha.') || k.startsWith('beta.'))
          .map(([k, t]) => [k, Array.from(t.dataSync())]),
      );
    const initial = arch();
    expect(Object.keys(initial).sort()).toEqual([
      'alpha.normal',
      'alpha.reduce',
      'beta.normal',
      'beta.reduce',
    ]);
    for (let i = 0; i < 2; i++) {
      const r = s.runStep();
      expect(r.info.epoch).toBe(0);
      expect(r.metrics.valLoss).toBeUndefined();
      expect(r.metrics.trainLoss).toBeGreaterThan(0);
    }
    expect(arch()).toEqual(initial);
    const r = s.runStep();
    expect(r.info.epoch).toBe(1);
    expect(Number.isFinite(r.metrics.valLoss)).toBe(true);
    const moved = arch();
    for (const k of Object.keys(initial)) expect(moved[k]).not.toEqual(initial[k]);
    s.dispose();
  });

  it('derives by the DARTS rule on softmax(α)·softmax(β): β decides which edges a node keeps', async () => {
    const s = await session();
    const st = s.strategy as unknown as PcDarts;
    const ops = s.space.choicePoints[0].options;
    const sep = ops.indexOf('sep_conv_3x3');
    const skip = ops.indexOf('skip_connect');
    // Node 0: edges 0, 1; node 1: edges 2, 3, 4. α alone would rank edge 3 first in node 1 (its
    // sep_conv is strongest); β makes edges 2 and 4 win.
    const a = Array.from({ length: 5 }, () => ops.map(() => 0));
    a[0][sep] = 1;
    a[1][skip] = 1;
    a[2][skip] = 1;
    a[3][sep] = 2;
    a[4][sep] = 1;
    const b = [0.1, 0, 2, -2, 1.9];
    for (const label of ['normal', 'reduce']) {
      st.alphas.get(label)!.assign(tf.tensor2d(a));
      st.betas.get(label)!.assign(tf.tensor1d(b));
    }
    const g = s.strategy.derive();
    expect(g.normal).toEqual([
      ['sep_conv_3x3', 0],
      ['skip_connect', 1],
      ['skip_connect', 0],
      ['sep_conv_3x3', 2],
    ]);
    // Without β (all equal) node 1 would keep input 1's sep_conv first.
    for (const label of ['normal', 'reduce']) st.betas.get(label)!.assign(tf.zeros([5]));
    expect(s.strategy.derive().normal.slice(2)).toEqual([
      ['sep_conv_3x3', 1],
      ['skip_connect', 0],
    ]);
    for (const label of ['normal', 'reduce']) st.betas.get(label)!.assign(tf.tensor1d(b));
    // The weights it ranks: the op weights times the node's softmax(β), by hand.
    const sm = (xs: number[]) => xs.map((v) => Math.exp(v) / xs.reduce((t, u) => t + Math.exp(u), 0));
    const edge = [...sm(b.slice(0, 2)), ...sm(b.slice(2, 5))];
    const soft = a.map(sm);
    const want = pcdartsDerivationWeights(soft, edge);
    const arch = s.strategy.architecture();
    const snap = arch.normal.values;
    snap.forEach((row, e) => row.forEach((v, k) => expect(v).toBeCloseTo(want[e][k], 6)));
    // β beside it: one row per node over that node's inputs, the hand-computed softmax of its slice.
    const beta = arch['normal-beta'];
    expect(beta).toMatchObject({ kind: 'softmax', rows: ['node 2', 'node 3'] });
    expect(beta.options).toEqual(['c_{k-2}', 'c_{k-1}', '2']);
    expect(beta.values.map((r) => r.length)).toEqual([2, 3]);
    [sm(b.slice(0, 2)), sm(b.slice(2, 5))].forEach((row, i) =>
      row.forEach((v, k) => expect(beta.values[i][k]).toBeCloseTo(v, 6)),
    );
    expect(Object.keys(arch)).toEqual(['normal', 'normal-beta', 'reduce', 'reduce-beta']);
    s.dispose();
  });

  it('does not leak tensors over 20 steps, in the warm-up and after it', async () => {
    const s = await session({
      epochs: 30,
      stepsPerEpoch: 2,
      strategy: { name: 'pcdarts', warmupEpochs: 11 },
    } as Partial<SearchConfigInput>);
    s.runStep();
    let before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    // Now in epoch 11: α and β steps too.
    s.runStep();
    s.runStep();
    expect(s.info().epoch).toBe(11);
    before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) s.runStep();
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });

  it('runs on the DARTS space only', () => {
    expect(() =>
      parseSearchConfig({
        ...tiny,
        space: { name: 'nb201', channels: 4, cellsPerStage: 1 },
      } as SearchConfigInput),
    ).toThrow(/does not run on the 'nb201' space/);
  });
});
