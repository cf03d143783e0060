import { describe, expect, it } from 'vitest';
import { spaceSpec, SPACE_SPECS } from '../../catalog';
import { parseSearchConfig } from '../../search/config';
import { SPACE_NETWORKS } from '../registry';
import { Rng } from '../../util/rng';
import { MobileNetSpaceSchema, type MobileNetSpace } from './search-space';
import { MOBILENET_LABEL, MobileNetSearchSpace, mobileNetSpaceSpec, type MobileNetArch } from './space';
import { mobileNetNetworks } from './networks';

/**
 * A small layout whose four layers cover every case: 6 → 4 at stride 1 (no shortcut: no skip), 4 → 4
 * (shortcut, skip allowed), 4 → 8 at stride 2, 8 → 8.
 */
const SMALL = {
  name: 'mobilenet',
  stemChannels: 4,
  firstChannels: 6,
  widths: [4, 8],
  depths: [2, 2],
  strides: [1, 2],
  lastChannels: 16,
} as const;
const make = (c: object = SMALL) => new MobileNetSearchSpace(MobileNetSpaceSchema.parse(c) as MobileNetSpace);
const space = make();
const shape = { size: 8, channels: 3, classes: 5 };
const ARCH: MobileNetArch = { layers: ['k3e3', 'skip', 'k5e6', 'k7e3'] };

describe('MobileNet space: layout and choice points', () => {
  it("one label 'layers', a row per searchable layer, the six MBConvs in the reference's order and 'skip'", () => {
    expect(space.choicePoints).toHaveLength(1);
    const cp = space.choicePoints[0];
    expect(cp.label).toBe(MOBILENET_LABEL);
    expect(cp.rows).toEqual(['1.0 4', '1.1 4', '2.0 8 ↓2', '2.1 8']);
    expect(cp.options).toEqual(['k3e3', 'k3e6', 'k5e3', 'k5e6', 'k7e3', 'k7e6', 'skip']);
    expect(space.layers.map((l) => l.residual)).toEqual([false, true, false, true]);
  });

  it("the presets: 'cifar' (default) and 'imagenet' are ProxylessNAS's 21 layers, strides differing where the brief says", () => {
    const cifar = make({ name: 'mobilenet' });
    const imagenet = make({ name: 'mobilenet', layout: 'imagenet' });
    for (const s of [cifar, imagenet]) {
      expect(s.layers).toHaveLength(21);
      expect(s.layout.widths).toEqual([24, 40, 80, 96, 192, 320]);
      expect(s.layout.lastChannels).toBe(1280);
    }
    expect([cifar.layout.stemStride, ...cifar.layout.strides]).toEqual([1, 1, 2, 2, 1, 2, 1]);
    expect([imagenet.layout.stemStride, ...imagenet.layout.strides]).toEqual([2, 2, 2, 2, 1, 2, 1]);
    // Skip only inside stages (every stage's first layer changes the width in this layout): 21 − 6 layers.
    expect(cifar.layers.filter((l) => l.residual)).toHaveLength(15);
  });

  it('every field is described; registered in the catalog and the networks; the single-path strategies run on it', () => {
    for (const [key, field] of Object.entries(MobileNetSpaceSchema.shape)) {
      const meta = field.meta() as { title?: string; description?: string } | undefined;
      expect(meta?.title, key).toBeTruthy();
      expect(meta?.description, key).toBeTruthy();
    }
    expect(SPACE_SPECS.map((s) => s.name)).toContain('mobilenet');
    expect(spaceSpec('mobilenet')).toBe(mobileNetSpaceSpec);
    expect(SPACE_NETWORKS.mobilenet).toBe(mobileNetNetworks);
    for (const name of ['spos', 'random-search', 'regularized-evolution'])
      expect(parseSearchConfig({ space: SMALL, strategy: { name } }).space).toMatchObject({
        name: 'mobilenet',
        layout: 'cifar',
      });
    expect(() => parseSearchConfig({ space: SMALL, strategy: { name: 'darts' } })).toThrow(
      /strategy 'darts' does not run on the 'mobilenet' space/,
    );
  });

  it('bad configs are refused naming the field', () => {
    const r = MobileNetSpaceSchema.safeParse({ ...SMALL, depths: [2] });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0].path).toEqual(['depths']);
    expect(r.error!.issues[0].message).toMatch(/depths has 1 stage but widths has 2/);
    expect(() =>
      parseSearchConfig({ space: { ...SMALL, strides: [1, 3] }, strategy: { name: 'spos' } }),
    ).toThrow(/space\.strides\.1/);
    expect(() =>
      parseSearchConfig({ space: { ...SMALL, kernels: [3, 3] }, strategy: { name: 'spos' } }),
    ).toThrow(/space\.kernels: kernel sizes must not repeat/);
    expect(() => parseSearchConfig({ space: { ...SMALL, channels: 4 }, strategy: { name: 'spos' } })).toThrow(
      /channels/,
    );
  });
});

describe('MobileNet space: cost model', () => {
  // Counted by hand for the SMALL layout on 8×8×3 images, 5 classes, as ProxylessNAS counts: conv
  // multiply-adds out_h·out_w·Cin·Cout·k²/groups, linear in·out; parameters: conv weights (no bias),
  // BN γ+β, linear weight+bias.
  const terms = [
    // stem 3×3 3→4, stride 1, at 8×8: 3·3·3·4 = 108 weights, BN 8; 108·64 MACs.
    { params: 108 + 8, flops: 108 * 64 },
    // first block 3×3 MBConv1 4→6: depthwise 9·4 = 36 + BN 8; project 4·6 = 24 + BN 12.
    { params: 36 + 8 + 24 + 12, flops: 36 * 64 + 24 * 64 },
    // layer 1.0 k3e3 6→4 (mid 18): expand 6·18 = 108 + 36; dw 9·18 = 162 + 36; project 18·4 = 72 + 8.
    { params: 108 + 36 + 162 + 36 + 72 + 8, flops: (108 + 162 + 72) * 64 },
    // layer 1.1 skip: nothing.
    { params: 0, flops: 0 },
    // layer 2.0 k5e6 4→8 stride 2 (mid 24), 8×8 → 4×4: expand 96 + 48 at 8×8; dw 25·24 = 600 + 48 and
    // project 24·8 = 192 + 16 at 4×4.
    { params: 96 + 48 + 600 + 48 + 192 + 16, flops: 96 * 64 + (600 + 192) * 16 },
    // layer 2.1 k7e3 8→8 (mid 24) at 4×4: expand 192 + 48; dw 49·24 = 1176 + 48; project 192 + 16.
    { params: 192 + 48 + 1176 + 48 + 192 + 16, flops: (192 + 1176 + 192) * 16 },
    // feature mix 1×1 8→16 at 4×4: 128 + 32.
    { params: 128 + 32, flops: 128 * 16 },
    // classifier 16→5: 80 + 5 parameters, 80 MACs.
    { params: 80 + 5, flops: 80 },
  ];
  const hand = terms.reduce((a, t) => ({ params: a.params + t.params, flops: a.flops + t.flops }));

  it('parameters and FLOPs of a fixed architecture equal the count by hand', () => {
    expect(hand).toEqual({ params: 3535, flops: 78544 });
    expect(space.cost.archParams(ARCH, shape)).toBe(hand.params);
    expect(space.cost.archFlops(ARCH, shape)).toBe(hand.flops);
  });

  it('the supernet counts every allowed candidate: the skeleton once, each layer all its MBConvs', () => {
    const skeleton = terms[0].params + terms[1].params + terms[6].params + terms[7].params;
    // Σ over kernels {3,5,7} × expansions {3,6} of one MBConv's parameters (BN 2·mid, 2·mid, 2·cout).
    const layer = (cin: number, cout: number) => {
      let p = 0;
      for (const k of [3, 5, 7])
        for (const e of [3, 6]) {
          const mid = cin * e;
          p += cin * mid + 2 * mid + k * k * mid + 2 * mid + mid * cout + 2 * cout;
        }
      return p;
    };
    expect(space.cost.supernetParams(shape)).toBe(
      skeleton + layer(6, 4) + layer(4, 4) + layer(4, 8) + layer(8, 8),
    );
    expect(space.cost.supernetFlops(shape)).toBeGreaterThan(6 * hand.flops - 6 * terms[0].flops);
  });

  it('skip is free: an architecture with more skips costs less by exactly that layer', () => {
    const heavy = { layers: ['k3e3', 'k7e6', 'k5e6', 'k7e3'] };
    const mid = 4 * 6;
    expect(space.cost.archParams(heavy, shape) - hand.params).toBe(
      4 * mid + 2 * mid + 49 * mid + 2 * mid + mid * 4 + 2 * 4,
    );
    expect(space.cost.archFlops(heavy, shape) - hand.flops).toBe((4 * mid + 49 * mid + mid * 4) * 64);
  });

  it('step memory grows with the batch and the image', () => {
    const b8 = space.cost.stepBytes(shape, 8);
    expect(space.cost.stepBytes(shape, 16)).toBeGreaterThan(b8);
    expect(space.cost.stepBytes({ ...shape, size: 16 }, 8)).toBeGreaterThan(b8);
  });
});

describe('MobileNet space: codec', () => {
  it('JSON and text round-trip; the text is one group per stage', () => {
    expect(space.toText(ARCH)).toBe('k3e3 skip | k5e6 k7e3');
    expect(space.fromText(space.toText(ARCH))).toEqual(ARCH);
    const file = space.toJson(ARCH);
    expect(file).toEqual({ format: 'nas-studio.mobilenet-arch', version: 1, arch: 'k3e3 skip | k5e6 k7e3' });
    expect(space.fromJson(JSON.stringify(file))).toEqual(ARCH);
    expect(space.fromChoices(space.choices(ARCH))).toEqual(ARCH);
    expect(space.choices(ARCH)).toEqual({ layers: [0, 6, 3, 4] });
  });

  it("reads the reference's names too ('3x3_MBConv3', 'Zero')", () => {
    expect(space.fromText('3x3_MBConv3 Zero | 5x5_MBConv6 7x7_MBConv3')).toEqual(ARCH);
  });

  it('refuses bad input with errors naming the field', () => {
    expect(() => space.fromText('k3e3 skip k5e6 k7e3')).toThrow(/2 stages \('\|'-separated\), got 1/);
    expect(() => space.fromText('k3e3 | k5e6 k7e3')).toThrow(/stage 1: has 2 layers, got 1/);
    expect(() => space.fromText('k3e3 k9e3 | k5e6 k7e3')).toThrow(/stage 1 layer 1: unknown option 'k9e3'/);
    expect(() => space.fromText('skip skip | k5e6 k7e3')).toThrow(
      /stage 1 layer 0: 'skip' needs stride 1 and equal widths in and out, but this layer goes 6 → 4/,
    );
    expect(() => space.fromJson('{')).toThrow(/not JSON/);
    expect(() => space.fromJson({ format: 'x', version: 1, arch: '' })).toThrow(/format is "x"/);
    expect(() => space.fromJson({ format: 'nas-studio.mobilenet-arch', version: 2, arch: '' })).toThrow(
      /version 2 is not supported/,
    );
    expect(() => space.fromJson({ format: 'nas-studio.mobilenet-arch', version: 1, arch: 3 })).toThrow(
      /'arch' must be the architecture string/,
    );
    expect(() => space.toText({ layers: ['k3e3'] })).toThrow(/4 searchable layers, got 1 in 'layers'/);
    expect(() => space.toText({ layers: ['k3e3', 'skip', 'skip', 'k7e3'] })).toThrow(
      /layer 2\.0: 'skip' needs stride 1/,
    );
    expect(() => space.toText({ layers: ['k3e3', 5, 'k5e6', 'k7e3'] } as never)).toThrow(
      /layer 1\.1: the option must be a name/,
    );
    expect(() => space.fromChoices({ layers: [6, 6, 0, 0] })).toThrow(
      /layer 1\.0 4: 'skip' is not allowed here/,
    );
    expect(() => space.fromChoices({ layers: [0, 0, 0, 7] })).toThrow(/option 7 is not one of 0\.\.6/);
    expect(() => space.fromChoices({ layers: [0, 0, 0, -1] })).toThrow(/option -1/);
    expect(() => space.fromChoices({ layers: [0, 0, 0] })).toThrow(/need 4 layers, got 3/);
    expect(() => space.fromChoices({ layers: [0, 0, 0, 0], cell: [] })).toThrow(/got also 'cell'/);
  });

  it('derive: the argmax among the options each layer allows', () => {
    const w = [
      [0, 0, 0, 0, 0, 0, 9], // skip is not allowed on 1.0: the best MBConv (the first on ties)
      [0, 1, 0, 0, 0, 0, 2],
      [0, 0, 0, 0, 0, 3, 1],
      [5, 0, 0, 0, 0, 0, 1],
    ];
    expect(space.derive({ layers: w })).toEqual({ layers: ['k3e3', 'skip', 'k7e6', 'k3e3'] });
    expect(() => space.derive({ layers: w.slice(1) })).toThrow(/need 4 rows, got 3/);
    expect(() => space.derive({ layers: [[1], ...w.slice(1)] })).toThrow(/layer 1\.0 4 need 7 numbers/);
  });
});

describe('MobileNet space: sampling, mutation, crossover', () => {
  /** Valid means: the space accepts it, and 'skip' sits only on layers with a shortcut. */
  const expectValid = (s: MobileNetSearchSpace, a: MobileNetArch) => {
    expect(s.fromChoices(s.choices(a))).toEqual(a);
    a.layers.forEach((op, i) => {
      if (op === 'skip') expect(s.layers[i].residual).toBe(true);
    });
  };

  it('never an invalid architecture over many seeded draws, and every allowed option is reached', () => {
    for (const s of [space, make({ name: 'mobilenet', depths: [1, 2, 3, 1, 2, 1] })]) {
      const rng = new Rng(11);
      const seen = s.layers.map(() => new Set<string>());
      let a = s.sample(rng);
      for (let n = 0; n < 1500; n++) {
        const b = s.sample(rng);
        const m1 = s.mutate(a, rng);
        const m2 = s.mutate(b, rng, { probability: 0.3 });
        const c = s.crossover(a, b, rng);
        for (const x of [b, m1, m2, c]) {
          expectValid(s, x);
          x.layers.forEach((op, i) => seen[i].add(op));
        }
        // Regularized evolution's mutation changes exactly one layer.
        expect(m1.layers.filter((op, i) => op !== a.layers[i])).toHaveLength(1);
        // A crossover's every layer comes from one of its parents.
        c.layers.forEach((op, i) => expect([a.layers[i], b.layers[i]]).toContain(op));
        a = n % 3 === 0 ? c : m1;
      }
      seen.forEach((ops, i) => expect(ops.size).toBe(s.layers[i].residual ? 7 : 6));
    }
  });

  it('sample is uniform over the allowed options (each within 15% of its share over 7000 draws)', () => {
    const rng = new Rng(3);
    const counts = space.layers.map(() => new Map<string, number>());
    const N = 7000;
    for (let n = 0; n < N; n++)
      space.sample(rng).layers.forEach((op, i) => counts[i].set(op, (counts[i].get(op) ?? 0) + 1));
    counts.forEach((m, i) => {
      const share = N / (space.layers[i].residual ? 7 : 6);
      for (const c of m.values()) expect(Math.abs(c - share) / share).toBeLessThan(0.15);
    });
  });

  it('the same seed draws the same architectures', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () =>
        space.toText(space.mutate(space.sample(r), r, { probability: 0.5 })),
      );
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  it('refuses a bad mutation probability', () => {
    expect(() => space.mutate(ARCH, new Rng(1), { probability: 2 })).toThrow(/must be in \[0, 1\], got 2/);
  });
});
