import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData } from '../../search/build-data';
import { captureSession, restoreSession } from '../../search/checkpoint';
import { SearchSession, type StepReport } from '../../search/session';
import { Nb201SpaceSchema } from '../../spaces/nb201/search-space';
import { Nb201SearchSpace } from '../../spaces/nb201/space';
import { Nb201Supernet } from '../../spaces/nb201/supernet';
import { crossEntropy } from '../../train/loss';
import { Rng } from '../../util/rng';
import { ArrayBatches, separableImages } from '../../../../test/helpers/tiny-data';
import { Darts } from '../darts';
import { DartsStrategySchema } from '../darts-spec';
import { dominantEigenvalue } from './hessian';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/** Eigenvalues of a symmetric matrix (cyclic Jacobi rotations, float64): the independent reference. */
function symmetricEigenvalues(m: number[][]): number[] {
  const n = m.length;
  const a = m.map((r) => [...r]);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k][p];
          const akq = a[k][q];
          a[k][p] = c * akp - s * akq;
          a[k][q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p][k];
          const aqk = a[q][k];
          a[p][k] = c * apk - s * aqk;
          a[q][k] = s * apk + c * aqk;
        }
      }
  }
  return a.map((r, i) => r[i]);
}

describe('power iteration on finite-difference Hessian-vector products', () => {
  it('finds the largest eigenvalue of a quadratic, also when the dominant one is negative', () => {
    // L = ½ xᵀAx + bᵀx with A known: ∇²L = A exactly, and central differences are exact on a quadratic.
    const rng = new Rng(4);
    const n = 6;
    const q = Array.from({ length: n }, () => Array.from(rng.fillNormal(n)));
    const sym = (d: number[]) =>
      q.map((_, i) => q.map((__, j) => q.reduce((s, row, k) => s + row[i] * d[k] * row[j], 0)));
    for (const spectrum of [
      [3, 1, 0.5, -0.2, -1, 0.1], // dominant positive
      [0.4, 0.1, -0.3, -1, -2.5, 0], // dominant negative: the largest is 0.4
    ]) {
      const A = sym(spectrum); // QᵀDQ: symmetric; its spectrum differs from D (Q is not orthogonal)
      const want = Math.max(...symmetricEigenvalues(A));
      const x = tf.variable(tf.tensor1d(rng.fillNormal(n)));
      const At = tf.tensor2d(A);
      const b = tf.tensor1d(rng.fillNormal(n));
      const gradient = () => [
        tf.tidy(() =>
          At.matMul(x.reshape([n, 1]))
            .reshape([n])
            .add(b),
        ),
      ];
      const before = tf.memory().numTensors;
      const got = dominantEigenvalue([x], gradient, { iterations: 500, epsilon: 0.01, tolerance: 1e-9 });
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(got.value - want) / Math.abs(want)).toBeLessThan(1e-3);
      tf.dispose([x, At, b]);
    }
  });

  it("is within 1% of the largest eigenvalue of a tiny supernet's explicit α-Hessian", () => {
    // NAS-Bench-201's cell: 6 edges × 5 ops = 30 α, so the explicit Hessian takes 60 gradients.
    const cfg = Nb201SpaceSchema.parse({ name: 'nb201', channels: 2, cellsPerStage: 1 });
    const rng = new Rng(9);
    const net = new Nb201Supernet(cfg, { size: 8, channels: 3, classes: 4 }, rng);
    const darts = new Darts(
      net,
      DartsStrategySchema.parse({ name: 'darts', alphaInitScale: 0.1 }),
      rng,
      new Nb201SearchSpace(cfg),
    );
    const batches = new ArrayBatches(separableImages(8, 8, 3, 5), 8, 1);
    const batch = batches.next();
    const alphas = [...darts.alphas.values()];
    const gradient = () =>
      tf.tidy(() => {
        const { grads } = tf.variableGrads(
          () =>
            crossEntropy(
              net.logits(batch.x, darts.archChoice(), { training: true, frozenStats: true }),
              batch.y,
            ),
          alphas,
        );
        return alphas.map((a) => grads[a.name]);
      });
    // The explicit Hessian, column j = (∇L(α + h·e_j) − ∇L(α − h·e_j)) / 2h, in float64 on the host,
    // symmetrised.
    const sizes = alphas.map((a) => a.size);
    const dim = sizes.reduce((s, k) => s + k, 0);
    const flat = () => {
      const g = gradient();
      const out = g.flatMap((t) => Array.from(t.dataSync()));
      tf.dispose(g);
      return out;
    };
    // h = 1e-4, the power iteration's ε too: a net this small has few ReLUs, and a step that carries a
    // pre-activation across zero puts a kink's jump into the difference (columns at 1e-2 and 1e-3 come out
    // asymmetric and h-dependent); at 1e-4 no kink is crossed, and float32 noise (~1e-8 in a gradient
    // entry) stays far below the curvature.
    const h = 1e-4;
    const H: number[][] = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    let col = 0;
    for (const a of alphas) {
      const orig = a.dataSync().slice();
      for (let i = 0; i < a.size; i++, col++) {
        const at = (delta: number) => {
          const d = orig.slice();
          d[i] += delta;
          a.assign(tf.tensor(d, a.shape));
          return flat();
        };
        const gp = at(h);
        const gm = at(-h);
        for (let r = 0; r < dim; r++) H[r][col] = (gp[r] - gm[r]) / (2 * h);
      }
      a.assign(tf.tensor(orig, a.shape));
    }
    const Hs = H.map((row, i) => row.map((v, j) => (v + H[j][i]) / 2));
    const want = Math.max(...symmetricEigenvalues(Hs));
    expect(want).toBeGreaterThan(1e-3);
    const alphaBefore = alphas.map((a) => Array.from(a.dataSync()));
    const got = dominantEigenvalue(alphas, gradient, { iterations: 100, epsilon: h, tolerance: 1e-6 });
    expect(Math.abs(got.value - want) / want).toBeLessThan(0.01);
    // The reading leaves α bit for bit as it found it.
    expect(alphas.map((a) => Array.from(a.dataSync()))).toEqual(alphaBefore);
    // The dominant eigenvalue here is negative (the spectrum reaches about −1.4): the second, shifted pass found λmax.
    console.log(
      `explicit λmax ${want.toPrecision(6)}, power iteration ${got.value.toPrecision(6)} (${got.products} products)`,
    );
    tf.dispose([batch.x, batch.y]);
    darts.dispose();
    net.dispose();
  });
});

const tinyData: SearchConfigInput['data'] = {
  source: 'synthetic',
  synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
};

/** A tiny search; two power iterations per reading unless asked (the loop's behaviour, not the estimate's accuracy, is tested here). */
async function session(strategy: Record<string, unknown>, space: Record<string, unknown>, epochs = 4) {
  const config = parseSearchConfig({
    space,
    strategy: { hessianIterations: 2, ...strategy },
    epochs,
    batchSize: 8,
    stepsPerEpoch: 2,
    seed: 3,
    backend: 'cpu',
    data: tinyData,
  } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

const DARTS_SPACE = { name: 'darts', cells: 2, nodes: 2, channels: 2 };
const NB201_SPACE = { name: 'nb201', channels: 2, cellsPerStage: 1 };

function runAll(s: SearchSession<unknown>): StepReport<unknown>[] {
  const out: StepReport<unknown>[] = [];
  while (!s.done) out.push(s.runStep());
  return out;
}

const epochMetrics = (reports: StepReport<unknown>[]) =>
  reports.filter((r) => r.epochEnd).map((r) => r.epochEnd!.metrics);

describe('the collapse alarm in a search', () => {
  it('off changes nothing, warn reads the Hessian and skip counts without changing the search', async () => {
    const off = await session({ name: 'darts' }, DARTS_SPACE, 3);
    const warn = await session({ name: 'darts', collapseAlarm: 'warn', hessianEvery: 1 }, DARTS_SPACE, 3);
    const a = runAll(off);
    const b = runAll(warn);
    expect(b.map((r) => r.metrics)).toEqual(a.map((r) => r.metrics));
    expect(epochMetrics(a)).toEqual([{}, {}, {}]);
    const m = epochMetrics(b);
    expect(m.every((x) => Number.isFinite(x.hessianEigenvalue))).toBe(true);
    expect(m.every((x) => typeof x.skipsNormal === 'number' && typeof x.skipsReduce === 'number')).toBe(true);
    const bytes = (s: SearchSession<unknown>) => [
      ...s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]),
      ...Object.entries(s.strategy.getState().tensors).map(([n, t]) => [n, Array.from(t.dataSync())]),
    ];
    expect(bytes(warn)).toEqual(bytes(off));
    off.dispose();
    warn.dispose();
  });

  it('stop: an epoch-end stop ends the phase with its reason (DARTS+ stable ranking)', async () => {
    // α barely moves (lr 1e-9): the ranking is the same after every epoch, so at the end of epoch 1
    // it has been stable for 1 epoch.
    const cfg = { name: 'darts', collapseAlarm: 'stop', alphaLr: 1e-9, hessianEvery: 0, dartsPlusSkips: 0 };
    const s = await session({ ...cfg, dartsPlusStableEpochs: 1 }, DARTS_SPACE, 4);
    const reports = runAll(s);
    expect(reports).toHaveLength(4);
    expect(reports[3].phaseEnd?.reason).toMatch(/ranking of α over the parameterised ops .* 1 epochs/);
    expect(reports[3].epochEnd!.metrics.alarmRanking).toBe(1);
    expect(s.totalSteps).toBe(4);
    s.dispose();
    const warn = await session({ ...cfg, collapseAlarm: 'warn', dartsPlusStableEpochs: 1 }, DARTS_SPACE, 4);
    const all = runAll(warn);
    expect(all).toHaveLength(8);
    expect(epochMetrics(all).map((m) => m.alarmRanking)).toEqual([undefined, 1, 1, 1]);
    expect(all.every((r) => !r.phaseEnd?.reason)).toBe(true);
    warn.dispose();
  });

  it('DARTS+ skip criterion on fixed α: two skips in the derived normal cell fire it, the reduce cell is only counted', async () => {
    const s = await session(
      { name: 'darts', collapseAlarm: 'warn', hessianEvery: 0, dartsPlusStableEpochs: 0 },
      DARTS_SPACE,
      1,
    );
    const darts = s.strategy as unknown as Darts;
    const ops = s.space.choicePoints[0].options;
    const skip = ops.indexOf('skip_connect');
    const conv = ops.indexOf('sep_conv_3x3');
    // Node 2's edges (0, 1) and node 3's edges (2, 3, 4): skips on edges 0 and 2 win, conv elsewhere.
    const alpha = (skipEdges: number[]) =>
      tf.tensor2d(
        Array.from({ length: 5 }, (_, e) =>
          ops.map((_, k) => (k === (skipEdges.includes(e) ? skip : conv) ? 3 : 0)),
        ),
      );
    const info = { ...s.info(), epoch: 0, totalEpochs: 1 };
    darts.alphaNormal.assign(alpha([0, 2]));
    darts.alphaReduce.assign(alpha([0, 1, 2, 3]));
    const fired = darts.epochEnd(info);
    expect(fired.metrics).toMatchObject({ skipsNormal: 2, skipsReduce: 4, alarmSkips: 1, collapseAlarm: 1 });
    darts.alphaNormal.assign(alpha([0]));
    const quiet = darts.epochEnd(info);
    expect(quiet.metrics).toMatchObject({ skipsNormal: 1, skipsReduce: 4 });
    expect(quiet.metrics.alarmSkips).toBeUndefined();
    s.dispose();
  });

  it('a Hessian stop rolls back to the genotype of its stop epoch, which derive() then returns', async () => {
    // Window 1, delta 1, from epoch 0, factor 1e-6: fires at the second reading whenever both are
    // positive; the rollback is the genotype of the first reading (epoch 0). α moves fast so the
    // genotypes differ.
    const s = await session(
      {
        name: 'darts',
        collapseAlarm: 'stop',
        alphaLr: 0.3,
        hessianEvery: 1,
        hessianWindow: 1,
        hessianDelta: 1,
        hessianStartEpoch: 0,
        hessianFactor: 1e-6,
        dartsPlusSkips: 0,
        dartsPlusStableEpochs: 0,
      },
      DARTS_SPACE,
      4,
    );
    const reports = runAll(s);
    const ends = reports.filter((r) => r.epochEnd);
    expect(ends[0].epochEnd!.metrics.hessianEigenvalue).toBeGreaterThan(0);
    expect(ends).toHaveLength(2);
    expect(ends[1].epochEnd!.metrics).toMatchObject({ alarmHessian: 1, hessianStopEpoch: 0 });
    expect(ends[1].phaseEnd?.reason).toMatch(/DARTS-ES/);
    expect(ends[1].epochEnd!.genotype).toEqual(ends[0].epochEnd!.genotype);
    expect(s.strategy.derive()).toEqual(ends[0].epochEnd!.genotype);
    // The rollback survives a checkpoint.
    const snap = captureSession(s);
    const t = await session(s.config.strategy as never, DARTS_SPACE, 4);
    restoreSession(t, snap);
    expect(t.strategy.derive()).toEqual(ends[0].epochEnd!.genotype);
    s.dispose();
    t.dispose();
  });

  it('paused and resumed across an eigenvalue reading, the search ends bit for bit as the uninterrupted one', async () => {
    const cfg = {
      name: 'darts',
      collapseAlarm: 'warn',
      hessianEvery: 1,
      hessianWindow: 2,
      hessianDelta: 1,
      hessianStartEpoch: 0,
      dartsPlusStableEpochs: 2,
    };
    const whole = await session(cfg, DARTS_SPACE, 4);
    const a = runAll(whole);
    for (const pauseAt of [3, 4]) {
      // Step 3 is mid-epoch 1 (its reading comes after the resume); step 4 ends epoch 1 (the rule's state is restored).
      const first = await session(cfg, DARTS_SPACE, 4);
      for (let i = 0; i < pauseAt; i++) first.runStep();
      const snap = captureSession(first);
      first.dispose();
      const resumed = await session(cfg, DARTS_SPACE, 4);
      restoreSession(resumed, snap);
      const b = runAll(resumed);
      expect(b.map((r) => [r.metrics, r.epochEnd?.metrics, r.epochEnd?.genotype])).toEqual(
        a.slice(pauseAt).map((r) => [r.metrics, r.epochEnd?.metrics, r.epochEnd?.genotype]),
      );
      const bytes = (s: SearchSession<unknown>) =>
        s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]);
      expect(bytes(resumed)).toEqual(bytes(whole));
      expect(resumed.strategy.getState().scalars).toEqual(whole.strategy.getState().scalars);
      resumed.dispose();
    }
    expect(epochMetrics(a).map((m) => typeof m.hessianEigenvalue)).toEqual(Array(4).fill('number'));
    whole.dispose();
  });

  const strategies: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    ['darts', { name: 'darts' }, DARTS_SPACE],
    ['darts second order', { name: 'darts', order: 'second' }, NB201_SPACE],
    ['gdas (DARTS cells)', { name: 'gdas' }, DARTS_SPACE],
    ['gdas (NB201)', { name: 'gdas' }, NB201_SPACE],
    ['pcdarts', { name: 'pcdarts', warmupEpochs: 1, partialGroups: 2 }, DARTS_SPACE],
  ];
  for (const [title, strategy, space] of strategies)
    it(`${title}: flat tensor count over 20 steps with a reading every epoch`, async () => {
      const s = await session({ ...strategy, collapseAlarm: 'warn', hessianEvery: 1 }, space, 12);
      const reports = [s.runStep(), s.runStep(), s.runStep(), s.runStep()];
      const before = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) reports.push(s.runStep());
      expect(tf.memory().numTensors).toBe(before);
      const readings = epochMetrics(reports).filter((m) => m.hessianEigenvalue !== undefined);
      // PC-DARTS reads nothing in its warm-up epoch (no validation batch there).
      expect(readings.length).toBe(strategy.name === 'pcdarts' ? 11 : 12);
      expect(readings.every((m) => Number.isFinite(m.hessianEigenvalue))).toBe(true);
      s.dispose();
    });
});
