import { beforeAll, describe, expect, it } from 'vitest';
import { expectFlatTensorsInBothPhases } from '../../../../test/helpers/tensor-leaks';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { spaceOf } from '../../catalog';
import { parseSearchConfig, type SearchConfigInput } from '../../search/config';
import { buildSearchData } from '../../search/build-data';
import { SearchSession } from '../../search/session';
import type { CandidateScore } from '../../search/strategy';
import type { SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { networksOf } from '../../spaces/registry';
import { Rng } from '../../util/rng';
import { AngleMetric, type RlnasSpaceParts } from './angle';
import type { Rlnas } from './rlnas';
import { rlnasSpaceSupport } from './spaces';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

/**
 * A tiny layout: stem 3 → 2, first block 2 → 2, layers 2→4, 4→4, 4→4 (stage 1, stride 1), 4→8 ↓2,
 * 8→8 (stage 2), final 1×1 → 8, 2 classes. Layers 1, 2 and 4 keep their shape and allow `skip`.
 */
const SPACE = {
  name: 'mobilenet',
  stemChannels: 2,
  firstChannels: 2,
  widths: [4, 8],
  depths: [3, 2],
  strides: [1, 2],
  lastChannels: 8,
} as unknown as SearchConfigInput['space'];
/** [C_in, C_out] of each searchable layer, and which allow the identity, written out from the layout. */
const LAYERS: Array<[number, number]> = [
  [2, 4],
  [4, 4],
  [4, 4],
  [4, 8],
  [8, 8],
];
const IDENTITY_ALLOWED = [false, true, true, false, true];
/** Options in the space's order: the reference's blocks_keys (3x3 ratio 3, 3x3 ratio 6, …, 7x7 ratio 6), then skip. */
const SKIP = 6;

type Weights = Map<string, Float32Array>;

interface Rig {
  space: SearchSpace;
  net: Supernet;
  parts: RlnasSpaceParts;
  metric: AngleMetric;
  init: Weights;
}

const read = (net: Supernet): Weights =>
  new Map(net.namedParameters().map(([n, v]) => [n, (v.dataSync() as Float32Array).slice()]));

/** Every parameter w ← f(name, w), element by element. */
function move(net: Supernet, f: (name: string, w: number) => number): Weights {
  for (const [name, v] of net.namedParameters()) {
    const t = tf.tensor(
      Float32Array.from(v.dataSync() as Float32Array, (x) => f(name, x)),
      v.shape,
    );
    v.assign(t);
    t.dispose();
  }
  return read(net);
}

/** The supernet, its RLNAS parts and a metric that copied its weights (after `start`, when given). */
function rig(start?: (name: string, w: number) => number): Rig {
  const config = parseSearchConfig({ space: SPACE, strategy: { name: 'spos' } } as SearchConfigInput);
  const space = spaceOf(config.space);
  const net = networksOf(space.name).supernet(space, { size: 8, channels: 3, classes: 2 }, new Rng(3));
  if (start) move(net, start);
  const metric = new AngleMetric(net);
  const parts = rlnasSpaceSupport(space.name)(net, space);
  return { space, net, parts, metric, init: read(net) };
}

function done(r: Rig): void {
  r.metric.dispose();
  r.net.dispose();
}

const f64 = (x: ArrayLike<number>) => Float64Array.from(x);
/** torch.eye(rows, cols), flattened. */
const eye = (rows: number, cols: number) =>
  Float64Array.from({ length: rows * cols }, (_, i) => (Math.floor(i / cols) === i % cols ? 1 : 0));

function angleOfVectors(a: Float64Array[], b: Float64Array[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, k) =>
    x.forEach((v, i) => {
      dot += v * b[k][i];
      na += v * v;
      nb += b[k][i] * b[k][i];
    }),
  );
  return Math.acos(Math.min(1, dot / Math.sqrt(na * nb)));
}

// ---- the reference's construction (mobilenet_search_space/.../evolution_search/test_server.py, get_arch_vector) ----

/** The reference's module paths, translated once to the engine's parameter names. */
const REFERENCE_NAMES: Record<string, string> = {
  'conv_bn[0].weight': 'stem.first_conv.conv.weight',
  'MBConv_ratio_1.conv[0].weight': 'stem.first_block.depth_conv.conv.weight',
  'MBConv_ratio_1.conv[3].weight': 'stem.first_block.point_linear.conv.weight',
  'conv_1x1_bn[0].weight': 'head.feature_mix_layer.conv.weight',
  'classifier[0].weight': 'head.classifier.weight',
};
/** InvertedResidual.conv (ratio ≠ 1): 0 pw conv, 1 BN, 2 ReLU6, 3 dw conv, 4 BN, 5 ReLU6, 6 pw-linear conv, 7 BN. */
const SEQUENTIAL = [
  'inverted_bottleneck.conv',
  'inverted_bottleneck.bn',
  '',
  'depth_conv.conv',
  'depth_conv.bn',
  '',
  'point_linear.conv',
  'point_linear.bn',
];
const feature = (i: number, c: number, index: number, field: 'weight' | 'bias') =>
  `blocks.${i}.candidate_ops.${c}.${SEQUENTIAL[index]}.${field}`;

/** Both vectors for the reference's `cand` (op index per layer, −1 the identity), and the names they read. */
function referenceVectors(init: Weights, trained: Weights, cand: number[]) {
  const v0: Float64Array[] = [];
  const v1: Float64Array[] = [];
  const used = new Set<string>();
  const param = (name: string) => {
    if (!init.has(name)) throw new Error(`the supernet has no ${name}`);
    used.add(name);
    v0.push(f64(init.get(name)!));
    v1.push(f64(trained.get(name)!));
  };
  ['conv_bn[0].weight', 'MBConv_ratio_1.conv[0].weight', 'MBConv_ratio_1.conv[3].weight'].forEach((n) =>
    param(REFERENCE_NAMES[n]),
  );
  param(REFERENCE_NAMES['conv_1x1_bn[0].weight']);
  param(REFERENCE_NAMES['classifier[0].weight']);
  cand.forEach((c, i) => {
    if (c >= 0) {
      param(feature(i, c, 0, 'weight'));
      param(feature(i, c, 1, 'weight'));
      param(feature(i, c, 1, 'bias'));
      param(feature(i, c, 3, 'weight'));
      param(feature(i, c, 4, 'weight'));
      param(feature(i, c, 4, 'bias'));
      param(feature(i, c, 6, 'weight'));
    } else if (c === -1) {
      const [input, output] = LAYERS[i];
      const identity = eye(output, input);
      v0.push(identity);
      v1.push(identity);
    } else throw new Error('Invalid operators !');
  });
  return { v0, v1, used };
}

/** A random candidate in the space's choice row: each layer uniform over what it allows, as the reference draws. */
const candidate = (rng: Rng) => LAYERS.map((_, i) => rng.int(IDENTITY_ALLOWED[i] ? 7 : 6));
const toReference = (row: number[]) => row.map((k) => (k === SKIP ? -1 : k));
const blocksOf = (r: Rig, row: number[]) =>
  r.parts.blocks(r.space.choices(r.space.fromChoices({ layers: row })));

describe('RLNAS angle on the MobileNet-like space (against the reference construction)', () => {
  it('equals the reference construction for random candidates after random weight changes', () => {
    const r = rig();
    const noise = new Rng(9);
    const trained = move(r.net, (_n, w) => 0.7 * w + 0.2 * noise.normal());
    const rng = new Rng(1);
    const everyName = new Set<string>();
    let skips = 0;
    for (let n = 0; n < 120; n++) {
      const row = candidate(rng);
      skips += row.filter((k) => k === SKIP).length;
      const ref = referenceVectors(r.init, trained, toReference(row));
      ref.used.forEach((x) => everyName.add(x));
      const got = r.metric.angle(blocksOf(r, row));
      expect(got).toBeCloseTo(angleOfVectors(ref.v0, ref.v1), 12);
      expect(got).toBeGreaterThan(0);
    }
    expect(skips).toBeGreaterThan(30);
    // What the reference never reads: every BN of the fixed parts, the classifier's bias, and the BN
    // after each candidate's projection; everything else is on some candidate's vector.
    const left = [...r.init.keys()].filter((n) => !everyName.has(n)).sort();
    const expected = [...r.init.keys()]
      .filter(
        (n) =>
          (n.startsWith('stem.') && n.includes('.bn.')) ||
          n.startsWith('head.feature_mix_layer.bn.') ||
          n === 'head.classifier.bias' ||
          /^blocks\.\d+\.candidate_ops\.\d+\.point_linear\.bn\./.test(n),
      )
      .sort();
    expect(expected.length).toBe(6 + 2 + 1 + 5 * 6 * 2);
    expect(left).toEqual(expected);
    done(r);
  });

  it('unchanged weights give the angle 0 exactly, for any candidate', () => {
    const r = rig();
    const rng = new Rng(5);
    for (let n = 0; n < 20; n++)
      expect(r.metric.angle(r.parts.blocks(r.space.choices(r.space.sample(rng))))).toBe(0);
    done(r);
  });

  it('hand-computed: all weights 1, the fixed convs and classifier negated, identities eye(C) unchanged', () => {
    // Initial weights all 1; "trained": the five fixed tensors −1, the rest still 1. With F, B, I the
    // element counts of the fixed tensors, of the chosen blocks' tensors and the identities' ones:
    // cos = (B + I − F)/(B + I + F).
    const fixed = new Set(Object.values(REFERENCE_NAMES));
    const r = rig(() => 1);
    move(r.net, (name) => (fixed.has(name) ? -1 : 1));
    // F: stem 3·3·3·2 = 54, first block depthwise 3·3·2 = 18 and pointwise 2·2 = 4, final 8·8 = 64,
    // classifier 8·2 = 16.
    const F = 54 + 18 + 4 + 64 + 16;
    const cos = (B: number, I: number) => (B + I - F) / (B + I + F);
    // k3e3 skip skip | k3e3 skip. Layer 2→4, mid 6: expand 2·6, BN 6+6, depthwise 9·6, BN 6+6,
    // project 6·4 = 114; layer 4→8, mid 12: 48 + 24 + 108 + 24 + 96 = 300; eye(4), eye(4), eye(8): 16 ones.
    expect(r.metric.angle(blocksOf(r, [0, SKIP, SKIP, 0, SKIP]))).toBeCloseTo(
      Math.acos(cos(114 + 300, 16)),
      12,
    );
    // k5e3 in the two layers that need a block: 12 + 12 + 25·6 + 12 + 24 = 210 and 48 + 24 + 25·12 + 24 + 96 = 492.
    expect(r.metric.angle(blocksOf(r, [2, SKIP, SKIP, 2, SKIP]))).toBeCloseTo(
      Math.acos(cos(210 + 492, 16)),
      12,
    );
    // All k7e6: 2→4 mid 12: 24 + 24 + 49·12 + 24 + 48 = 708; 4→4 mid 24: 96 + 48 + 49·24 + 48 + 96 = 1464
    // (twice); 4→8: 96 + 48 + 1176 + 48 + 192 = 1560; 8→8 mid 48: 384 + 96 + 49·48 + 96 + 384 = 3312.
    expect(r.metric.angle(blocksOf(r, [5, 5, 5, 5, 5]))).toBeCloseTo(
      Math.acos(cos(708 + 1464 + 1464 + 1560 + 3312, 0)),
      12,
    );
    // Only the fixed parts differ between skip and k3e6 on layer 1: skip adds 4 (eye(4)),
    // k3e6 (4→4, mid 24) 96 + 48 + 216 + 48 + 96 = 504.
    expect(r.metric.angle(blocksOf(r, [0, 1, SKIP, 0, SKIP]))).toBeCloseTo(
      Math.acos(cos(114 + 504 + 300, 12)),
      12,
    );
    done(r);
  });

  it('hand-computed: every weight doubled, the identities stay (their ones are constants)', () => {
    const r = rig(() => 1);
    move(r.net, () => 2);
    // k3e3 skip skip | k3e3 skip: P = 156 + 414 weights, I = 16: cos = (2P + I)/√((P + I)(4P + I)).
    const P = 156 + 414;
    const I = 16;
    expect(r.metric.angle(blocksOf(r, [0, SKIP, SKIP, 0, SKIP]))).toBeCloseTo(
      Math.acos((2 * P + I) / Math.sqrt((P + I) * (4 * P + I))),
      12,
    );
    // Without identities the vector only scales: angle 0 (up to rounding).
    expect(r.metric.angle(blocksOf(r, [1, 3, 5, 0, 2]))).toBeCloseTo(0, 6);
    done(r);
  });

  it('phase 1 and the evolution draw as the space samples (the reference constrains no path); bad choices are named', () => {
    const r = rig();
    expect(r.parts.trainable).toBeUndefined();
    expect(r.parts.searchable).toBeUndefined();
    expect(() => r.parts.blocks({ layers: [0, 0, 0] })).toThrow(/need 5 options for 'layers', got 3/);
    expect(() => r.parts.blocks({ layers: [SKIP, 0, 0, 0, 0] })).toThrow(
      /layer 1\.0 4 does not allow option 6 \('skip'\)/,
    );
    done(r);
  });
});

describe('RLNAS on the MobileNet-like space', () => {
  const RLNAS = { name: 'rlnas', population: 6, generations: 2, topK: 2, mutants: 2, crossovers: 2 };
  const config = (overrides: Partial<SearchConfigInput> = {}) =>
    parseSearchConfig({
      space: SPACE,
      strategy: RLNAS as SearchConfigInput['strategy'],
      epochs: 1,
      batchSize: 8,
      stepsPerEpoch: 3,
      seed: 4,
      backend: 'cpu',
      data: {
        source: 'synthetic',
        labels: 'random',
        synthetic: { size: 64, imageSize: 8, channels: 3, classes: 4 },
      },
      ...overrides,
    });

  it('trains single paths on random labels, then evolves by angle and returns the largest angle', async () => {
    const c = config();
    const s = new SearchSession<unknown>(c, await buildSearchData(c));
    const candidates: CandidateScore[] = [];
    while (!s.done) candidates.push(...(s.runStep().candidates ?? []));
    expect(candidates).toHaveLength(18);
    const rlnas = s.strategy as Rlnas;
    for (const cand of candidates) {
      expect(cand.score).toBe(rlnas.angleOf(cand.genotype));
      expect(cand.score).toBeGreaterThan(0);
      expect(cand.score).toBeLessThan(Math.PI);
    }
    const best = candidates.reduce((a, x) => (x.score > a.score ? x : a));
    expect(s.space.toText(s.strategy.derive())).toBe(best.text);
    s.dispose();
  });

  it('does not leak tensors over 20 steps of each phase', async () => {
    const c = config({
      stepsPerEpoch: 12,
      epochs: 2,
      strategy: { ...RLNAS, population: 8, generations: 3 } as SearchConfigInput['strategy'],
      data: {
        source: 'synthetic',
        labels: 'random',
        synthetic: { size: 256, imageSize: 8, channels: 3, classes: 4 },
      },
    });
    const s = new SearchSession<unknown>(c, await buildSearchData(c));
    expectFlatTensorsInBothPhases(s, 'evolution');
    s.dispose();
  });
});
