import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { sampleAssignment } from '../search/supernet';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { SearchNetwork } from '../spaces/darts/supernet';
import { Nb201SpaceSchema } from '../spaces/nb201/search-space';
import { Nb201SearchSpace } from '../spaces/nb201/space';
import { Nb201Supernet } from '../spaces/nb201/supernet';
import { Rng } from '../util/rng';
import {
  deriveGdasCell,
  gdasAssignment,
  gdasTau,
  gumbelProbs,
  sampleGumbel,
  straightThrough,
  type Gdas,
  type GumbelSample,
} from './gdas';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const SPACES = [
  { name: 'darts', cells: 2, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

const tiny: Omit<SearchConfigInput, 'space'> = {
  strategy: { name: 'gdas' },
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

async function session(space: SearchConfigInput['space'], overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...tiny, space, ...overrides } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

/** softmax of a plain row (float64). */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('GDAS straight-through gradient', () => {
  // Toy: 2 edges, 3 options, fixed Gumbel draws g and temperature τ. Edge e's option j "outputs" the
  // constant c[e][j]; with k_e the sampled option, edge e outputs o_e = h[e,k_e]·c[e][k_e] (+ Σ_{j≠k_e}
  // h[e,j] with the unchosen constants), and L = a·o_0 + b·o_1 + o_0·o_1.
  //
  // By hand: u_e = ∂L/∂o_e (u_0 = a + o_1, u_1 = b + o_0). h = one_hot(k) − sg(p) + p, so
  // ∂L/∂p[e,j] = ∂L/∂h[e,j] = v[e,j] with v[e,k] = u_e·c[e][k] and, for j ≠ k, v[e,j] = u_e with the
  // constants, 0 without. p = softmax(z), z = (log_softmax(α) + g)/τ: ∂L/∂z_i = p_i(v_i − Σ_j p_j v_j),
  // and ∂z_i/∂α_m = (δ_im − softmax(α)_m)/τ; since Σ_i ∂L/∂z_i = 0 the second term vanishes:
  //   ∂L/∂α[e,m] = p[e,m]·(v[e,m] − Σ_j p[e,j]·v[e,j]) / τ.
  const alpha0 = [
    [0.3, -0.2, 0.5],
    [-0.4, 0.1, 0.2],
  ];
  const g0 = [
    [0.2, 1.1, -0.3],
    [1.5, -0.6, 0.4],
  ];
  const c = [
    [0.7, -1.3, 2.1],
    [1.9, 0.4, -0.8],
  ];
  const [a, b, tau] = [0.6, -1.7, 0.7];

  function byHand(constants: boolean) {
    const p = alpha0.map((row, e) => {
      const ls = softmax(row).map(Math.log);
      return softmax(ls.map((v, j) => (v + g0[e][j]) / tau));
    });
    const k = p.map((row) => row.indexOf(Math.max(...row)));
    const o = k.map((ke, e) => c[e][ke]);
    const u = [a + o[1], b + o[0]];
    const grad = p.map((row, e) => {
      const v = row.map((_, j) => (j === k[e] ? u[e] * c[e][j] : constants ? u[e] : 0));
      const pv = row.reduce((s, pj, j) => s + pj * v[j], 0);
      return row.map((pm, m) => (pm * (v[m] - pv)) / tau);
    });
    return { k, grad, loss: a * o[0] + b * o[1] + o[0] * o[1] };
  }

  for (const constants of [true, false]) {
    it(`equals the hand-derived expression (${constants ? 'with' : 'without'} the unchosen constants)`, () => {
      const want = byHand(constants);
      const alpha = tf.tensor2d(alpha0);
      const g = tf.tensor2d(g0);
      const probs = gumbelProbs(alpha, g, tau);
      const sample: GumbelSample = {
        rows: 2,
        options: 3,
        g: Float32Array.from(g0.flat()),
        probs: probs.dataSync() as Float32Array,
        index: want.k,
      };
      const cT = tf.tensor2d(c);
      const toy = (al: tf.Tensor) => {
        const asg = gdasAssignment(straightThrough(al as tf.Tensor2D, sample, tau), sample.index, constants);
        if (asg.kind !== 'sample' || !asg.gate) throw new Error('expected a gated sample');
        expect(asg.ops).toEqual(want.k);
        const chosen = tf.tensor1d(want.k.map((k, e) => c[e][k]));
        let o = asg.gate.mul(chosen);
        if (constants) {
          expect(asg.offset).toBeDefined();
          o = o.add(asg.offset as tf.Tensor1D);
        } else expect(asg.offset).toBeUndefined();
        const [o0, o1] = tf.unstack(o);
        return o0.mul(a).add(o1.mul(b)).add(o0.mul(o1)) as tf.Scalar;
      };
      // The values: the gate is one (up to (1 − p) + p rounding), the constants add exactly zero.
      tf.tidy(() => {
        const asg = gdasAssignment(straightThrough(alpha, sample, tau), sample.index, true);
        if (asg.kind !== 'sample') throw new Error('expected a sample');
        for (const v of asg.gate!.dataSync()) expect(Math.abs(v - 1)).toBeLessThan(1e-6);
        expect(Array.from(asg.offset!.dataSync())).toEqual([0, 0]);
        expect(Math.abs(toy(alpha).dataSync()[0] - want.loss)).toBeLessThan(1e-5);
      });
      const grad = tf.grad(toy)(alpha).arraySync() as number[][];
      grad.forEach((row, e) =>
        row.forEach((v, m) => expect(Math.abs(v - want.grad[e][m])).toBeLessThan(1e-5)),
      );
      // Every entry of α gets a gradient either way (through the softmax), but not the same one.
      expect(grad.flat().every((v) => v !== 0)).toBe(true);
      tf.dispose([alpha, g, probs, cT]);
    });
  }

  it('the constants change the gradient, not the value (the two toys differ)', () => {
    const w = byHand(true).grad.flat();
    const wo = byHand(false).grad.flat();
    expect(w.some((v, i) => Math.abs(v - wo[i]) > 1e-3)).toBe(true);
  });
});

describe('GDAS sampling', () => {
  it('argmax frequencies follow softmax(α) (chi-square, fixed seed)', () => {
    const row = [0.5, -1, 0, 1.2, 0.3];
    const rows = 200;
    const alpha = tf.tensor2d(Array.from({ length: rows }, () => row));
    const rng = new Rng(11);
    const counts = new Array<number>(row.length).fill(0);
    const draws = 100;
    for (let d = 0; d < draws; d++) for (const k of sampleGumbel(alpha, 3, rng).index) counts[k] += 1;
    const n = rows * draws;
    const expected = softmax(row).map((p) => p * n);
    const chi2 = counts.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
    // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
    expect(chi2).toBeLessThan(18.47);
    alpha.dispose();
  });

  it('draws from the generator it is given: the same state gives the same sample', () => {
    const alpha = tf.tensor2d([[0.1, 0.2, 0.3, 0.4]]);
    const rng = new Rng(5);
    const state = rng.getState();
    const s1 = sampleGumbel(alpha, 1, rng);
    rng.setState(state);
    const s2 = sampleGumbel(alpha, 1, rng);
    expect(s2).toEqual(s1);
    alpha.dispose();
  });

  it('a sampled forward pass runs op k alone: its logits equal the plain sample of the same ops', () => {
    const cfg = Nb201SpaceSchema.parse({ name: 'nb201', channels: 2, cellsPerStage: 1 });
    const space = new Nb201SearchSpace(cfg);
    const net = new Nb201Supernet(cfg, { size: 8, channels: 3, classes: 4 }, new Rng(1));
    const alpha = tf.tensor2d(new Rng(2).fillNormal(30), [6, 5]);
    const s = sampleGumbel(alpha, 5, new Rng(3));
    const x = tf.tensor4d(new Rng(4).fillNormal(2 * 8 * 8 * 3), [2, 8, 8, 3]);
    const [gdas, plain] = tf.tidy(() => {
      const h = straightThrough(alpha, s, 5);
      return [
        net
          .logits(x, { cell: gdasAssignment(h, s.index, true) }, { training: true, frozenStats: true })
          .dataSync(),
        net.logits(x, sampleAssignment({ cell: s.index }), { training: true, frozenStats: true }).dataSync(),
      ];
    });
    gdas.forEach((v, i) => expect(Math.abs(v - plain[i])).toBeLessThan(1e-5));
    expect(space.choicePoints[0].rows).toHaveLength(6);
    tf.dispose([alpha, x]);
    net.dispose();
  });
});

describe('GDAS gates and constants in every recompute mode', () => {
  // The gate and the offset enter the recomputed segment in 'edge' mode and the cell's in 'cell'
  // mode: values and α gradients must equal plain autodiff's ('off').
  const build = (space: 'darts' | 'nb201') => {
    if (space === 'nb201') {
      const cfg = Nb201SpaceSchema.parse({ name: 'nb201', channels: 2, cellsPerStage: 1 });
      return {
        net: new Nb201Supernet(cfg, { size: 8, channels: 3, classes: 4 }, new Rng(1)),
        labels: ['cell'],
        rows: 6,
        options: 5,
      };
    }
    const cfg = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 2 });
    return {
      net: new SearchNetwork(cfg, 3, 4, new Rng(1)),
      labels: ['normal', 'reduce'],
      rows: 5,
      options: 8,
    };
  };
  for (const space of ['darts', 'nb201'] as const) {
    it(`${space}: same logits and ∂L/∂α with recompute off, edge and cell`, () => {
      const { net, labels, rows, options } = build(space);
      const r = new Rng(9);
      const alphas = labels.map(() =>
        tf.variable(tf.tensor2d(r.fillNormal(rows * options), [rows, options])),
      );
      const samples = alphas.map((a) => sampleGumbel(a as tf.Tensor2D, 2, r));
      const x = tf.tensor4d(r.fillNormal(2 * 8 * 8 * 3), [2, 8, 8, 3]);
      const run = (mode: 'off' | 'edge' | 'cell') => {
        (net as unknown as { recompute: string }).recompute = mode;
        return tf.tidy(() => {
          const f = () => {
            const arch = Object.fromEntries(
              labels.map((l, i) => [
                l,
                gdasAssignment(
                  straightThrough(alphas[i] as tf.Tensor2D, samples[i], 2),
                  samples[i].index,
                  true,
                ),
              ]),
            );
            return net.logits(x, arch, { training: true, frozenStats: true }).square().mean() as tf.Scalar;
          };
          const { value, grads } = tf.variableGrads(f, alphas);
          return {
            value: value.dataSync()[0],
            grads: alphas.map((a) => Array.from(grads[a.name].dataSync())),
          };
        });
      };
      const off = run('off');
      expect(off.grads.flat().some((v) => v !== 0)).toBe(true);
      for (const mode of ['edge', 'cell'] as const) {
        const m = run(mode);
        expect(m.value).toBeCloseTo(off.value, 6);
        m.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(off.grads[i][j], 6)));
      }
      tf.dispose([x, ...alphas]);
      net.dispose();
    });
  }
});

describe('GDAS schedule and derivation', () => {
  it('τ falls linearly per epoch from τmax to τmin', () => {
    expect(gdasTau(0, 250, 10, 0.1)).toBe(10);
    expect(gdasTau(249, 250, 10, 0.1)).toBeCloseTo(0.1, 12);
    expect(gdasTau(1, 3, 10, 0.1)).toBeCloseTo(5.05, 12);
    expect(gdasTau(0, 1, 10, 0.1)).toBe(10);
  });

  it('reports τ per epoch in the metrics of a run', async () => {
    const s = await session(SPACES[1]);
    const taus: number[] = [];
    while (!s.done) {
      const r = s.runStep();
      if (r.info.stepInEpoch === 0) taus.push(r.metrics.tau);
    }
    expect(taus.map((t) => Number(t.toFixed(10)))).toEqual([10, 5.05, 0.1]);
    s.dispose();
  });

  it('DARTS cells: the top two (op, input) pairs per node, both may come from one input, none excluded, ties stable', () => {
    const ops = ['none', 'skip_connect', 'sep_conv_3x3'];
    // Node 0 (edges from states 0, 1): 'none' is the largest everywhere but never picked; both
    // picks come from input 1. Node 1 (states 0, 1, 2): four pairs tie at 0.3; the stable sort keeps
    // the listing order (inputs in order, ops in order), so both picks are input 0's.
    const w = [
      [0.9, 0.05, 0.05],
      [0.5, 0.2, 0.3],
      [0.4, 0.3, 0.3],
      [0.4, 0.1, 0.3],
      [0.4, 0.3, 0.1],
    ];
    expect(deriveGdasCell(w, ops, 2)).toEqual([
      ['sep_conv_3x3', 1],
      ['skip_connect', 1],
      ['skip_connect', 0],
      ['sep_conv_3x3', 0],
    ]);
  });

  it('the strategy derives by the reference rule on each space (fixed α)', async () => {
    const darts = await session(SPACES[0]);
    const st = darts.strategy as unknown as Gdas;
    const ops = (darts.space.choicePoints[0].options as string[]).slice();
    const rows = darts.space.choicePoints[0].rows.length;
    // One strong op on input 1 of node 0 twice over: two of its ops win there.
    const a = Array.from({ length: rows }, () => ops.map(() => 0));
    a[1][ops.indexOf('sep_conv_3x3')] = 3;
    a[1][ops.indexOf('dil_conv_5x5')] = 2;
    a[0][ops.indexOf('none')] = 5;
    st.alphas.get('normal')!.assign(tf.tensor2d(a));
    const g = darts.strategy.derive() as { normal: Array<[string, number]> };
    expect(g.normal.slice(0, 2)).toEqual([
      ['sep_conv_3x3', 1],
      ['dil_conv_5x5', 1],
    ]);
    // The text and the JSON accept it (the DARTS evaluation network takes such cells).
    expect(darts.space.toText(darts.space.fromJson(darts.space.toJson(g)))).toContain("('dil_conv_5x5', 1)");
    darts.dispose();

    const nb = await session(SPACES[1]);
    const nbs = nb.strategy as unknown as Gdas;
    const nbOps = nb.space.choicePoints[0].options;
    const b: number[][] = Array.from({ length: 6 }, (_, e) =>
      nbOps.map((_, k) => (k === e % nbOps.length ? 1 : 0)),
    );
    b[5] = nbOps.map(() => 0.5); // a tie: the first op ('none') wins, as torch.argmax
    nbs.alphas.get('cell')!.assign(tf.tensor2d(b));
    expect((nb.strategy.derive() as { edges: string[] }).edges).toEqual(
      [0, 1, 2, 3, 4, 0].map((k) => nbOps[k]),
    );
    nb.dispose();
  });
});

describe('GDAS search loop', () => {
  for (const space of SPACES) {
    it(`${space.name}: flat tensor count over 20 steps, α moves, metrics reported`, async () => {
      const s = await session(space, { epochs: 12 });
      const before0 = s.strategy.getState().tensors;
      const initial = Object.fromEntries(
        Object.entries(before0)
          .filter(([k]) => k.startsWith('alpha.'))
          .map(([k, t]) => [k, t.dataSync().slice()]),
      );
      s.runStep();
      s.runStep();
      const before = tf.memory().numTensors;
      let last;
      for (let i = 0; i < 20; i++) last = s.runStep();
      expect(tf.memory().numTensors).toBe(before);
      for (const key of ['trainLoss', 'trainAcc', 'valLoss', 'valAcc', 'tau', 'lrWeights', 'gradNorm'])
        expect(Number.isFinite(last!.metrics[key]), key).toBe(true);
      const now = s.strategy.getState().tensors;
      for (const [k, v] of Object.entries(initial))
        expect(Array.from(now[k].dataSync())).not.toEqual(Array.from(v));
      const snap = s.strategy.architecture();
      for (const label of Object.keys(snap)) {
        expect(snap[label].kind).toBe('softmax');
        for (const row of snap[label].values) expect(row.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      }
      s.dispose();
    });
  }

  it('the reference resolves the unchosen constants per space: on NB201, omitted on DARTS cells', async () => {
    const nb = await session(SPACES[1]);
    const d = await session(SPACES[0]);
    expect((nb.strategy as unknown as Gdas).constants).toBe(true);
    expect((d.strategy as unknown as Gdas).constants).toBe(false);
    nb.dispose();
    d.dispose();
    const forced = await session(SPACES[0], {
      strategy: { name: 'gdas', unchosen: 'constant' },
    } as Partial<SearchConfigInput>);
    expect((forced.strategy as unknown as Gdas).constants).toBe(true);
    forced.runStep();
    forced.dispose();
  });
});
