import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { getNamedWeights, loadSafetensorsIntoModule, moduleToSafetensors } from '../../nn/named-weights';
import { Rng } from '../../util/rng';
import { dropPath, EvalCell, EvalNetwork } from './eval-network';
import type { Genotype } from './genotype-types';
import { GENOTYPE_PRESETS } from './presets';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

const V2 = GENOTYPE_PRESETS.DARTS_V2;

/** Runs `fn` in a tf.tidy scope (every tensor it makes is freed) and returns its plain result. */
function inTidy<T>(fn: () => T): T {
  let result!: T;
  tf.tidy(() => {
    result = fn();
  });
  return result;
}

function images(n: number, size: number, seed = 5): tf.Tensor4D {
  return tf.tensor4d(new Rng(seed).fillNormal(n * size * size * 3), [n, size, size, 3]);
}

/**
 * Parameter count of the reference NetworkCIFAR computed by hand from the op definitions (conv
 * weights, affine BN γ and β, linear weight and bias), independently of the Module tree.
 */
function referenceParameterCount(
  g: Genotype,
  C0: number,
  layers: number,
  classes: number,
  aux: boolean,
): number {
  const bn = (c: number) => 2 * c;
  const op = (name: string, C: number, stride: number): number => {
    const k = name.endsWith('5x5') ? 5 : 3;
    if (name.startsWith('sep_conv')) return 2 * (k * k * C + C * C + bn(C));
    if (name.startsWith('dil_conv')) return k * k * C + C * C + bn(C);
    if (name === 'skip_connect') return stride === 2 ? C * C + bn(C) : 0; // FactorizedReduce: two C x C/2 convs
    return 0; // pools and none
  };
  const Cstem = 3 * C0;
  let n = 3 * 3 * 3 * Cstem + bn(Cstem);
  let [Cpp, Cp, C] = [Cstem, Cstem, C0];
  let Caux = 0;
  for (let i = 0; i < layers; i++) {
    const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
    if (reduction) C *= 2;
    n += Cpp * C + bn(C) + Cp * C + bn(C); // preprocess0 (ReLUConvBN 1x1 or FactorizedReduce: same count), preprocess1
    const genes = reduction ? g.reduce : g.normal;
    for (const [name, input] of genes) n += op(name, C, reduction && input < 2 ? 2 : 1);
    [Cpp, Cp] = [Cp, (reduction ? g.reduceConcat : g.normalConcat).length * C];
    if (i === Math.floor((2 * layers) / 3)) Caux = Cp;
  }
  n += Cp * classes + classes;
  if (aux) n += Caux * 128 + bn(128) + 128 * 768 * 4 + bn(768) + 768 * classes + classes;
  return n;
}

describe('EvalNetwork', () => {
  it('produces logits of the right shape for a tiny DARTS_V2 network on 8x8 images', () => {
    const net = new EvalNetwork(V2, { channels: 4, layers: 3, numClasses: 5 }, new Rng(1));
    const start = tf.memory().numTensors;
    const shapes = inTidy(() => {
      const train = net.run(images(2, 8), { training: true, dropPathProb: 0.2, rng: new Rng(2) });
      const evalOut = net.run(images(2, 8), { training: false });
      return [
        train.logits.shape,
        train.auxLogits,
        evalOut.logits.shape,
        net.forward(images(2, 8), { training: false }).shape,
      ];
    });
    expect(shapes).toEqual([[2, 5], null, [2, 5], [2, 5]]);
    expect(tf.memory().numTensors).toBe(start);
    net.dispose();
  });

  it('adds auxiliary logits in training, from the 8x8 maps of 32x32 images', () => {
    const net = new EvalNetwork(V2, { channels: 4, layers: 3, numClasses: 5, auxiliary: true }, new Rng(1));
    expect(net.auxiliaryAfter).toBe(2);
    const [train, evalAux] = inTidy(() => {
      const t = net.run(images(2, 32), { training: true });
      const e = net.run(images(2, 32), { training: false });
      return [[t.logits.shape, t.auxLogits?.shape], e.auxLogits] as const;
    });
    expect(train).toEqual([
      [2, 5],
      [2, 5],
    ]);
    expect(evalAux).toBeNull();
    // 8x8 images would give the head 2x2 maps, which it was not built for.
    expect(() => inTidy(() => net.run(images(2, 8), { training: true }))).toThrow(
      /built for 8x8 feature maps.*got 2x2/,
    );
    net.dispose();
  });

  it('backpropagates through drop-path and the auxiliary head with a flat tensor count', () => {
    const net = new EvalNetwork(V2, { channels: 4, layers: 3, numClasses: 5, auxiliary: true }, new Rng(1));
    const x = images(2, 32);
    const labels = tf.oneHot(tf.tensor1d([1, 3], 'int32'), 5);
    const step = () =>
      inTidy(() => {
        const { grads } = tf.variableGrads(() => {
          const out = net.run(x, { training: true, dropPathProb: 0.2, rng: new Rng(4) });
          const loss = tf.losses.softmaxCrossEntropy(labels, out.logits);
          return loss.add(tf.losses.softmaxCrossEntropy(labels, out.auxLogits!).mul(0.4)) as tf.Scalar;
        });
        const byVariable = new Map(Object.entries(grads));
        return net
          .namedParameters()
          .map(([name, v]) => ({ name, maxAbs: byVariable.get(v.name)!.abs().max().dataSync()[0] }));
      });
    const grads = step();
    const start = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(start);
    expect(grads.every((g) => Number.isFinite(g.maxAbs))).toBe(true);
    // A dropped op gets no gradient in this batch, so only most parameters must have one.
    expect(grads.filter((g) => g.maxAbs > 0).length).toBeGreaterThan(0.8 * grads.length);
    for (const g of grads)
      if (/^(auxiliary_head|classifier|stem)\./.test(g.name)) expect(g.maxAbs, g.name).toBeGreaterThan(0);
    tf.dispose([x, labels]);
    net.dispose();
  });

  it('names its weights stably after the reference modules', () => {
    const net = new EvalNetwork(V2, { channels: 4, layers: 3, numClasses: 5, auxiliary: true }, new Rng(1));
    const names = net.namedState().map(([n]) => n);
    for (const name of [
      'stem.0.weight',
      'stem.1.running_mean',
      'cells.0.preprocess0.op.1.weight', // ReLUConvBN: op.0 ReLU, op.1 conv, op.2 BN
      'cells.2.preprocess0.conv_1.weight', // after the reduction cell 1: FactorizedReduce
      'cells.0.ops.0.op.1.weight', // sep_conv_3x3: first depthwise conv
      'auxiliary_head.features.2.weight',
      'auxiliary_head.classifier.weight',
      'classifier.bias',
    ]) {
      expect(names).toContain(name);
    }
    // Reduce gene 2 is ('skip_connect', 2): an identity on an intermediate node, without weights.
    expect(names.some((n) => n.startsWith('cells.1.ops.2.'))).toBe(false);
    expect(new Set(names).size).toBe(names.length);
    net.dispose();
  });

  it('rejects genotypes it cannot build and bad configs', () => {
    const bad: Genotype = { ...V2, normal: [...V2.normal.slice(0, 7), ['conv_7x1_1x7', 2]] };
    expect(() => new EvalNetwork(bad, { channels: 4, layers: 3 }, new Rng(1))).toThrow(
      /unknown operation 'conv_7x1_1x7'/,
    );
    expect(() => new EvalNetwork(V2, { channels: 5, layers: 3 }, new Rng(1))).toThrow(
      /channels must be even/,
    );
    expect(() => new EvalNetwork(V2, { channels: 4, layers: 0 }, new Rng(1))).toThrow(/layers/);
  });

  it('has the published DARTS_V2 size: 3.3M parameters at C=36, 20 layers, CIFAR-10', () => {
    const net = new EvalNetwork(
      V2,
      { channels: 36, layers: 20, numClasses: 10, auxiliary: true },
      new Rng(1),
    );
    const count = net.countParameters();
    expect(count).toBe(referenceParameterCount(V2, 36, 20, 10, false));
    expect(net.countParameters(true)).toBe(referenceParameterCount(V2, 36, 20, 10, true));
    // The paper reports 3.3M (auxiliary head excluded, as the reference counts); this is 3,349,342.
    expect(Math.round(count / 1e5) / 10).toBe(3.3);
    net.dispose();
  });

  it('round-trips DARTS_V2 (C=36, 20 layers) weights through safetensors with identical outputs', () => {
    const a = new EvalNetwork(V2, { channels: 36, layers: 20, numClasses: 10 }, new Rng(1));
    const b = new EvalNetwork(V2, { channels: 36, layers: 20, numClasses: 10 }, new Rng(2));
    const x = images(1, 8);
    inTidy(() => a.run(x, { training: true })); // moves BN running statistics off their initial values
    const bytes = moduleToSafetensors(a, { genotype: 'DARTS_V2' });
    const before = tf.memory().numTensors;
    loadSafetensorsIntoModule(bytes, b);
    expect(tf.memory().numTensors).toBe(before);
    const out = (m: EvalNetwork) => tf.tidy(() => [...m.forward(x, { training: false }).dataSync()]);
    expect(out(b)).toEqual(out(a));
    const wa = getNamedWeights(a);
    expect(getNamedWeights(b)).toEqual(wa);
    expect(wa.size).toBe(a.namedState().length);
    x.dispose();
    a.dispose();
    b.dispose();
  });
});

describe('drop-path', () => {
  it('zeroes whole samples and scales the kept ones by 1/keep, keeping the expectation', () => {
    const n = 4000;
    const p = 0.3;
    const y = tf.tidy(() => dropPath(tf.ones([n, 1, 2, 1]) as tf.Tensor4D, p, new Rng(3)));
    const v = y.dataSync();
    y.dispose();
    let kept = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      expect(v[2 * i]).toBe(v[2 * i + 1]); // one decision per sample
      expect([0, Math.fround(1 / (1 - p))]).toContain(v[2 * i]);
      if (v[2 * i] !== 0) kept++;
      sum += v[2 * i];
    }
    // Binomial(4000, 0.7): the standard deviation of the kept fraction is 0.0072.
    expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.03);
    expect(Math.abs(sum / n - 1)).toBeLessThan(0.05);
    expect(() => dropPath(tf.ones([1, 1, 1, 1]) as tf.Tensor4D, 1, new Rng(1))).toThrow(/\[0, 1\)/);
  });

  it('drops non-identity ops per sample as drawn from the rng, and never identity ops', () => {
    const C = 4;
    const s0 = tf.tensor4d(new Rng(11).fillNormal(6 * 4 * 4 * C), [6, 4, 4, C]);
    // One node: two max pools of the same preprocessed input, output = m1·P/keep + m2·P/keep.
    const pools: Genotype = {
      normal: [
        ['max_pool_3x3', 0],
        ['max_pool_3x3', 0],
      ],
      normalConcat: [2],
      reduce: [
        ['max_pool_3x3', 0],
        ['max_pool_3x3', 0],
      ],
      reduceConcat: [2],
    };
    const cell = new EvalCell(pools, C, C, C, false, false, new Rng(1));
    const p = 0.5;
    const start = tf.memory().numTensors;
    const [full, dropped] = tf.tidy(() => [
      cell.run(s0, s0, { training: true }).arraySync() as number[][][][],
      cell.run(s0, s0, { training: true, dropPathProb: p, rng: new Rng(8) }).arraySync() as number[][][][],
    ]);
    expect(tf.memory().numTensors).toBe(start);
    // Masks are drawn op by op (first op's N samples, then the second op's), each uniform < keep.
    const draws = new Rng(8);
    const m1 = Array.from({ length: 6 }, () => (draws.uniform() < 1 - p ? 1 : 0));
    const m2 = Array.from({ length: 6 }, () => (draws.uniform() < 1 - p ? 1 : 0));
    expect(new Set(m1.map((m, i) => m + m2[i])).size).toBeGreaterThan(1); // the seed exercises several cases
    for (let i = 0; i < 6; i++) {
      const factor = (m1[i] + m2[i]) / (1 - p) / 2; // relative to the undropped P + P
      const got = dropped[i].flat(2);
      const want = full[i].flat(2).map((v) => v * factor);
      got.forEach((g, k) => expect(g).toBeCloseTo(want[k], 5));
    }

    const skips: Genotype = {
      ...pools,
      normal: [
        ['skip_connect', 0],
        ['skip_connect', 1],
      ],
    };
    const idCell = new EvalCell(skips, C, C, C, false, false, new Rng(1));
    const [a, b] = tf.tidy(() => [
      idCell.run(s0, s0, { training: true }).arraySync(),
      idCell.run(s0, s0, { training: true, dropPathProb: 0.9, rng: new Rng(8) }).arraySync(),
    ]);
    expect(b).toEqual(a);
    // No drop-path outside training, and none without an rng only when it is not needed.
    expect(() => inTidy(() => cell.run(s0, s0, { training: true, dropPathProb: 0.5 }))).toThrow(
      /needs an rng/,
    );
    const evalOut = tf.tidy(() => [
      cell.run(s0, s0, { training: false }).arraySync(),
      cell.run(s0, s0, { training: false, dropPathProb: 0.5 }).arraySync(),
    ]);
    expect(evalOut[1]).toEqual(evalOut[0]);
    s0.dispose();
    cell.dispose();
    idCell.dispose();
  });
});

describe('sparse cells (FairDARTS, SNAS edge_all)', () => {
  // FairDARTS' published FairDARTS_a (xiaomi-automl/FairDARTS fairdarts/genotypes.py): node 3 of the
  // normal cell has no inputs, so it is left out of the cell and of its output.
  const FAIR_A: Genotype = {
    normal: [
      ['sep_conv_3x3', 0],
      ['sep_conv_5x5', 1],
      ['max_pool_3x3', 0],
      ['sep_conv_3x3', 0],
    ],
    normalNodes: [2, 2, 4, 5],
    normalConcat: [2, 4, 5],
    reduce: [
      ['max_pool_3x3', 0],
      ['avg_pool_3x3', 1],
      ['avg_pool_3x3', 0],
      ['dil_conv_5x5', 1],
      ['avg_pool_3x3', 0],
      ['sep_conv_5x5', 1],
      ['skip_connect', 0],
      ['skip_connect', 1],
    ],
    reduceConcat: [2, 3, 4, 5],
  };

  it('builds the network with the hand-counted number of parameters and the right output', () => {
    const net = new EvalNetwork(FAIR_A, { channels: 4, layers: 3, numClasses: 10 }, new Rng(3));
    const n = net.countParameters();
    expect(n).toBe(referenceParameterCount(FAIR_A, 4, 3, 10, false));
    const shape = inTidy(() => net.forward(images(2, 8), { training: false }).shape);
    expect(shape).toEqual([2, 10]);
    net.dispose();
  });

  it('sums every input of a node and skips nodes without inputs', () => {
    // Node 2 = c_{k-2} + c_{k-1} (identities), node 3 empty, node 4 = node 2: output [n2, n2].
    const g: Genotype = {
      normal: [
        ['skip_connect', 0],
        ['skip_connect', 1],
        ['skip_connect', 2],
      ],
      normalNodes: [2, 2, 4],
      normalConcat: [2, 4],
      reduce: V2.reduce,
      reduceConcat: V2.reduceConcat,
    };
    const cell = new EvalCell(g, 4, 4, 4, false, false, new Rng(2));
    const ctx = { training: false };
    inTidy(() => {
      const s0 = images(2, 6, 1).tile([1, 1, 1, 2]).slice([0, 0, 0, 0], [2, 6, 6, 4]) as tf.Tensor4D;
      const s1 = images(2, 6, 2).tile([1, 1, 1, 2]).slice([0, 0, 0, 0], [2, 6, 6, 4]) as tf.Tensor4D;
      const inner = cell as unknown as {
        pre0: { forward: EvalCell['run'] };
        pre1: { forward: EvalCell['run'] };
      };
      const p0 = (inner.pre0.forward as unknown as (x: tf.Tensor, c: object) => tf.Tensor4D)(s0, ctx);
      const p1 = (inner.pre1.forward as unknown as (x: tf.Tensor, c: object) => tf.Tensor4D)(s1, ctx);
      const n2 = p0.add(p1);
      const want = tf.concat([n2, n2], 3);
      const got = cell.run(s0, s1, ctx);
      expect(got.shape).toEqual([2, 6, 6, 8]);
      expect(tf.max(tf.abs(got.sub(want))).dataSync()[0]).toBeLessThan(1e-6);
    });
    cell.dispose();
  });
});
