import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import type { ArchAssignment } from '../../search/supernet';
import type { Recompute } from '../../search/space';
import { Rng } from '../../util/rng';
import { nb201Networks } from './networks';
import { NB201_OPS, Nb201SpaceSchema } from './search-space';
import { Nb201SearchSpace } from './space';
import type { Nb201Supernet } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const space = new Nb201SearchSpace(Nb201SpaceSchema.parse({ name: 'nb201', channels: 4, cellsPerStage: 1 }));
const shape = { size: 8, channels: 3, classes: 4 };
const supernet = (seed = 1) => nb201Networks.supernet(space, shape, new Rng(seed)) as Nb201Supernet;

function batch(seed: number) {
  const rng = new Rng(seed);
  const x = tf.tensor4d(rng.fillNormal(4 * 8 * 8 * 3), [4, 8, 8, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 4).toFloat();
  return { x, y };
}

/** Loss and gradients of the loss with respect to α (softmax mix weights) and the network's weights. */
function mixStep(net: Nb201Supernet, alpha: tf.Variable, x: tf.Tensor4D, y: tf.Tensor) {
  return tf.tidy(() => {
    const vars = [alpha, ...net.parameters()];
    const { value, grads } = tf.variableGrads(() => {
      const logits = net.logits(
        x,
        { cell: { kind: 'mix', weights: tf.softmax(alpha) as tf.Tensor2D } },
        { training: true },
      );
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    }, vars);
    return {
      loss: value.dataSync()[0],
      grads: Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, Array.from(g.dataSync())])),
    };
  });
}

describe('NB201 supernet', () => {
  it("'mix' forward and backward: logits' shape, gradients reach every mix weight but 'none's own entries only through softmax", () => {
    const net = supernet();
    const alpha = tf.variable(tf.randomNormal([6, 5], 0, 1e-3, 'float32', 3));
    const { x, y } = batch(2);
    const { loss, grads } = mixStep(net, alpha, x, y);
    expect(Number.isFinite(loss)).toBe(true);
    const gAlpha = grads[alpha.name];
    expect(gAlpha).toHaveLength(30);
    expect(gAlpha.every(Number.isFinite)).toBe(true);
    expect(gAlpha.filter((g) => g !== 0).length).toBeGreaterThan(20);
    // Straight on the weights (no softmax): 'none' (column 0) gets exactly zero gradient.
    const w = tf.variable(tf.fill([6, 5], 0.2));
    const gw = tf.tidy(() => {
      const f = () =>
        tf.losses.softmaxCrossEntropy(
          y,
          net.logits(x, { cell: { kind: 'mix', weights: w as unknown as tf.Tensor2D } }, { training: true }),
        ) as tf.Scalar;
      return tf.variableGrads(f, [w]).grads[w.name].arraySync() as number[][];
    });
    for (const row of gw) {
      expect(row[0]).toBe(0);
      expect(row.slice(1).some((v) => v !== 0)).toBe(true);
    }
    tf.dispose([x, y, alpha, w]);
    net.dispose();
  });

  it("'sample' forward runs one op per edge; a gate carries gradients; −1 edges are off", () => {
    const net = supernet();
    const { x, y } = batch(3);
    const ops = [3, 1, 4, 0, 2, 1];
    const gate = tf.variable(tf.ones([6]));
    const gGate = tf.tidy(() => {
      const f = () =>
        tf.losses.softmaxCrossEntropy(
          y,
          net.logits(
            x,
            { cell: { kind: 'sample', ops, gate: gate as unknown as tf.Tensor1D } },
            { training: true },
          ),
        ) as tf.Scalar;
      return Array.from(tf.variableGrads(f, [gate]).grads[gate.name].dataSync());
    });
    expect(gGate.every(Number.isFinite)).toBe(true);
    expect(gGate[3]).toBe(0); // 'none' contributes zeros, whatever its gate
    expect(gGate.filter((g, e) => e !== 3 && g !== 0).length).toBe(5);
    const logits = tf.tidy(() =>
      net
        .logits(x, { cell: { kind: 'sample', ops: [-1, -1, -1, -1, -1, -1] } }, { training: false })
        .arraySync(),
    );
    // Every cell outputs zeros: all images get the same logits.
    for (const row of logits) row.forEach((v, k) => expect(v).toBeCloseTo(logits[0][k], 6));
    tf.dispose([x, y, gate]);
    net.dispose();
  });

  it('a sampled assignment equals the mix with one-hot weights', () => {
    const net = supernet();
    const { x, y } = batch(4);
    const ops = [2, 3, 1, 4, 0, 3];
    const oneHot = tf.oneHot(tf.tensor1d(ops, 'int32'), 5).toFloat() as tf.Tensor2D;
    const a = tf.tidy(() =>
      Array.from(net.logits(x, { cell: { kind: 'sample', ops } }, { training: false }).dataSync()),
    );
    const b = tf.tidy(() =>
      Array.from(net.logits(x, { cell: { kind: 'mix', weights: oneHot } }, { training: false }).dataSync()),
    );
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 5));
    tf.dispose([x, y, oneHot]);
    net.dispose();
  });

  it('recomputation (per edge, per cell) gives the same loss and gradients as plain autodiff', () => {
    const { x, y } = batch(5);
    const alpha = tf.variable(tf.randomNormal([6, 5], 0, 0.5, 'float32', 6));
    const results = (['off', 'edge', 'cell'] as Recompute[]).map((r) => {
      const net = supernet(7);
      net.recompute = r;
      const out = mixStep(net, alpha, x, y);
      const gate = tf.variable(tf.ones([6]));
      const sampled = tf.tidy(() => {
        const f = () =>
          tf.losses.softmaxCrossEntropy(
            y,
            net.logits(
              x,
              { cell: { kind: 'sample', ops: [3, 2, 4, 1, 3, 2], gate: gate as unknown as tf.Tensor1D } },
              { training: true },
            ),
          ) as tf.Scalar;
        const vars = [gate, ...net.parameters()];
        const { grads } = tf.variableGrads(f, vars);
        // A variable the pass does not reach has no entry (or zeros, through a checkpoint).
        return vars.flatMap((v) => Array.from(grads[v.name]?.dataSync() ?? new Float32Array(v.size)));
      });
      // Names differ per instance (tfjs variable ids): compare in parameter order.
      const ordered = [alpha, ...net.parameters()].map((v) => out.grads[v.name]);
      gate.dispose();
      net.dispose();
      return { loss: out.loss, grads: ordered.flat(), sampled };
    });
    for (const r of results.slice(1)) {
      expect(r.loss).toBeCloseTo(results[0].loss, 5);
      r.grads.forEach((g, i) => expect(g).toBeCloseTo(results[0].grads[i], 4));
      r.sampled.forEach((g, i) => expect(g).toBeCloseTo(results[0].sampled[i], 4));
    }
    tf.dispose([x, y, alpha]);
  });

  it('tensor count stays flat over repeated steps (mix and sample, every recompute mode)', () => {
    const net = supernet();
    const alpha = tf.variable(tf.zeros([6, 5]));
    const { x, y } = batch(8);
    const rng = new Rng(9);
    for (const r of ['off', 'edge', 'cell'] as Recompute[]) {
      net.recompute = r;
      const step = () => {
        mixStep(net, alpha, x, y);
        const ops = space.choices(space.sample(rng)).cell;
        tf.tidy(() => {
          const f = () =>
            tf.losses.softmaxCrossEntropy(
              y,
              net.logits(x, { cell: { kind: 'sample', ops } }, { training: true }),
            ) as tf.Scalar;
          tf.variableGrads(f, net.parameters());
        });
      };
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose([x, y, alpha]);
    net.dispose();
  });

  it('option and shared parameters partition the supernet’s parameters', () => {
    const net = supernet();
    const options = NB201_OPS.flatMap((_, k) =>
      Array.from({ length: 6 }, (_, e) => net.optionParameters('cell', e, k)),
    ).flat();
    const all = new Set([...options, ...net.sharedParameters()]);
    expect(all.size).toBe(options.length + net.sharedParameters().length);
    expect(all.size).toBe(net.parameters().length);
    // A 3×3 conv option: conv weight and bias in each of the 3 search cells; pools and skips own nothing.
    expect(net.optionParameters('cell', 2, 3).map((v) => v.shape)).toEqual([
      [3, 3, 4, 4],
      [4],
      [3, 3, 8, 8],
      [8],
      [3, 3, 16, 16],
      [16],
    ]);
    expect(net.optionParameters('cell', 0, 4)).toEqual([]);
    expect(() => net.optionParameters('normal', 0, 0)).toThrow(/no label 'normal'/);
    expect(net.namedParameters().map(([n]) => n)).toContain('cells.0.edges.2<-1.3.op.1.weight');
    expect(net.namedParameters().map(([n]) => n)).toContain('cells.1.downsample.1.weight');
    net.dispose();
  });

  it('refuses assignments that do not fit the space, naming the problem', () => {
    const net = supernet();
    const x = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
    const run = (a: ArchAssignment) => () => tf.tidy(() => net.logits(x, a, { training: false }));
    const w = tf.zeros([6, 4]) as tf.Tensor2D;
    expect(run({ normal: { kind: 'sample', ops: [0, 0, 0, 0, 0, 0] } })).toThrow(
      /needs an assignment for 'cell'/,
    );
    expect(run({ cell: { kind: 'mix', weights: w } })).toThrow(/must be \[6, 5\].*got \[6, 4\]/);
    expect(run({ cell: { kind: 'sample', ops: [0, 0, 0] } })).toThrow(/needs 6 ops/);
    expect(run({ cell: { kind: 'sample', ops: [0, 0, 0, 0, 0, 5] } })).toThrow(/edge 3←2: option 5/);
    tf.dispose([x, w]);
    net.dispose();
  });

  it('the final network runs, with the options overriding C and N', () => {
    const arch = space.fromText(
      '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|',
    );
    const net = nb201Networks.buildFinal(space, arch, shape, new Rng(0), { channels: 2, cellsPerStage: 2 });
    const x = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
    const { logits, auxLogits } = net.run(x, { training: true });
    expect(logits.shape).toEqual([2, 4]);
    expect(auxLogits).toBeNull();
    expect(net.namedParameters().map(([n]) => n)).toContain('cells.4.layers.4.op.1.weight');
    expect(() => nb201Networks.buildFinal(space, arch, shape, new Rng(0), { channels: 0 })).toThrow(
      /channels/,
    );
    expect(() => nb201Networks.buildFinal(space, { edges: ['none'] }, shape, new Rng(0))).toThrow(/6 edges/);
    tf.dispose([x, logits]);
    net.dispose();
  });
});
