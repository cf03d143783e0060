import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { chooseBackend } from '../backend';
import { captureSession, restoreSession } from '../search/checkpoint';
import { parseSearchConfig, type SearchConfigInput } from '../search/config';
import { buildSearchData } from '../search/build-data';
import { SearchSession } from '../search/session';
import type { Choices, SearchSpace } from '../search/space';
import { sampleAssignment, type ArchAssignment, type Supernet } from '../search/supernet';
import { DartsSpaceSchema } from '../spaces/darts/search-space';
import { DartsSearchSpace } from '../spaces/darts/space';
import { SearchNetwork } from '../spaces/darts/supernet';
import { Nb201SpaceSchema } from '../spaces/nb201/search-space';
import { Nb201SearchSpace } from '../spaces/nb201/space';
import { Nb201Supernet } from '../spaces/nb201/supernet';
import { crossEntropy } from '../train/loss';
import { Rng } from '../util/rng';
import { ArrayBatches, separableImages } from '../../../test/helpers/tiny-data';
import { Nasp } from './nasp';
import { oneHotRows, proximalChoices, sizeBurden } from './nasp-proximal';
import { NaspSchema } from './nasp-spec';
import type { Batch } from './strategy';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const THREE_OPS = ['none', 'skip_connect', 'sep_conv_3x3'] as const;

function dartsSpace(ops: readonly string[] = THREE_OPS) {
  return new DartsSearchSpace(DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 2, ops }));
}

/** A tiny strategy on a tiny supernet of either space, with batches of the separable toy task. */
function tiny(spaceName: 'darts' | 'nb201', cfg: Record<string, unknown> = {}) {
  const rng = new Rng(7);
  let space: SearchSpace;
  let net: Supernet;
  if (spaceName === 'darts') {
    const c = DartsSpaceSchema.parse({ nodes: 2, cells: 3, channels: 3 });
    space = new DartsSearchSpace(c);
    net = new SearchNetwork(c, 3, 4, rng);
  } else {
    const c = Nb201SpaceSchema.parse({ name: 'nb201', channels: 3, cellsPerStage: 1 });
    space = new Nb201SearchSpace(c);
    net = new Nb201Supernet(c, { size: 8, channels: 3, classes: 4 }, rng);
  }
  const nasp = new Nasp(net, NaspSchema.parse({ name: 'nasp', ...cfg }), space);
  const batches = new ArrayBatches(separableImages(32, 8, 3, 11), 8, 3);
  return { space, net, nasp, batches };
}

function freeBatch(b: Batch) {
  tf.dispose([b.x, b.y]);
}

/** Sets every α of the strategy to uniform draws in [lo, hi]. */
function randomAlphas(nasp: Nasp, rng: Rng, lo = 0, hi = 1) {
  for (const a of nasp.alphas.values()) a.assign(tf.tensor(rng.fillUniform(a.size, lo, hi), a.shape));
}

describe('NASP proximal step (hand-made α)', () => {
  it('DARTS cells: argmax op per edge without none (first on ties), top-2 inputs per node by the kept α (lower input on ties)', () => {
    const space = dartsSpace();
    // Columns: none, skip_connect, sep_conv_3x3. Node 2 has edges from states 0, 1 (rows 0, 1);
    // node 3 from states 0, 1, 2 (rows 2, 3, 4).
    const normal = [
      [0.9, 0.2, 0.2], // none is largest but never kept; skip and sep tie: skip (the first)
      [0.0, 0.3, 0.7], // sep
      [0.5, 0.5, 0.5], // skip, kept value 0.5
      [1.0, 0.1, 0.5], // sep, kept value 0.5: ties with row 2, which has the lower input
      [0.0, 0.8, 0.2], // skip, kept value 0.8: the strongest of node 3
    ];
    // The initial α (every entry 0.5): each edge's first real op, each node's first two inputs.
    const reduce = normal.map((r) => r.map(() => 0.5));
    const c = proximalChoices(space, { normal, reduce });
    expect(c.normal).toEqual([1, 2, 1, -1, 1]);
    expect(c.reduce).toEqual([1, 1, 1, 1, -1]);
    expect(oneHotRows(c.normal, 3)).toEqual([
      [0, 1, 0],
      [0, 0, 1],
      [0, 1, 0],
      [0, 0, 0],
      [0, 1, 0],
    ]);
  });

  it('NAS-Bench-201: argmax per edge, none allowed, the first on ties', () => {
    const space = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201' }));
    // Columns: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3.
    const cell = [
      [0.5, 0.5, 0.5, 0.5, 0.5],
      [0.1, 0.9, 0.9, 0.0, 0.0],
      [0.0, 0.0, 0.0, 0.3, 0.2],
      [1.0, 0.0, 0.0, 0.0, 1.0],
      [0.2, 0.2, 0.2, 0.2, 0.7],
      [0.6, 0.0, 0.0, 0.0, 0.0],
    ];
    expect(proximalChoices(space, { cell }).cell).toEqual([0, 1, 3, 0, 4, 0]);
  });

  it('DARTS cells, random α in [0, 1]: two inputs per node, each kept edge its best real op, kept edges at least as strong as dropped ones', () => {
    const space = dartsSpace(['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3']);
    const rng = new Rng(5);
    for (let trial = 0; trial < 50; trial++) {
      const w = () => Array.from({ length: 5 }, () => Array.from(rng.fillUniform(4)));
      const alpha = { normal: w(), reduce: w() };
      const c = proximalChoices(space, alpha);
      for (const label of ['normal', 'reduce']) {
        const rows = alpha[label as 'normal'];
        const best = rows.map((r) => Math.max(...r.slice(1)));
        for (const [start, n] of [
          [0, 2],
          [2, 3],
        ]) {
          const ids = Array.from({ length: n }, (_, j) => start + j);
          const kept = ids.filter((e) => c[label][e] !== -1);
          expect(kept).toHaveLength(2);
          for (const e of kept) expect(rows[e][c[label][e]]).toBe(best[e]);
          for (const e of ids.filter((i) => !kept.includes(i)))
            for (const k of kept) expect(best[k]).toBeGreaterThanOrEqual(best[e]);
        }
      }
    }
  });

  it('one-hot rows refuse an option outside the row', () => {
    expect(() => oneHotRows([0, 3], 3)).toThrow(/row 1: option 3/);
  });

  it("the size burden is each option's share of its row's parameters", () => {
    expect(
      sizeBurden([
        [0, 100, 300],
        [0, 0, 0],
      ]),
    ).toEqual([
      [0, 0.25, 0.75],
      [0, 0, 0],
    ]);
  });
});

describe('NASP derivation (fixed α, ties)', () => {
  // Columns: none, skip_connect, sep_conv_3x3; rows as in the proximal test. softmax(α) per row,
  // computed by hand (none's α 0 counts in the denominator):
  //   row 0 [0, .4, .6]: sep 1.8221/4.3139 = 0.4224     row 1 [0, .7, .7]: skip (tie) 2.0138/5.0275 = 0.4005
  //   row 2 [0, 1, 1]:   skip (tie) 2.7183/6.4366 = 0.4223
  //   row 3 [0, .9, 0]:  skip 2.4596/4.4596 = 0.5515   row 4 [0, .95, .5]: skip 2.5857/5.2344 = 0.4940
  // Node 3 by α: rows 2 (1.0), 4 (0.95) beat row 3 (0.9); by softmax: rows 3 (0.5515), 4 (0.4940).
  const alpha = [
    [0, 0.4, 0.6],
    [0, 0.7, 0.7],
    [0, 1, 1],
    [0, 0.9, 0],
    [0, 0.95, 0.5],
  ];
  const build = (derive: 'softmax' | 'proximal') => {
    const space = dartsSpace();
    const net = new SearchNetwork(space.config, 3, 4, new Rng(1));
    const nasp = new Nasp(net, NaspSchema.parse({ name: 'nasp', derive }), space);
    for (const a of nasp.alphas.values()) a.assign(tf.tensor2d(alpha));
    return { nasp, net };
  };

  it("softmax (the reference's genotype()): the DARTS rule on softmax(α)", () => {
    const { nasp, net } = build('softmax');
    const g = nasp.derive() as { normal: Array<[string, number]>; reduce: Array<[string, number]> };
    const want: Array<[string, number]> = [
      ['sep_conv_3x3', 0],
      ['skip_connect', 1],
      ['skip_connect', 1],
      ['skip_connect', 2],
    ];
    expect(g.normal).toEqual(want);
    expect(g.reduce).toEqual(want);
    nasp.dispose();
    net.dispose();
  });

  it('proximal: the architecture the weights are trained on (the rule on α)', () => {
    const { nasp, net } = build('proximal');
    const g = nasp.derive() as { normal: Array<[string, number]> };
    expect(g.normal).toEqual([
      ['skip_connect', 1],
      ['sep_conv_3x3', 0],
      ['skip_connect', 0],
      ['skip_connect', 2],
    ]);
    expect(nasp.discrete().normal).toEqual([2, 1, 1, -1, 1]);
    nasp.dispose();
    net.dispose();
  });
});

/** Central finite difference of f at entry (r, k) of one label's weights. */
function centralDiff(
  w: Record<string, number[][]>,
  label: string,
  r: number,
  k: number,
  h: number,
  f: (w: Record<string, number[][]>) => number,
): number {
  const at = (d: number) => {
    const v = Object.fromEntries(Object.entries(w).map(([l, rows]) => [l, rows.map((row) => row.slice())]));
    v[label][r][k] += d;
    return f(v);
  };
  return (at(h) - at(-h)) / (2 * h);
}

describe('NASP α gradient at the discrete point', () => {
  for (const spaceName of ['darts', 'nb201'] as const) {
    for (const sizePenalty of [0, 0.5]) {
      it(`${spaceName}${sizePenalty ? ', with the size penalty' : ''}: equals central finite differences of the loss over the 0/1 op weights`, () => {
        const { space, net, nasp, batches } = tiny(spaceName, { sizePenalty });
        randomAlphas(nasp, new Rng(3));
        const batch = batches.next();
        const labels = space.choicePoints.map((cp) => cp.label);
        const grads = tf.tidy(() => nasp.alphaGradients(batch).grads.map((g) => g.arraySync() as number[][]));
        const choices = nasp.discrete();
        const discrete = Object.fromEntries(
          space.choicePoints.map((cp) => [cp.label, oneHotRows(choices[cp.label], cp.options.length)]),
        );
        // The penalty's weights, counted here from the supernet's option parameters.
        const burden = Object.fromEntries(
          space.choicePoints.map((cp) => [
            cp.label,
            sizeBurden(
              cp.rows.map((_, e) =>
                cp.options.map((_, k) =>
                  net.optionParameters(cp.label, e, k).reduce((s, v) => s + v.size, 0),
                ),
              ),
            ),
          ]),
        );
        const loss = (w: Record<string, number[][]>) =>
          tf.tidy(() => {
            const arch: ArchAssignment = {};
            for (const l of labels) arch[l] = { kind: 'mix', weights: tf.tensor2d(w[l]) };
            const logits = net.logits(batch.x, arch, { training: true, frozenStats: true });
            let pen = 0;
            for (const l of labels)
              w[l].forEach((row, e) => row.forEach((v, k) => (pen += burden[l][e][k] * v * v)));
            return crossEntropy(logits, batch.y).dataSync()[0] + sizePenalty * pen;
          });
        let checked = 0;
        labels.forEach((l, i) => {
          const g = grads[i];
          const entries = g.flatMap((row, e) => row.map((v, k) => ({ e, k, v })));
          entries.sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
          // The largest entries, plus the largest on a row that is off (DARTS) and on an unchosen op.
          // A small step: at the 0/1 point ReLU and max-pool kinks make the central difference's error
          // shrink only linearly in h (measured on NB201: 0.39, 0.40, 0.43 at h = 3e-3, 1e-3, 3e-4 for
          // an autodiff 0.434), so h = 3e-4 with float32 rounding (~1e-3) in the absolute tolerance.
          const off = entries.find(({ e }) => choices[l][e] === -1);
          const unchosen = entries.find(({ e, k }) => choices[l][e] !== -1 && choices[l][e] !== k);
          for (const { e, k, v } of [
            ...entries.slice(0, 4),
            ...(off ? [off] : []),
            ...(unchosen ? [unchosen] : []),
          ]) {
            const fd = centralDiff(discrete, l, e, k, 3e-4, loss);
            expect(Math.abs(fd - v), `${l}[${e}][${k}]`).toBeLessThan(0.05 * Math.abs(v) + 3e-3);
            expect(Math.abs(v)).toBeGreaterThan(0);
            checked++;
          }
          if (spaceName === 'darts') expect(off, 'an edge that is off still gets gradient').toBeDefined();
        });
        expect(checked).toBeGreaterThanOrEqual(labels.length * 5);
        freeBatch(batch);
        nasp.dispose();
        net.dispose();
      });
    }
  }

  it('Adam moves the continuous α with that gradient (first step: lr·sign of g + wd·α), then clips to [0, 1]', () => {
    const lr = 0.05;
    const wd = 1e-3;
    const { space, net, nasp, batches } = tiny('darts', { alphaLr: lr, alphaWeightDecay: wd });
    randomAlphas(nasp, new Rng(4), 0.1, 0.9);
    // Entries near the bounds, so that the clip acts.
    const normal = nasp.alphas.get('normal') as tf.Variable;
    const n = normal.arraySync() as number[][];
    n[0][3] = 0.01;
    n[1][4] = 0.99;
    n[2][5] = 0.99;
    n[3][6] = 0.01;
    normal.assign(tf.tensor2d(n));
    const before = nasp.alphaValues();
    const batch = batches.next();
    const g = tf.tidy(() => nasp.alphaGradients(batch).grads.map((t) => t.arraySync() as number[][]));
    tf.dispose(nasp.alphaStep(batch));
    const after = nasp.alphaValues();
    let clipped = 0;
    space.choicePoints.forEach((cp, i) => {
      before[cp.label].forEach((row, e) =>
        row.forEach((a, k) => {
          const d = g[i][e][k] + wd * a;
          const raw = a - (lr * d) / (Math.abs(d) + 1e-8);
          const want = Math.min(1, Math.max(0, raw));
          if (want !== raw) clipped++;
          expect(Math.abs(after[cp.label][e][k] - want), `${cp.label}[${e}][${k}]`).toBeLessThan(1e-6);
        }),
      );
    });
    expect(clipped).toBeGreaterThan(0);
    freeBatch(batch);
    nasp.dispose();
    net.dispose();
  });

  it('the α step and the weight step see the same network: mix over the 0/1 α equals the sampled kept ops', () => {
    for (const spaceName of ['darts', 'nb201'] as const) {
      const { space, net, nasp, batches } = tiny(spaceName);
      randomAlphas(nasp, new Rng(8));
      const batch = batches.next();
      const c = nasp.discrete();
      const [mixed, sampled] = tf.tidy(() => {
        const arch: ArchAssignment = {};
        for (const cp of space.choicePoints)
          arch[cp.label] = { kind: 'mix', weights: tf.tensor2d(oneHotRows(c[cp.label], cp.options.length)) };
        const ctx = { training: true, frozenStats: true };
        return [
          net.logits(batch.x, arch, ctx).dataSync(),
          net.logits(batch.x, sampleAssignment(c), ctx).dataSync(),
        ];
      });
      mixed.forEach((v, i) => expect(Math.abs(v - sampled[i])).toBeLessThan(1e-5));
      freeBatch(batch);
      nasp.dispose();
      net.dispose();
    }
  });

  it('the weight step trains the kept ops only: every weight of an off edge or an unchosen op gets a zero gradient', () => {
    const { space, net, nasp, batches } = tiny('darts');
    randomAlphas(nasp, new Rng(9));
    const batch = batches.next();
    const c: Choices = nasp.discrete();
    const weights = net.parameters();
    const grads = tf.tidy(() => nasp.weightGradients(batch, c).grads.map((g) => Array.from(g.dataSync())));
    const gradOf = new Map(weights.map((v, i) => [v, grads[i]]));
    let keptWithParams = 0;
    for (const cp of space.choicePoints)
      cp.rows.forEach((_, e) =>
        cp.options.forEach((_, k) => {
          const params = net.optionParameters(cp.label, e, k);
          const nonzero = params.some((v) => (gradOf.get(v) as number[]).some((x) => x !== 0));
          if (c[cp.label][e] === k) {
            if (params.length) {
              keptWithParams++;
              expect(nonzero, `${cp.label}[${e}] kept op ${cp.options[k]}`).toBe(true);
            }
          } else expect(nonzero, `${cp.label}[${e}] op ${cp.options[k]}`).toBe(false);
        }),
      );
    expect(keptWithParams).toBeGreaterThan(0);
    freeBatch(batch);
    nasp.dispose();
    net.dispose();
  });
});

// Three DARTS cells, so that both labels are used (with two, both cells are reduction cells).
const SPACES = [
  { name: 'darts', cells: 3, nodes: 2, channels: 2 },
  { name: 'nb201', channels: 2, cellsPerStage: 1 },
] as unknown as Array<{ name: string } & SearchConfigInput['space']>;

const base: Omit<SearchConfigInput, 'space'> = {
  strategy: { name: 'nasp' },
  epochs: 3,
  batchSize: 8,
  stepsPerEpoch: 2,
  seed: 3,
  backend: 'cpu',
  data: { source: 'synthetic', synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 } },
};

async function session(space: SearchConfigInput['space'], overrides: Partial<SearchConfigInput> = {}) {
  const config = parseSearchConfig({ ...base, space, ...overrides } as SearchConfigInput);
  return new SearchSession<unknown>(config, await buildSearchData(config));
}

describe('NASP search loop', () => {
  for (const space of SPACES) {
    it(`${space.name}: flat tensor count over 20 steps, α moves and stays in [0, 1], metrics reported`, async () => {
      const s = await session(space, {
        epochs: 12,
        strategy: { name: 'nasp', sizePenalty: 0.1, alphaLr: 0.2 },
      } as Partial<SearchConfigInput>);
      const st = s.strategy as unknown as Nasp;
      const initial = st.alphaValues();
      s.runStep();
      s.runStep();
      const before = tf.memory().numTensors;
      let last;
      for (let i = 0; i < 20; i++) last = s.runStep();
      expect(tf.memory().numTensors).toBe(before);
      for (const key of [
        'trainLoss',
        'trainAcc',
        'valLoss',
        'valAcc',
        'sizePenalty',
        'lrWeights',
        'gradNorm',
      ])
        expect(Number.isFinite(last!.metrics[key]), key).toBe(true);
      expect(last!.metrics.sizePenalty).toBeGreaterThanOrEqual(0);
      const now = st.alphaValues();
      for (const [label, rows] of Object.entries(now)) {
        expect(rows).not.toEqual(initial[label]);
        const flat = rows.flat();
        expect(Math.min(...flat)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...flat)).toBeLessThanOrEqual(1);
      }
      // With a large α learning rate some entries sit on the bounds.
      const all = Object.values(now).flat(2);
      expect(all.some((v) => v === 0 || v === 1)).toBe(true);
      for (const snap of Object.values(s.strategy.architecture())) expect(snap.kind).toBe('softmax');
      expect(() => s.space.toText(s.strategy.derive())).not.toThrow();
      s.dispose();
    });

    it(`${space.name}: paused and resumed from a checkpoint, ends bit for bit where the uninterrupted run ends`, async () => {
      const a = await session(space);
      while (!a.done) a.runStep();
      const b = await session(space);
      for (let i = 0; i < 3; i++) b.runStep();
      // Host copies of every tensor and counter, as a checkpoint holds them.
      const snap = captureSession(b);
      b.dispose();
      const c = await session(space);
      restoreSession(c, snap);
      while (!c.done) c.runStep();
      const bytes = (s: SearchSession<unknown>) => ({
        network: s.network.namedState().map(([n, v]) => [n, Array.from(v.dataSync())]),
        strategy: Object.entries(s.strategy.getState().tensors).map(([n, v]) => [
          n,
          Array.from(v.dataSync()),
        ]),
        scalars: s.strategy.getState().scalars,
      });
      expect(bytes(c)).toEqual(bytes(a));
      a.dispose();
      c.dispose();
    });
  }
});

describe('NASP configs', () => {
  it('the realistic examples parse, with the reference defaults', () => {
    for (const file of ['nasp-darts.json', 'nasp-nb201.json']) {
      const json = JSON.parse(readFileSync(new URL(`../../../examples/${file}`, import.meta.url), 'utf8'));
      const config = parseSearchConfig(json, file);
      expect(config.strategy.name).toBe('nasp');
    }
    const d = NaspSchema.parse({ name: 'nasp' });
    expect([d.alphaLr, d.alphaWeightDecay, d.alphaInit, d.sizePenalty]).toEqual([3e-4, 1e-3, 0.5, 0]);
    expect([d.weightLr, d.weightLrMin, d.weightDecay, d.gradClip]).toEqual([0.025, 0.001, 3e-4, 5]);
  });

  it('a bad field is refused with its name', () => {
    const bad = (strategy: Record<string, unknown>) => () =>
      parseSearchConfig({ ...base, space: SPACES[0], strategy } as SearchConfigInput);
    expect(bad({ name: 'nasp', alphaInit: 1.5 })).toThrow(/alphaInit/);
    expect(bad({ name: 'nasp', sizePenalty: -1 })).toThrow(/sizePenalty/);
    expect(bad({ name: 'nasp', derive: 'argmax' })).toThrow(/derive/);
  });
});
