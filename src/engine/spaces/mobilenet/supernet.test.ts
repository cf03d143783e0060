import { beforeAll, describe, expect, it } from 'vitest';
import { expectFlatTensorsInBothPhases } from '../../../../test/helpers/tensor-leaks';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { buildSearchData } from '../../search/build-data';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { SearchSession } from '../../search/session';
import { sampleAssignment } from '../../search/supernet';
import { peakTensorBytes } from '../../util/tensor-watch';
import { Rng } from '../../util/rng';
import type { MobileNetNetwork } from './final-network';
import type { MBConv } from './ops';
import { mobileNetNetworks } from './networks';
import { MobileNetSpaceSchema, type MobileNetSpace } from './search-space';
import { MOBILENET_LABEL, MobileNetSearchSpace, type MobileNetArch } from './space';
import type { MobileNetSupernet } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const SMALL = {
  name: 'mobilenet',
  stemChannels: 4,
  firstChannels: 6,
  widths: [4, 8],
  depths: [2, 2],
  strides: [1, 2],
  lastChannels: 16,
} as const;
const space = new MobileNetSearchSpace(MobileNetSpaceSchema.parse(SMALL) as MobileNetSpace);
const shape = { size: 8, channels: 3, classes: 5 };
const ARCH: MobileNetArch = { layers: ['k3e3', 'skip', 'k5e6', 'k7e3'] };
const supernet = (seed = 1) => mobileNetNetworks.supernet(space, shape, new Rng(seed)) as MobileNetSupernet;

function batch(seed: number, n = 4) {
  const rng = new Rng(seed);
  const x = tf.tensor4d(rng.fillNormal(n * 8 * 8 * 3), [n, 8, 8, 3]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3].slice(0, n), 'int32'), 5).toFloat();
  return { x, y };
}

const lossOf = (logits: tf.Tensor2D, y: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;

describe('MobileNet supernet', () => {
  it('a sampled path: logits [N, classes]; only that path’s candidates and the shared layers get gradients', () => {
    const net = supernet();
    const { x, y } = batch(2);
    const choices = space.choices(ARCH);
    const names = tf.tidy(() => {
      const { grads } = tf.variableGrads(
        () => lossOf(net.logits(x, sampleAssignment(choices), { training: true }), y),
        net.parameters(),
      );
      const nonzero = Object.entries(grads).filter(([, g]) => tf.any(g.notEqual(0)).dataSync()[0]);
      return { all: Object.keys(grads), nonzero: nonzero.map(([k]) => k) };
    });
    const onPath = new Set(
      [
        ...net.sharedParameters(),
        ...choices[MOBILENET_LABEL].flatMap((k, i) => net.optionParameters(MOBILENET_LABEL, i, k)),
      ].map((v) => v.name),
    );
    expect(new Set(names.all)).toEqual(onPath);
    // Every weight on the path moves (BN β and γ included).
    expect(names.nonzero.length).toBe(onPath.size);
    // skip owns nothing; each MBConv its 3 (or 2 for expansion 1) conv+BN pairs.
    expect(net.optionParameters(MOBILENET_LABEL, 1, 6)).toEqual([]);
    expect(net.optionParameters(MOBILENET_LABEL, 0, 0)).toHaveLength(9);
    const logits = tf.tidy(() => net.logits(x, sampleAssignment(choices), { training: false }));
    expect(logits.shape).toEqual([4, 5]);
    tf.dispose([x, y, logits]);
    net.dispose();
  });

  it("'skip' is the identity and an MBConv layer with a shortcut adds its input (layer by layer)", () => {
    const net = supernet(3);
    tf.tidy(() => {
      const ctx = { training: false };
      const layer = net.blocks.items[1]; // 4 → 4, stride 1
      const h = tf.randomNormal([2, 8, 8, 4], 0, 1, 'float32', 7) as tf.Tensor4D;
      expect(Array.from(layer.single(h, 6, ctx).dataSync())).toEqual(Array.from(h.dataSync()));
      // With the shortcut (layer 1.1): MBConv(x) + x; without (layer 1.0, 6 → 4): MBConv(x) alone.
      const candidate = (i: number, k: number) =>
        net.blocks.items[i].child('candidate_ops')!.child(String(k)) as MBConv;
      const gap = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(a.sub(b))).dataSync()[0];
      expect(gap(layer.single(h, 2, ctx).sub(h), candidate(1, 2).forward(h, ctx))).toBeLessThan(1e-5);
      const h6 = tf.randomNormal([2, 8, 8, 6], 0, 1, 'float32', 8) as tf.Tensor4D;
      expect(gap(net.blocks.items[0].single(h6, 4, ctx), candidate(0, 4).forward(h6, ctx))).toBe(0);
      expect(() => net.blocks.items[0].single(tf.zeros([1, 8, 8, 6]) as tf.Tensor4D, 6, ctx)).toThrow(
        /not allowed here/,
      );
    });
    net.dispose();
  });

  it('the sampled path computes what the found architecture’s own network computes with the same weights', () => {
    const net = supernet(5);
    const final = mobileNetNetworks.buildFinal(space, ARCH, shape, new Rng(9)) as MobileNetNetwork;
    const c = space.choices(ARCH)[MOBILENET_LABEL];
    // The final network's name for each supernet weight: the chosen candidate's own slot.
    const superState = new Map(net.namedState());
    for (const [name, v] of final.namedState()) {
      const src = name.replace(
        /^blocks\.(\d+)\.mobile_inverted_conv\./,
        (_, i) => `blocks.${i}.candidate_ops.${c[Number(i)]}.`,
      );
      const w = superState.get(src);
      expect(w, src).toBeDefined();
      v.assign(w!);
    }
    // The final network has exactly the path's parameters: its count is the cost model's.
    expect(final.countParameters()).toBe(space.cost.archParams(ARCH, shape));
    const { x } = batch(6);
    const [a, b] = tf.tidy(() => [
      net.logits(x, sampleAssignment({ [MOBILENET_LABEL]: c }), { training: false }),
      final.forward(x, { training: false }),
    ]);
    expect(tf.max(tf.abs(a.sub(b))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, x]);
    net.dispose();
    final.dispose();
  });

  it("the supernet's and the final networks' weights are what the cost model counts", () => {
    const net = supernet();
    expect(net.parameters().reduce((n, v) => n + v.size, 0)).toBe(space.cost.supernetParams(shape));
    const rng = new Rng(2);
    for (let n = 0; n < 5; n++) {
      const a = space.sample(rng);
      const f = mobileNetNetworks.buildFinal(space, a, shape, rng) as MobileNetNetwork;
      expect(f.countParameters()).toBe(space.cost.archParams(a, shape));
      f.dispose();
    }
    expect(() => mobileNetNetworks.buildFinal(space, ARCH, shape, rng, { channels: 4 })).toThrow(
      /takes no options \(it is built at the space's own layout\), got 'channels'/,
    );
    net.dispose();
  });

  it("'mix' with one-hot weights is the sampled path; gradients reach every allowed MBConv column", () => {
    const net = supernet(7);
    const { x, y } = batch(8);
    const c = space.choices(ARCH)[MOBILENET_LABEL];
    tf.tidy(() => {
      const oneHot = tf.oneHot(tf.tensor1d(c, 'int32'), 7).toFloat() as tf.Tensor2D;
      const a = net.logits(x, { [MOBILENET_LABEL]: { kind: 'mix', weights: oneHot } }, { training: false });
      const b = net.logits(x, sampleAssignment({ [MOBILENET_LABEL]: c }), { training: false });
      expect(tf.max(tf.abs(a.sub(b))).dataSync()[0]).toBeLessThan(1e-5);
      const w = tf.variable(tf.fill([4, 7], 1 / 7));
      const { grads } = tf.variableGrads(
        () =>
          lossOf(
            net.logits(
              x,
              { [MOBILENET_LABEL]: { kind: 'mix', weights: w as tf.Tensor2D } },
              { training: true },
            ),
            y,
          ),
        [w],
      );
      const g = grads[w.name].arraySync() as number[][];
      g.forEach((row) => row.slice(0, 6).forEach((v) => expect(v).not.toBe(0)));
      // 'skip' multiplies nothing (its identity is the shortcut, always there): zero gradient.
      g.forEach((row) => expect(row[6]).toBe(0));
      w.dispose();
    });
    expect(() =>
      tf.tidy(() =>
        net.logits(
          x,
          { [MOBILENET_LABEL]: { kind: 'mix', weights: tf.zeros([4, 6]) as tf.Tensor2D } },
          { training: false },
        ),
      ),
    ).toThrow(/must be \[4, 7\]/);
    expect(() =>
      tf.tidy(() =>
        net.logits(
          x,
          {
            [MOBILENET_LABEL]: {
              kind: 'mix',
              weights: tf.zeros([4, 7]) as tf.Tensor2D,
              channelFraction: 0.25,
            },
          },
          { training: false },
        ),
      ),
    ).toThrow(/channelFraction\) are not supported on the mobilenet space/);
    tf.dispose([x, y]);
    net.dispose();
  });

  it('refuses bad sample assignments naming the layer', () => {
    const net = supernet();
    const { x } = batch(1);
    expect(() =>
      net.logits(x, { [MOBILENET_LABEL]: { kind: 'sample', ops: [6, 6, 0, 0] } }, { training: false }),
    ).toThrow(/layer 1\.0 4: option 6 is not one this layer allows/);
    expect(() =>
      net.logits(x, { [MOBILENET_LABEL]: { kind: 'sample', ops: [0, 0, 0, -1] } }, { training: false }),
    ).toThrow(/every layer runs exactly one/);
    expect(() => net.logits(x, { cell: { kind: 'sample', ops: [0] } }, { training: false })).toThrow(
      /needs an assignment for 'layers'/,
    );
    tf.dispose(x);
    net.dispose();
  });

  it("step memory: the cost model's estimate is within 30% of the measured tensor peak of a single-path step", () => {
    const measured: Array<[number, number]> = [];
    for (const [b, size] of [
      [4, 8],
      [8, 16],
    ]) {
      const s = { ...shape, size };
      const net = mobileNetNetworks.supernet(space, s, new Rng(1)) as MobileNetSupernet;
      const rng = new Rng(4);
      const x = tf.tensor4d(rng.fillNormal(b * size * size * 3), [b, size, size, 3]);
      const y = tf
        .oneHot(
          tf.tensor1d(
            Array.from({ length: b }, (_, i) => i % 5),
            'int32',
          ),
          5,
        )
        .toFloat();
      // The widest path: k7e6 everywhere, skip nowhere.
      const ops = space.layers.map(() => 5);
      const peak = peakTensorBytes(() =>
        tf.tidy(() => {
          const { grads } = tf.variableGrads(
            () => lossOf(net.logits(x, sampleAssignment({ [MOBILENET_LABEL]: ops }), { training: true }), y),
            net.parameters(),
          );
          return Object.values(grads).map((g) => g.mul(0.9));
        }),
      );
      const est = space.cost.stepBytes(s, b);
      measured.push([peak, est]);
      tf.dispose([x, y]);
      net.dispose();
    }
    if (process.env.MOBILENET_MEASURE) console.log('peak vs estimate (bytes):', measured);
    for (const [peak, est] of measured) {
      expect(est / peak).toBeGreaterThan(0.7);
      expect(est / peak).toBeLessThan(1.3);
    }
  });

  it('SPOS on the space: tensor counts flat over 20 steps of each phase', async () => {
    const config = parseSearchConfig({
      space: SMALL as unknown as SearchConfigInput['space'],
      strategy: {
        name: 'spos',
        population: 8,
        generations: 3,
        topK: 2,
        mutants: 2,
        crossovers: 2,
        scoreBatches: 1,
        recalibrationBatches: 2,
      },
      epochs: 2,
      batchSize: 8,
      stepsPerEpoch: 12,
      seed: 4,
      backend: 'cpu',
      data: { source: 'synthetic', synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 } },
    });
    const s = new SearchSession<unknown>(config, await buildSearchData(config));
    expectFlatTensorsInBothPhases(s, 'evolution');
    s.dispose();
  });
});
