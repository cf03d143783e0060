import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../../tf';
import { chooseBackend } from '../../backend';
import { decisionProgramOf } from '../../search/decision-program';
import { sampleAssignment } from '../../search/supernet';
import { Rng } from '../../util/rng';
import { looseEnds, type EnasMicroArch } from './arch';
import { EnasMicroNetwork, fixedLayout } from './final-network';
import { enasMicroNetworks } from './networks';
import { EnasMicroSpaceSchema } from './search-space';
import { EnasMicroSearchSpace } from './space';
import { EnasMicroSupernet, searchLayout } from './supernet';

beforeAll(async () => {
  await chooseBackend({ prefer: 'cpu' });
});

const tiny = EnasMicroSpaceSchema.parse({ name: 'enas-micro', nodes: 3, layers: 1, channels: 4 });
const space = new EnasMicroSearchSpace(tiny);
const shape = { size: 8, channels: 3, classes: 5 };

describe('ENAS micro space: codec and constraints', () => {
  it('defaults are the reference search script’s', () => {
    const d = EnasMicroSpaceSchema.parse({ name: 'enas-micro' });
    expect(d).toMatchObject({ nodes: 5, layers: 6, channels: 20 });
    expect(d.ops).toEqual(['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity']);
    expect(searchLayout(d).map((c) => c.type)).toEqual([
      'normal',
      'normal',
      'reduce',
      'normal',
      'normal',
      'reduce',
      'normal',
      'normal',
    ]);
    expect(() => EnasMicroSpaceSchema.parse({ name: 'enas-micro', channels: 5 })).toThrow(/even/);
  });

  it("round-trips JSON and the reference's arc string", () => {
    const rng = new Rng(1);
    for (let i = 0; i < 20; i++) {
      const a = space.sample(rng);
      expect(space.fromJson(JSON.stringify(space.toJson(a)))).toEqual(a);
      expect(space.fromText(space.toText(a))).toEqual(a);
      expect(space.fromChoices(space.choices(a))).toEqual(a);
    }
    const arc = '0 0 1 4 2 1 0 3 1 2 3 0 1 1 0 0 2 2 1 4 0 3 3 1';
    const a = space.fromText(arc);
    expect(a.normal[0]).toEqual({ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] });
    expect(a.reduce[2]).toEqual({ inputs: [0, 3], ops: ['max_pool_3x3', 'sep_conv_5x5'] });
    expect(space.toText(a)).toBe(arc);
  });

  it('names the problem in bad input', () => {
    expect(() => space.fromText('0 0 1')).toThrow(/24 integers/);
    expect(() => space.fromText('0 0 2 4 ' + '0 0 0 0 '.repeat(5))).toThrow(/normal node 0: input 2/);
    expect(() => space.fromText('0 9 1 4 ' + '0 0 0 0 '.repeat(5))).toThrow(/op id 9/);
    expect(() => space.fromJson({ format: 'x' })).toThrow(/format/);
    const c = space.choices(space.sample(new Rng(2)));
    c['normal-inputs'][4] = 4; // node 2 may read states 0..3
    expect(() => space.fromChoices(c)).toThrow(/node 2: input 4/);
  });

  it('samples, mutations and crossovers stay valid; a mutation changes one decision', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 30; i++) {
      const a = space.sample(rng);
      const m = space.mutate(a, rng);
      const ca = space.choices(a);
      const cm = space.choices(m);
      const diff = Object.keys(ca).reduce((n, l) => n + ca[l].filter((k, r) => k !== cm[l][r]).length, 0);
      expect(diff).toBe(1);
      space.mutate(a, rng, { probability: 0.3 });
      const x = space.crossover(a, space.sample(rng), rng);
      expect(space.fromChoices(space.choices(x))).toEqual(x);
    }
  });

  it('the decision program follows the reference: per cell 2 anchors, per node 2 inputs, 2 ops, 1 state', () => {
    const p = decisionProgramOf(space);
    const kinds = p.steps.map((s) => s.kind[0]).join('');
    expect(kinds).toBe(('c' + 'iioos'.repeat(3)).repeat(2));
    const ops = p.steps.filter((s) => s.kind === 'op');
    expect(ops[0]).toMatchObject({ label: 'normal-ops', bias: [0.25, 0.25, -0.25, -0.25, -0.25] });
    expect(ops.at(-1)).not.toHaveProperty('bias');
    expect(p.headBiasInit?.['normal-ops']).toEqual([10, 10, 0, 0, 0]);
  });

  it('loose ends: the states no node reads', () => {
    const cell = space.fromText('0 0 0 4 2 1 0 3 3 2 3 0 ' + '0 0 0 0 '.repeat(3)).normal;
    expect(looseEnds(cell)).toEqual([1, 4]);
  });
});

describe('ENAS micro networks and cost model', () => {
  it('supernet: a sampled child runs, and the cost model counts its parameters', () => {
    const net = new EnasMicroSupernet(tiny, shape, new Rng(4));
    const a = space.sample(new Rng(5));
    const y = tf.tidy(() =>
      net.logits(tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D, sampleAssignment(space.choices(a)), {
        training: true,
      }),
    );
    expect(y.shape).toEqual([2, 5]);
    y.dispose();
    const count = net.parameters().reduce((n, v) => n + v.size, 0);
    expect(space.cost.supernetParams(shape)).toBe(count);
    const shared = net.sharedParameters().reduce((n, v) => n + v.size, 0);
    const opt = net.optionParameters('normal-ops', 0, 0);
    expect(opt.length).toBeGreaterThan(0);
    expect(shared).toBeLessThan(count);
    expect(() => net.logits(tf.zeros([1, 8, 8, 3]) as tf.Tensor4D, {}, { training: true })).toThrow(
      /normal-inputs/,
    );
    net.dispose();
  });

  it('final network: params match the cost model for sampled architectures; output channels = loose ends × C', () => {
    const rng = new Rng(6);
    for (let i = 0; i < 4; i++) {
      const a = space.sample(rng);
      const f = enasMicroNetworks.buildFinal(space, a, shape, new Rng(i)) as EnasMicroNetwork;
      expect(f.countParameters()).toBe(space.cost.archParams(a, shape));
      const y = tf.tidy(() => f.run(tf.randomNormal([2, 8, 8, 3]) as tf.Tensor4D, { training: true }).logits);
      expect(y.shape).toEqual([2, 5]);
      y.dispose();
      const layout = fixedLayout(a, 4, 1);
      expect(layout.map((c) => c.out)).toEqual(layout.map((c) => looseEnds(a[c.type]).length * c.C));
      f.dispose();
    }
  });

  it('FLOPs by hand: one identity → sep_conv_3x3 on a node input of every normal cell adds 2·(9·C + C²)·H·W per cell', () => {
    // layers 1: cells reduce (C 8, 4×4), reduce (C 16, 2×2), normal (C 16, 2×2).
    const base = space.fromText(
      '2 4 0 4 '.replace('2', '0') + '2 4 2 4 3 4 3 4 ' + '0 4 1 4 2 4 2 4 3 4 3 4',
    );
    const conv = JSON.parse(JSON.stringify(base)) as EnasMicroArch;
    conv.normal[1].ops[0] = 'sep_conv_3x3'; // node 1 reads node 0 (state 2): stride 1 everywhere
    const C = 16;
    const hw = 2 * 2;
    expect(space.cost.archFlops(conv, shape) - space.cost.archFlops(base, shape)).toBe(
      2 * (9 * C + C * C) * hw,
    );
    expect(space.cost.archParams(conv, shape) - space.cost.archParams(base, shape)).toBe(
      2 * (9 * C + C * C) + 4 * C,
    );
  });
});
