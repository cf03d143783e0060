import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { sampleAssignment } from '../../search/supernet';
import { Rng } from '../../util/rng';
import type { EnasRnnArch } from './arch';
import { EnasRnnModel } from './model';
import { enasRnnNetworks } from './networks';
import { EnasRnnSpaceSchema, type EnasRnnSpace } from './search-space';
import { EnasRnnSearchSpace } from './space';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const space = (o: Partial<EnasRnnSpace>) => EnasRnnSpaceSchema.parse({ name: 'enas-rnn', ...o });

// ---- an independent computation of the cell on plain arrays ----
type Vec = number[];
type Mat = number[][]; // [in][out]
const vecMat = (v: Vec, m: Mat): Vec => m[0].map((_, o) => v.reduce((s, vi, i) => s + vi * m[i][o], 0));
const add = (a: Vec, b: Vec) => a.map((x, i) => x + b[i]);
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const F: Record<string, (x: number) => number> = {
  tanh: Math.tanh,
  ReLU: (x) => Math.max(0, x),
  identity: (x) => x,
  sigmoid: sig,
};
const hw = (c: Vec, f: Vec, prev: Vec) => c.map((ci, k) => ci * f[k] + (1 - ci) * prev[k]);

/** Weights by name as nested arrays ([in][out] for matrices), read from the model. */
function weights(m: EnasRnnModel): Record<string, number[] | number[][]> {
  return Object.fromEntries(m.namedParameters().map(([n, v]) => [n, v.arraySync() as number[] | number[][]]));
}

function handCell(
  W: Record<string, number[] | number[][]>,
  arch: EnasRnnArch,
  x: Vec,
  h: Vec,
  mode: string,
  clip: number,
) {
  const m = (n: string) => W[n] as Mat;
  const v = (n: string) => W[n] as Vec;
  const c0 = add(add(vecMat(x, m('node0.w_xc')), v('node0.b_xc')), vecMat(h, m('node0.w_hc'))).map(sig);
  const f0 = add(add(vecMat(x, m('node0.w_xh')), v('node0.b_xh')), vecMat(h, m('node0.w_hh'))).map(
    F[arch.activations[0]],
  );
  const nodes = [hw(c0, f0, h)];
  for (let j = 1; j < arch.activations.length; j++) {
    const i = arch.inputs[j - 1];
    const c = vecMat(nodes[i], m(`edges.c_${i}_${j}`)).map(sig);
    const f = vecMat(nodes[i], m(`edges.h_${i}_${j}`)).map(F[arch.activations[j]]);
    nodes.push(hw(c, f, nodes[i]));
  }
  const ends = nodes.map((_, j) => j).filter((j) => !arch.inputs.includes(j));
  const out = nodes[0].map((_, k) => ends.reduce((s, j) => s + nodes[j][k], 0) / ends.length);
  let next = mode === 'average' ? out : nodes[nodes.length - 1];
  const norm = Math.sqrt(next.reduce((s, a) => s + a * a, 0));
  if (norm > clip) next = next.map((a) => (a * clip) / norm);
  return { out, next };
}

describe('the ENAS RNN cell', () => {
  // n0=tanh(x,h), n1=ReLU(n0), n2=sigmoid(n0), n3=identity(n2): loose ends n1 and n3.
  const arch: EnasRnnArch = { activations: ['tanh', 'ReLU', 'sigmoid', 'identity'], inputs: [0, 0, 2] };

  for (const mode of ['average', 'last-node'] as const)
    it(`matches a hand computation of the highway nodes, the loose-end average and the tied decoder (${mode})`, () => {
      const cfg = space({ nodes: 4, hidden: 3, hiddenState: mode, initRange: 0.8 });
      const net = new EnasRnnModel(cfg, 5, new Rng(3));
      const W = weights(net);
      const tokens = [
        [1, 4, 2],
        [0, 3, 3],
      ];
      const h0 = [
        [0.3, -0.2, 0.5],
        [-0.4, 0.1, 0.0],
      ];
      const { logits, hidden } = tf.tidy(() => {
        const r = net.lmLogits(
          tf.tensor2d(tokens, [2, 3], 'int32'),
          tf.tensor2d(h0),
          sampleAssignment(new EnasRnnSearchSpace(cfg).choices(arch)),
          { training: false },
        );
        return { logits: r.logits.arraySync(), hidden: r.hidden.arraySync() };
      });
      const E = W['lm.embedding'] as Mat; // [vocab][hidden]
      const bias = W['lm.decoder_bias'] as Vec;
      tokens.forEach((row, b) => {
        let h = h0[b];
        row.forEach((tok, t) => {
          const r = handCell(W, arch, E[tok], h, mode, cfg.hiddenClip);
          // Tied decoder: logit_w = out · E[w] + bias_w.
          const want = E.map((e, w) => e.reduce((s, ek, k) => s + ek * r.out[k], 0) + bias[w]);
          want.forEach((l, w) => expect(logits[b * 3 + t][w]).toBeCloseTo(l, 5));
          h = r.next;
        });
        h.forEach((v, k) => expect(hidden[b][k]).toBeCloseTo(v, 5));
      });
      net.dispose();
    });

  it('limits the carried state to the norm limit, row by row', () => {
    const cfg = space({ nodes: 2, hidden: 4, initRange: 3, hiddenClip: 0.5 });
    const net = new EnasRnnModel(cfg, 4, new Rng(1));
    const a: EnasRnnArch = { activations: ['identity', 'identity'], inputs: [0] };
    const norms = tf.tidy(() => {
      const r = net.lmLogits(
        tf.tensor2d([[1, 2]], [1, 2], 'int32'),
        net.initHidden(1),
        sampleAssignment(new EnasRnnSearchSpace(cfg).choices(a)),
        { training: false },
      );
      return tf.norm(r.hidden, 2, 1).arraySync() as number[];
    });
    expect(norms[0]).toBeCloseTo(0.5, 5);
    net.dispose();
  });

  it('ties the decoder to the embedding: one variable, and its gradient has the decoder part', () => {
    const cfg = space({ nodes: 3, hidden: 4 });
    const net = new EnasRnnModel(cfg, 6, new Rng(2));
    const big = net.namedParameters().filter(([, v]) => v.shape[0] === 6 && v.shape[1] === 4);
    expect(big.map(([n]) => n)).toEqual(['lm.embedding']);
    expect(big[0][1]).toBe(net.tiedWeight);
    // Rows of words that are never inputs still get a gradient: only the decoder reaches them.
    const a = sampleAssignment(
      new EnasRnnSearchSpace(cfg).choices({ activations: ['tanh', 'tanh', 'tanh'], inputs: [0, 1] }),
    );
    const g = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => {
        const r = net.lmLogits(tf.tensor2d([[0, 1]], [1, 2], 'int32'), net.initHidden(1), a, {
          training: false,
        });
        return tf.losses.softmaxCrossEntropy(
          tf.oneHot(tf.tensor1d([1, 2], 'int32'), 6),
          r.logits,
        ) as tf.Scalar;
      }, [net.tiedWeight]);
      return tf.abs(grads[net.tiedWeight.name]).sum(1).arraySync() as number[];
    });
    for (const w of [3, 4, 5]) expect(g[w]).toBeGreaterThan(0);
    net.dispose();
  });

  it('counts its parameters as the cost model says, for the supernet and for a final network', () => {
    const cfg = space({ nodes: 5, hidden: 3 });
    const s = new EnasRnnSearchSpace(cfg);
    const shape = { size: 0, channels: 0, classes: 7 };
    const size = (vs: tf.Variable[]) => vs.reduce((n, v) => n + v.size, 0);
    const sup = enasRnnNetworks.supernet(s, shape, new Rng(1)) as EnasRnnModel;
    expect(size(sup.parameters())).toBe(s.cost.supernetParams(shape));
    const arch = s.sample(new Rng(4));
    const fin = enasRnnNetworks.buildFinal(s, arch, shape, new Rng(1)) as EnasRnnModel;
    expect(size(fin.parameters())).toBe(s.cost.archParams(arch, shape));
    // FLOPs per token: 4H² (node 0) + 2H² per later node + H·V (decoder).
    expect(s.cost.archFlops(arch, shape)).toBe(4 * 9 + 2 * 9 * 4 + 3 * 7);
    // The final network with the supernet's weights computes what the supernet computes on that cell.
    const byName = new Map(sup.namedParameters());
    for (const [n, v] of fin.namedParameters()) v.assign(byName.get(n) as tf.Variable);
    const x = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const [a, b] = tf.tidy(() => [
      sup
        .lmLogits(x, sup.initHidden(1), sampleAssignment(s.choices(arch)), { training: false })
        .logits.arraySync(),
      fin.lmForward(x, fin.initHidden(1), { training: false }).logits.arraySync(),
    ]);
    expect(b).toEqual(a);
    expect(() => fin.run()).toThrow(/language model/);
    x.dispose();
    sup.dispose();
    fin.dispose();
  });

  it('applies dropout only when training with a generator, the same masks from the same generator state', () => {
    const cfg = space({ nodes: 3, hidden: 4 });
    const net = new EnasRnnModel(cfg, 5, new Rng(2));
    const a = sampleAssignment(
      new EnasRnnSearchSpace(cfg).choices({ activations: ['tanh', 'ReLU', 'tanh'], inputs: [0, 0] }),
    );
    const x = tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32');
    const run = (ctx: { training: boolean; rng?: Rng }) =>
      tf.tidy(() => net.lmLogits(x, net.initHidden(1), a, ctx).logits.arraySync());
    const plain = run({ training: false });
    expect(run({ training: true })).toEqual(plain);
    const d1 = run({ training: true, rng: new Rng(9) });
    expect(d1).not.toEqual(plain);
    expect(run({ training: true, rng: new Rng(9) })).toEqual(d1);
    expect(run({ training: false, rng: new Rng(9) })).toEqual(plain);
    x.dispose();
    net.dispose();
  });

  it('refuses mix assignments and image inputs, naming why', () => {
    const cfg = space({ nodes: 2, hidden: 2 });
    const net = new EnasRnnModel(cfg, 3, new Rng(1));
    const x = tf.tensor2d([[1]], [1, 1], 'int32');
    const h = net.initHidden(1);
    const w = tf.ones([1, 1]) as tf.Tensor2D;
    expect(() =>
      net.lmLogits(
        x,
        h,
        { 'node-input': { kind: 'mix', weights: w }, 'node-activation': { kind: 'sample', ops: [0, 0] } },
        { training: false },
      ),
    ).toThrow(/one architecture per forward.*'node-input'/);
    expect(() => net.logits()).toThrow(/language model/);
    tf.dispose([x, h, w]);
    net.dispose();
  });
});

describe('the embedding lookup on every backend', () => {
  for (const backend of ['cpu', 'wasm'])
    it(`${backend}: its gradient sums the rows of repeated words (the tied weight's input side)`, async () => {
      await chooseBackend({ prefer: backend as 'cpu' | 'wasm' });
      try {
        const cfg = space({
          nodes: 2,
          hidden: 2,
          inputDropout: 0,
          embeddingDropout: 0,
          outputDropout: 0,
          weightDropout: 0,
        });
        const net = new EnasRnnModel(cfg, 4, new Rng(2));
        const a = sampleAssignment(
          new EnasRnnSearchSpace(cfg).choices({ activations: ['identity', 'identity'], inputs: [0] }),
        );
        // d/dE of Σ logits over a window that reads word 1 twice and word 2 once; by finite differences.
        const x = tf.tensor2d([[1, 2, 1]], [1, 3], 'int32');
        const f = () => net.lmLogits(x, net.initHidden(1), a, { training: false }).logits.sum() as tf.Scalar;
        const g = tf.tidy(() =>
          tf.variableGrads(f, [net.tiedWeight]).grads[net.tiedWeight.name].arraySync(),
        ) as number[][];
        const E = net.tiedWeight;
        const eps = 1e-2;
        for (const [r, c] of [
          [1, 0],
          [2, 1],
          [3, 0],
        ]) {
          const at = (d: number) =>
            tf.tidy(() => {
              const w = E.arraySync() as number[][];
              w[r][c] += d;
              const saved = E.clone();
              E.assign(tf.tensor2d(w));
              const v = f().arraySync();
              E.assign(saved);
              saved.dispose();
              return v;
            });
          expect(g[r][c]).toBeCloseTo((at(eps) - at(-eps)) / (2 * eps), 2);
        }
        x.dispose();
        net.dispose();
      } finally {
        await chooseBackend({ prefer: 'cpu' });
      }
    });
});
