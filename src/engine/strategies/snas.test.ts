import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { DartsSearchSpace } from '../spaces/darts/space';
import { SearchNetwork } from '../spaces/darts/supernet';
import { countForwardFlops } from '../spaces/darts/flops';
import { countSupernetParams } from '../spaces/darts/param-count';
import { validateGenotype } from '../spaces/darts/genotype';
import { crossEntropy } from '../train/loss';
import { Rng } from '../util/rng';
import { drawFiniteGumbel, relaxedMask, Snas, snasTemperature } from './snas';
import { deriveSnasGenotype, snasCellGenes } from './snas-derive';
import {
  cellTypePenalty,
  concreteLogProb,
  dartsCellCosts,
  defaultResourceLambda,
  edgeResource,
  snasOpCost,
  type ResourceMeasure,
} from './snas-resource';
import { SnasSchema } from './snas-spec';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const DARTS = { name: 'darts', cells: 3, nodes: 2, channels: 2 };
const NB201 = { name: 'nb201', channels: 2, cellsPerStage: 1 };

const tiny: Omit<SearchConfigInput, 'space'> = {
  strategy: { name: 'snas' },
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

async function session(space: unknown, strategy: Record<string, unknown> = {}, extra: object = {}) {
  const config = parseSearchConfig({
    ...tiny,
    ...extra,
    space,
    strategy: { name: 'snas', ...strategy },
  } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

/** softmax of a plain row (float64). */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const close = (got: number, want: number, tol: number) =>
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

describe('SNAS relaxed Gumbel-softmax gradient', () => {
  // Toy: 2 edges, 3 options, fixed Gumbel draws g, temperature τ. Option j of edge e "outputs" the
  // constant c[e][j]; the edge outputs o_e = Σ_j Z[e,j]·c[e][j] (a mix, no straight-through), and
  // L = a·o_0 + b·o_1 + o_0·o_1. By hand: u_e = ∂L/∂o_e (u_0 = a + o_1, u_1 = b + o_0),
  // ∂L/∂Z[e,j] = u_e·c[e][j] =: v_j; Z = softmax((α + g)/τ) gives
  //   ∂L/∂α[e,m] = Z[e,m]·(v_m − Σ_j Z[e,j]·v_j)/τ.
  const alpha0 = [
    [1.3, 0.8, 1.5],
    [0.6, 1.1, 1.2],
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

  it('equals the hand-derived expression for fixed noise', () => {
    const Z = alpha0.map((row, e) => softmax(row.map((v, j) => (v + g0[e][j]) / tau)));
    const o = Z.map((row, e) => row.reduce((s, z, j) => s + z * c[e][j], 0));
    const u = [a + o[1], b + o[0]];
    const want = Z.map((row, e) => {
      const v = c[e].map((cj) => u[e] * cj);
      const zv = row.reduce((s, z, j) => s + z * v[j], 0);
      return row.map((zm, m) => (zm * (v[m] - zv)) / tau);
    });
    const g = tf.tensor2d(g0);
    const cT = tf.tensor2d(c);
    const toy = (al: tf.Tensor) => {
      const z = relaxedMask(al as tf.Tensor2D, g, tau);
      const [o0, o1] = tf.unstack(z.mul(cT).sum(1));
      return o0.mul(a).add(o1.mul(b)).add(o0.mul(o1)) as tf.Scalar;
    };
    const alpha = tf.tensor2d(alpha0);
    const got = tf.grad(toy)(alpha).arraySync() as number[][];
    got.forEach((row, e) => row.forEach((v, m) => close(v, want[e][m], 1e-5)));
    // The mask is a relaxed sample: a point of the simplex, not one-hot.
    const z = relaxedMask(alpha, g, tau).arraySync() as number[][];
    z.forEach((row, e) => row.forEach((v, j) => close(v, Z[e][j], 1e-6)));
    tf.dispose([g, cT, alpha]);
  });

  it('α enters the mask directly: Z is unchanged by a shift of a row of α (log_softmax would give the same)', () => {
    const g = tf.tensor2d(g0);
    const z1 = relaxedMask(tf.tensor2d(alpha0), g, tau).arraySync() as number[][];
    const z2 = relaxedMask(
      tf.tensor2d(alpha0.map((r) => r.map((v) => v + 5))),
      g,
      tau,
    ).arraySync() as number[][];
    z1.forEach((row, e) => row.forEach((v, j) => close(v, z2[e][j], 1e-6)));
    g.dispose();
  });

  it('the strategy wires α → Z → mix: its ∂L/∂α is the softmax Jacobian times the supernet’s ∂L/∂Z', () => {
    const cfg = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 2 });
    const space = new DartsSearchSpace(cfg);
    const net = new SearchNetwork(cfg, 3, 4, new Rng(1));
    const snas = new Snas(net, SnasSchema.parse({ name: 'snas' }), new Rng(2), space);
    const r = new Rng(3);
    const x = tf.tensor4d(r.fillNormal(4 * 8 * 8 * 3), [4, 8, 8, 3]);
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    const noise = snas.drawNoise(r);
    const labels = ['normal', 'reduce'];
    // Independent side: Z from α and g in float64, ∂L/∂Z with Z as the free input of the supernet.
    const alphas = labels.map((l) => snas.alphas.get(l)!.arraySync() as number[][]);
    const Z = alphas.map((al, i) =>
      al.map((row, e) =>
        softmax(row.map((v, j) => (v + noise.get(labels[i])![e * row.length + j]) / snas.temperature)),
      ),
    );
    const dZ = tf
      .grads((zn: tf.Tensor, zr: tf.Tensor) =>
        crossEntropy(
          net.logits(
            x,
            {
              normal: { kind: 'mix', weights: zn as tf.Tensor2D },
              reduce: { kind: 'mix', weights: zr as tf.Tensor2D },
            },
            { training: true },
          ),
          y,
        ),
      )([tf.tensor2d(Z[0]), tf.tensor2d(Z[1])])
      .map((t) => t.arraySync() as number[][]);
    const r2 = tf.tidy(() => {
      const out = snas.gradients({ x, y }, noise);
      return out.alphaGrads.map((t) => t.arraySync() as number[][]);
    });
    let scale = 0;
    labels.forEach((_, i) =>
      Z[i].forEach((row, e) => {
        const v = dZ[i][e];
        const zv = row.reduce((s, z, j) => s + z * v[j], 0);
        row.forEach((zm, m) => {
          const want = (zm * (v[m] - zv)) / snas.temperature;
          scale = Math.max(scale, Math.abs(want));
          expect(Math.abs(r2[i][e][m] - want)).toBeLessThan(1e-4 + 1e-3 * Math.abs(want));
        });
      }),
    );
    expect(scale).toBeGreaterThan(1e-6);
    tf.dispose([x, y]);
    snas.dispose();
    net.dispose();
  });

  it('draws its noise from the generator it is given: the same state gives the same draws', () => {
    const rng = new Rng(5);
    const s = rng.getState();
    const g1 = drawFiniteGumbel(rng, 40);
    rng.setState(s);
    expect(drawFiniteGumbel(rng, 40)).toEqual(g1);
  });
});

describe('SNAS resource penalty', () => {
  it("per-op costs follow the reference's formulas (SNAS/operations.py), by hand", () => {
    // C = 4, h = 8: stride 1 → y = 8 (64 positions), stride 2 → y = 4 (16).
    expect(snasOpCost('sep_conv_3x3', 4, 8, 1)).toEqual({ size: 104, flops: 104 * 64, mac: 64 * 32 + 104 });
    expect(snasOpCost('sep_conv_5x5', 4, 8, 2)).toEqual({ size: 232, flops: 232 * 16, mac: 16 * 44 + 232 });
    expect(snasOpCost('dil_conv_3x3', 4, 8, 1)).toEqual({ size: 52, flops: 52 * 64, mac: 64 * 16 + 52 });
    expect(snasOpCost('dil_conv_5x5', 4, 8, 2)).toEqual({ size: 116, flops: 116 * 16, mac: 16 * 28 + 116 });
    expect(snasOpCost('max_pool_3x3', 4, 8, 1)).toEqual({ size: 0, flops: 9 * 64 * 4, mac: 2 * 64 * 4 });
    expect(snasOpCost('avg_pool_3x3', 4, 8, 2)).toEqual({ size: 0, flops: 9 * 16 * 4, mac: 5 * 16 * 4 });
    expect(snasOpCost('skip_connect', 4, 8, 1)).toEqual({ size: 0, flops: 0, mac: 2 * 4 * 64 });
    expect(snasOpCost('skip_connect', 4, 8, 2)).toEqual({ size: 16, flops: 16 * 16, mac: 2 * 16 * 18 + 16 });
    expect(snasOpCost('none', 4, 8, 2)).toEqual({ size: 0, flops: 0, mac: 0 });
  });

  it("the conv ops' sizes and multiply-adds over the network agree with the space's own cost model", () => {
    const space = DartsSpaceSchema.parse({ cells: 5, nodes: 3, channels: 4 });
    const costs = dartsCellCosts(space, 16);
    expect(costs.normal.size).toHaveLength(3);
    expect(costs.reduce.size).toHaveLength(2);
    for (const op of ['sep_conv_3x3', 'dil_conv_5x5', 'skip_connect'] as const) {
      const k = space.ops.indexOf(op);
      const sum = (m: ResourceMeasure) =>
        [...costs.normal[m], ...costs.reduce[m]].reduce(
          (s, cell) => s + cell.reduce((t, row) => t + row[k], 0),
          0,
        );
      // flops.ts counts 2 × multiply-adds of the convs (a strided skip's FactorizedReduce included).
      const flops =
        (countForwardFlops(space, 16, 3, 10, () => [op]) - countForwardFlops(space, 16, 3, 10, () => [])) / 2;
      const params =
        countSupernetParams(space, 3, 10, () => [op]) - countSupernetParams(space, 3, 10, () => []);
      expect(sum('flops')).toBe(flops);
      expect(sum('size')).toBe(params);
    }
  });

  // Two cells of one type, 2 edges, 3 ops; costs and masks by hand.
  const cost3 = (base: number) => [
    [
      [0, base, 3 * base],
      [0, 2 * base, 0.5],
    ],
    [
      [0, 2 * base, 4 * base],
      [0, 3 * base, 0.5],
    ],
  ];
  const tables = { size: cost3(10), flops: cost3(1000), mac: cost3(300) };
  const z0 = [
    [0.2, 0.5, 0.3],
    [0.999, 0.0005, 0.0005],
  ];
  const alpha0 = [
    [1.0, 1.2, 0.9],
    [1.1, 0.8, 1.05],
  ];
  const R = (m: ResourceMeasure, w: number[][]) =>
    tables[m].map((cell) => cell.map((row, e) => row.reduce((s, cost, k) => s + cost * w[e][k], 0)));
  const tensors = () =>
    Object.fromEntries(Object.entries(tables).map(([m, t]) => [m, tf.tensor3d(t)])) as Record<
      ResourceMeasure,
      tf.Tensor3D
    >;

  it('reparametrization, log FLOPs: value and ∂/∂Z by hand; edges costing under 1 count 0 with no gradient', () => {
    const r = R('flops', z0); // edge 1 costs 2000·0.0005 + 0.5·0.0005 ≈ 1.0 ... under 1 in cell 0? check below
    const logs = r.map((cell) => cell.map((v) => (Math.abs(v) < 1 ? 0 : Math.log(v))));
    const want = logs.flat().reduce((s, v) => s + v, 0) / 2;
    const costs = tensors();
    const alpha = tf.tensor2d(alpha0);
    const f = (z: tf.Tensor) =>
      cellTypePenalty(costs, alpha, z as tf.Tensor2D, 1, 'reparametrization', 'flops', true);
    const z = tf.tensor2d(z0);
    close(f(z).dataSync()[0], want, 1e-5);
    const grad = tf.grad(f)(z).arraySync() as number[][];
    z0.forEach((row, e) =>
      row.forEach((_, k) => {
        const g =
          tables.flops.reduce((s, cell, ci) => s + (Math.abs(r[ci][e]) < 1 ? 0 : cell[e][k] / r[ci][e]), 0) /
          2;
        close(grad[e][k], g, 1e-4);
      }),
    );
    // Edge 1 of cell 0 costs 1000·2·0.0005 + 0.5·0.0005 = 1.00025, of cell 1 1.50025: both count; an
    // edge of pure 'none' costs 0 and adds nothing.
    expect(r.flat().every((v) => v >= 1)).toBe(true);
    const zNone = tf.tensor2d([
      [1, 0, 0],
      [1, 0, 0],
    ]);
    expect(f(zNone).dataSync()[0]).toBe(0);
    expect((tf.grad(f)(zNone).arraySync() as number[][]).flat().every((v) => v === 0)).toBe(true);
    tf.dispose([...Object.values(costs), alpha, z, zNone]);
  });

  it("'all' without log: 0.43·(2·size + flops/4000 + mac/100), and with log the mean of three logs", () => {
    const costs = tensors();
    const z = tf.tensor2d(z0);
    const lin = edgeResource(costs, z, 'all', false).arraySync() as number[][];
    const [s, f, m] = [R('size', z0), R('flops', z0), R('mac', z0)];
    lin.forEach((cell, c) =>
      cell.forEach((v, e) => close(v, 0.43 * (2 * s[c][e] + f[c][e] / 4000 + m[c][e] / 100), 1e-5)),
    );
    const lg = edgeResource(costs, z, 'all', true).arraySync() as number[][];
    const cl = (v: number) => (Math.abs(v) < 1 ? 0 : Math.log(Math.abs(v)));
    lg.forEach((cell, c) =>
      cell.forEach((v, e) => close(v, (cl(s[c][e]) + cl(f[c][e]) + cl(m[c][e])) / 3, 1e-5)),
    );
    tf.dispose([...Object.values(costs), z]);
  });

  it('discrete: the expected cost under softmax(α); its α gradient by hand', () => {
    const costs = tensors();
    const p = alpha0.map(softmax);
    const r = R('size', p);
    const want = r.flat().reduce((a, b) => a + b, 0) / 2;
    const f = (al: tf.Tensor) =>
      cellTypePenalty(
        costs,
        al as tf.Tensor2D,
        tf.zeros([2, 3]) as tf.Tensor2D,
        1,
        'discrete',
        'size',
        false,
      );
    const alpha = tf.tensor2d(alpha0);
    close(f(alpha).dataSync()[0], want, 1e-5);
    const grad = tf.grad(f)(alpha).arraySync() as number[][];
    p.forEach((row, e) => {
      // ∂/∂α_m Σ_k c̄_k p_k = p_m (c̄_m − Σ_k p_k c̄_k), c̄ the mean cost over the two cells.
      const cbar = row.map((_, k) => (tables.size[0][e][k] + tables.size[1][e][k]) / 2);
      const pc = row.reduce((s, pk, k) => s + pk * cbar[k], 0);
      row.forEach((pm, m) => close(grad[e][m], pm * (cbar[m] - pc), 1e-4));
    });
    tf.dispose([...Object.values(costs), alpha]);
  });

  it('the concrete log density equals log of the product formula (Maddison et al.), and integrates to 1 for 2 options', () => {
    const lz = [
      [0.3, -0.2, 0.5, 0.1],
      [1.0, 1.1, 0.9, 1.2],
    ];
    const z = [
      [0.1, 0.2, 0.3, 0.4],
      [0.55, 0.05, 0.25, 0.15],
    ];
    const tau = 0.7;
    const n = 4;
    const want = lz.map((row, e) => {
      const a = row.map(Math.exp);
      const denom = a.reduce((s, ak, k) => s + ak * z[e][k] ** -tau, 0);
      const prod = a.reduce((s, ak, k) => s * ak * z[e][k] ** (-tau - 1), 1);
      return Math.log((6 * tau ** (n - 1) * prod) / denom ** n);
    });
    const got = concreteLogProb(tf.tensor2d(lz), tf.tensor2d(z), tau).arraySync() as number[];
    got.forEach((v, e) => close(v, want[e], 1e-4));
    // n = 2: the density of z_0 on (0, 1) integrates to 1 (midpoint rule, away from the ε clamps).
    const N = 4000;
    const zs = Array.from({ length: N }, (_, i) => (i + 0.5) / N);
    const grid = tf.tensor2d(
      zs.flatMap((v) => [v, 1 - v]),
      [N, 2],
    );
    const loc = tf.tensor2d(
      zs.flatMap(() => [0.4, -0.3]),
      [N, 2],
    );
    const dens = concreteLogProb(loc, grid, 1.5).exp().dataSync();
    const integral = Array.from(dens).reduce((s, v) => s + v / N, 0);
    expect(Math.abs(integral - 1)).toBeLessThan(2e-3);
  });

  it('policy gradient: Σ log p(Z)·R with R constant; its gradient by finite differences of log p', () => {
    const costs = tensors();
    const z = tf.tensor2d(z0.map((row) => row.map((v) => Math.max(v, 0.01))));
    const tau = 0.8;
    const rConst = edgeResource(costs, z, 'flops', true).arraySync() as number[][];
    const f = (al: tf.Tensor) =>
      cellTypePenalty(costs, al as tf.Tensor2D, z, tau, 'policy_gradient', 'flops', true);
    const logp = (al: number[][]) => concreteLogProb(tf.tensor2d(al), z, tau).arraySync() as number[];
    const lp = logp(alpha0);
    close(
      f(tf.tensor2d(alpha0)).dataSync()[0],
      (rConst[0].reduce((s, r, e) => s + r * lp[e], 0) + rConst[1].reduce((s, r, e) => s + r * lp[e], 0)) / 2,
      1e-4,
    );
    const grad = tf.grad(f)(tf.tensor2d(alpha0)).arraySync() as number[][];
    const h = 1e-2;
    alpha0.forEach((row, e) =>
      row.forEach((_, k) => {
        const up = alpha0.map((r) => r.slice());
        const dn = alpha0.map((r) => r.slice());
        up[e][k] += h;
        dn[e][k] -= h;
        const d = (logp(up)[e] - logp(dn)[e]) / (2 * h);
        close(grad[e][k], (d * (rConst[0][e] + rConst[1][e])) / 2, 2e-3);
      }),
    );
    tf.dispose([...Object.values(costs), z]);
  });

  it("λ defaults are the reference's per method and log switch", () => {
    expect(defaultResourceLambda('reparametrization', true)).toBe(1e-2);
    expect(defaultResourceLambda('reparametrization', false)).toBe(1e-5);
    expect(defaultResourceLambda('discrete', true)).toBe(1e-2);
    expect(defaultResourceLambda('discrete', false)).toBe(1e-4);
    expect(defaultResourceLambda('policy_gradient', true)).toBe(1e-4);
    expect(defaultResourceLambda('policy_gradient', false)).toBe(1e-5);
  });

  it('the strategy adds λ·(P_normal + ratio·P_reduce) to the loss', async () => {
    const s = await session(DARTS, {
      resource: 'reparametrization',
      resourceLambda: 0.5,
      resourceReduceRatio: 2,
    });
    const st = s.strategy as unknown as Snas;
    const noise = st.drawNoise(new Rng(1));
    const want = tf.tidy(() => {
      const z = st.masks(noise);
      const tables = dartsCellCosts(DartsSpaceSchema.parse(DARTS), 8);
      const p = (label: 'normal' | 'reduce') => {
        const c = Object.fromEntries(
          Object.entries(tables[label]).map(([m, t]) => [m, tf.tensor3d(t)]),
        ) as Record<ResourceMeasure, tf.Tensor3D>;
        return cellTypePenalty(
          c,
          st.alphas.get(label) as tf.Tensor2D,
          z.get(label)!,
          st.temperature,
          'reparametrization',
          'all',
          true,
        ).dataSync()[0];
      };
      return 0.5 * (p('normal') + 2 * p('reduce'));
    });
    const got = tf.tidy(() => st.resourceLoss(st.masks(noise)).dataSync()[0]);
    close(got, want, 1e-6);
    expect(got).toBeGreaterThan(0);
    s.dispose();
  });
});

describe('SNAS temperature', () => {
  it('falls linearly per epoch as the reference scheduler (stepped before each epoch) and reaches τmin at the last', () => {
    close(snasTemperature(0, 150, 1, 0.03), 0.03 + 0.97 * (149 / 150), 1e-12);
    close(snasTemperature(74, 150, 1, 0.03), 0.03 + 0.97 * 0.5, 1e-12);
    close(snasTemperature(149, 150, 1, 0.03), 0.03, 1e-12);
    expect(snasTemperature(0, 1, 1, 0.03)).toBe(0.03);
  });

  it('a run reports τ per epoch; without annealing τ stays', async () => {
    for (const annealing of [true, false]) {
      const s = await session(NB201, { temperatureAnnealing: annealing });
      const taus: number[] = [];
      while (!s.done) {
        const r = s.runStep();
        if (r.info.stepInEpoch === 0) taus.push(r.metrics.tau);
      }
      const want = annealing ? [0.03 + 0.97 * (2 / 3), 0.03 + 0.97 / 3, 0.03] : [1, 1, 1];
      taus.forEach((t, i) => close(t, want[i], 1e-12));
      s.dispose();
    }
  });
});

describe('SNAS derivation', () => {
  const ops = ['none', 'skip_connect', 'sep_conv_3x3'];
  // Two nodes: node 0 (edges from states 0, 1), node 1 (states 0, 1, 2).
  const w = [
    [0.2, 0.5, 0.3], // 0→2: skip
    [0.6, 0.1, 0.3], // 1→2: none (dropped)
    [0.1, 0.45, 0.45], // 0→3: tie between skip and sep: the first, skip
    [0.4, 0.2, 0.4], // 1→3: tie none/sep: none (dropped)
    [0.3, 0.1, 0.6], // 2→3: sep
  ];

  it('edge_all: every edge its argmax op (first on ties), none edges dropped, genes ranked per node', () => {
    expect(snasCellGenes(w, ops, 2, Infinity)).toEqual([
      ['skip_connect', 0, 2],
      ['sep_conv_3x3', 2, 3],
      ['skip_connect', 0, 3],
    ]);
    const d = deriveSnasGenotype({ normal: w, reduce: w }, ops, 2, 'edge_all');
    expect(d.fellBack).toEqual([]);
    expect(d.genotype.normal).toEqual([
      ['skip_connect', 0],
      ['sep_conv_3x3', 2],
      ['skip_connect', 0],
    ]);
    expect(d.genotype.normalNodes).toEqual([2, 3, 3]);
    validateGenotype(d.genotype, { ops, nodes: 2 });
  });

  it('top2_reference: the two strongest edges, none counted in the ranking (a kept none edge is dropped)', () => {
    // Node 0: both edges kept (1→2 is none → dropped). Node 1: strengths 0.45, 0.4, 0.6 → edges 2, 0.
    expect(snasCellGenes(w, ops, 2, 2)).toEqual([
      ['skip_connect', 0, 2],
      ['sep_conv_3x3', 2, 3],
      ['skip_connect', 0, 3],
    ]);
    // Ties in strength keep the lower input (a stable sort, as Python's sorted).
    const tie = [
      [0.5, 0.2, 0.3],
      [0.1, 0.5, 0.4],
      [0.2, 0.3, 0.5],
      [0.2, 0.5, 0.3],
      [0.5, 0.3, 0.2],
    ];
    expect(snasCellGenes(tie, ops, 2, 2)).toEqual([
      ['skip_connect', 1, 2],
      ['sep_conv_3x3', 0, 3],
      ['skip_connect', 1, 3],
    ]);
  });

  it("top2: DARTS's rule (none excluded, two inputs per node, dense)", () => {
    const d = deriveSnasGenotype({ normal: w, reduce: w }, ops, 2, 'top2');
    expect(d.genotype.normalNodes).toBeUndefined();
    expect(d.genotype.normal).toHaveLength(4);
    expect(d.genotype.normal.every(([op]) => op !== 'none')).toBe(true);
  });

  it('a cell that keeps no edge falls back to its strongest non-none edge from a cell input (never throws)', () => {
    const allNone = w.map(() => [0.8, 0.05, 0.15]);
    allNone[1] = [0.7, 0.1, 0.2]; // 1→2 sep 0.2: the strongest non-none from a cell input
    allNone[4] = [0.1, 0.1, 0.8]; // 2→3 would be sep, but node 2 has no inputs: pruned
    const d = deriveSnasGenotype({ normal: w, reduce: allNone }, ops, 2, 'edge_all');
    expect(d.fellBack).toEqual(['reduce']);
    expect(d.genotype.reduce).toEqual([['sep_conv_3x3', 1]]);
    expect(d.genotype.reduceNodes).toEqual([2]);
    expect(d.genotype.reduceConcat).toEqual([2]);
    validateGenotype(d.genotype, { ops, nodes: 2 });
  });

  it('the strategy derives on each space; the DARTS genotype round-trips through JSON and text', async () => {
    const darts = await session(DARTS);
    const st = darts.strategy as unknown as Snas;
    const dops = darts.space.choicePoints[0].options as string[];
    const rows = darts.space.choicePoints[0].rows.length;
    const a = Array.from({ length: rows }, () => dops.map(() => 0));
    a.forEach((row, e) => (row[dops.indexOf(e % 2 ? 'none' : 'dil_conv_3x3')] = 2));
    st.alphas.get('normal')!.assign(tf.tensor2d(a));
    st.alphas.get('reduce')!.assign(tf.tensor2d(a.map((row) => row.map((_, k) => (k === 0 ? 1 : 0)))));
    const g = darts.strategy.derive() as { normal: Array<[string, number]>; normalNodes?: number[] };
    // Edges 0, 2, 4 (0→2, 0→3, 2→3) keep dil_conv_3x3; the odd ones are none.
    expect(g.normal).toEqual([
      ['dil_conv_3x3', 0],
      ['dil_conv_3x3', 0],
      ['dil_conv_3x3', 2],
    ]);
    expect(g.normalNodes).toEqual([2, 3, 3]);
    expect(st.derivationFallbacks).toEqual(['reduce']);
    expect(darts.space.fromJson(darts.space.toJson(g))).toEqual(g);
    expect(darts.space.fromText(darts.space.toText(g))).toEqual(g);
    darts.dispose();

    const nb = await session(NB201);
    const nbs = nb.strategy as unknown as Snas;
    const nbOps = nb.space.choicePoints[0].options;
    const b: number[][] = Array.from({ length: 6 }, (_, e) =>
      nbOps.map((_, k) => (k === e % nbOps.length ? 1 : 0)),
    );
    b[5] = nbOps.map(() => 0.5); // a tie: the first op ('none') wins
    nbs.alphas.get('cell')!.assign(tf.tensor2d(b));
    expect((nb.strategy.derive() as { edges: string[] }).edges).toEqual(
      [0, 1, 2, 3, 4, 0].map((k) => nbOps[k]),
    );
    nb.dispose();
  });
});

describe('SNAS search loop', () => {
  // 20 steps on the default path of each space; the other penalties and the SGD α path (same tidy
  // scopes, other terms) 4 steps each, to keep the file fast on a shared CPU.
  const CASES: Array<{ title: string; space: unknown; strategy: Record<string, unknown>; steps: number }> = [
    {
      title: 'darts, reparametrization penalty',
      space: DARTS,
      strategy: { resource: 'reparametrization' },
      steps: 20,
    },
    { title: 'nb201', space: NB201, strategy: {}, steps: 20 },
    {
      title: 'darts, policy gradient, α by SGD',
      space: DARTS,
      strategy: { resource: 'policy_gradient', alphaOptimizer: 'sgd' },
      steps: 4,
    },
    {
      title: 'darts, discrete, no validation',
      space: DARTS,
      strategy: { resource: 'discrete', validate: false },
      steps: 4,
    },
  ];
  for (const c of CASES) {
    it(`${c.title}: flat tensor count over ${c.steps} steps, α moves, metrics finite`, async () => {
      const s = await session(c.space, c.strategy, { epochs: 12 });
      const initial = Object.fromEntries(
        Object.entries(s.strategy.getState().tensors)
          .filter(([k]) => k.startsWith('alpha.'))
          .map(([k, t]) => [k, t.dataSync().slice()]),
      );
      s.runStep();
      s.runStep();
      const before = tf.memory().numTensors;
      let last;
      for (let i = 0; i < c.steps; i++) last = s.runStep();
      expect(tf.memory().numTensors).toBe(before);
      const keys = ['trainLoss', 'trainAcc', 'resourceLoss', 'tau', 'lrWeights', 'gradNorm', 'alphaGradNorm'];
      if (c.strategy.validate !== false) keys.push('valLoss', 'valAcc');
      for (const key of keys) expect(Number.isFinite(last!.metrics[key]), key).toBe(true);
      if (c.strategy.resource) expect(last!.metrics.resourceLoss).not.toBe(0);
      const now = s.strategy.getState().tensors;
      for (const [k, v] of Object.entries(initial))
        expect(Array.from(now[k].dataSync())).not.toEqual(Array.from(v));
      s.dispose();
    });
  }

  it('single level: one training batch; α moves by −lr·clip(∂L/∂α) of that batch and draw (α by SGD)', () => {
    const cfg = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 2 });
    const net = new SearchNetwork(cfg, 3, 4, new Rng(1));
    const st = new Snas(
      net,
      SnasSchema.parse({
        name: 'snas',
        alphaOptimizer: 'sgd',
        alphaLr: 0.1,
        validate: false,
        resource: 'reparametrization',
      }),
      new Rng(2),
      new DartsSearchSpace(cfg),
      { size: 8, channels: 3, classes: 4 },
    );
    const r = new Rng(3);
    const batch = {
      x: tf.tensor4d(r.fillNormal(4 * 8 * 8 * 3), [4, 8, 8, 3]),
      y: tf.tensor1d([0, 1, 2, 3], 'int32'),
    };
    const rng = new Rng(7);
    const copy = new Rng(0);
    copy.setState(rng.getState());
    const before = [...st.alphas.values()].map((a) => a.arraySync() as number[][]);
    // The step's τ for epoch 0 of 1 is τmin; set it first so that the replay sees the same mask.
    const info = {
      phase: 'search',
      phaseIndex: 0,
      epoch: 0,
      stepInEpoch: 0,
      stepsPerEpoch: 1,
      totalEpochs: 1,
      globalStep: 0,
    };
    (st as unknown as { tau: number }).tau = snasTemperature(0, 1, 1, 0.03);
    const want = tf.tidy(() => {
      const g = st.gradients(batch, st.drawNoise(copy));
      const sq = g.alphaGrads.reduce((acc, t) => acc + t.square().sum().dataSync()[0], 0);
      const coef = Math.min(1, 10 / (Math.sqrt(sq) + 1e-6));
      return g.alphaGrads.map((t, i) =>
        (t.arraySync() as number[][]).map((row, e) => row.map((v, k) => before[i][e][k] - 0.1 * coef * v)),
      );
    });
    let trainBatches = 0;
    st.step({
      info,
      train: () => (trainBatches++, batch),
      val: () => {
        throw new Error('SNAS took a validation batch with validate off');
      },
      rng,
    });
    expect(trainBatches).toBe(1);
    [...st.alphas.values()].forEach((a, i) =>
      (a.arraySync() as number[][]).forEach((row, e) => row.forEach((v, k) => close(v, want[i][e][k], 1e-5))),
    );
    tf.dispose([batch.x, batch.y]);
    st.dispose();
    net.dispose();
  });

  it('clear errors: a resource penalty on NB201, a DARTS derivation on NB201, τmin above τ', async () => {
    await expect(session(NB201, { resource: 'discrete' })).rejects.toThrow(/resource 'discrete'.*DARTS/);
    await expect(session(NB201, { derivation: 'top2' })).rejects.toThrow(/derivation 'top2'/);
    expect(() => SnasSchema.parse({ name: 'snas', temperature: 0.1, temperatureMin: 0.5 })).toThrow(
      /final temperature/,
    );
  });
});
