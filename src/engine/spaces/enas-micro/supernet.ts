import * as tf from '../../tf';
import {
  BatchNorm,
  FactorizedReduce,
  GlobalAvgPool,
  Linear,
  Module,
  ModuleList,
  type ForwardContext,
} from '../../nn';
import { uniformFanIn } from '../../nn/init';
import { Supernet, type ArchAssignment } from '../../search/supernet';
import type { InputShape } from '../../search/space';
import type { Rng } from '../../util/rng';
import { Calibrate, freeOp, isConvOp, sepConv, Stem } from './ops';
import { ENAS_MICRO_GIVEN, type EnasMicroOp, type EnasMicroSpace } from './search-space';
import { searchLayout, type MicroLayout } from './layout';

export { searchLayout, type MicroLayout };
import { inputsLabel, opsLabel } from './labels';
import type { SepConv } from '../../nn';

const SLOTS = ['x', 'y'] as const;

/**
 * One shared search cell (micro_child.py _enas_layer): the two inputs calibrated to F channels; node j
 * sums op_x(state[i_x]) and op_y(state[i_y]); every (node, slot, input, conv op) has its own weights,
 * as the reference's x/y variable scopes and its w[prev_cell] slices; pools and identity have none.
 * The output: ReLU, then a 1×1 conv over the concatenated loose ends whose weight is the stack of their
 * per-state [F, F] slices (the reference's final_conv w[num_cells+2, F·F] gathered), then BN.
 */
export class EnasMicroSearchCell extends Module {
  private readonly calibrate: Calibrate;
  private readonly convs = new Map<string, SepConv>();
  readonly finalWeight: tf.Variable;
  private readonly finalBn: BatchNorm;

  constructor(
    readonly nodes: number,
    readonly ops: readonly EnasMicroOp[],
    c0: number,
    c1: number,
    halve: boolean,
    readonly C: number,
    rng: Rng,
  ) {
    super();
    this.calibrate = this.addChild('calibrate', new Calibrate(c0, c1, halve, C, rng));
    for (let j = 0; j < nodes; j++)
      for (const s of SLOTS)
        for (let i = 0; i < ENAS_MICRO_GIVEN + j; i++)
          for (const op of ops)
            if (isConvOp(op)) {
              const key = convKey(j, s, i, op);
              this.convs.set(key, this.addChild(key, sepConv(op, C, 1, rng)));
            }
    this.finalWeight = this.addParam('final_conv_w', uniformFanIn([ENAS_MICRO_GIVEN + nodes, C, C], C, rng));
    this.finalBn = this.addChild('final_bn', new BatchNorm(C, true));
  }

  /** The conv of (node, slot, input, op), or null for a parameter-free op. */
  conv(j: number, slot: 0 | 1, i: number, op: string): SepConv | null {
    return this.convs.get(convKey(j, SLOTS[slot], i, op)) ?? null;
  }

  run(
    s0: tf.Tensor4D,
    s1: tf.Tensor4D,
    inputs: readonly number[],
    ops: readonly number[],
    ctx: ForwardContext,
  ): tf.Tensor4D {
    const states = this.calibrate.run(s0, s1, ctx);
    const used = new Array(ENAS_MICRO_GIVEN + this.nodes).fill(false);
    for (let j = 0; j < this.nodes; j++) {
      const terms = ([0, 1] as const).map((s) => {
        const i = inputs[2 * j + s];
        const op = this.ops[ops[2 * j + s]];
        used[i] = true;
        const conv = this.conv(j, s, i, op);
        return conv ? (conv.forward(states[i], ctx) as tf.Tensor4D) : freeOp(op, states[i], 1);
      });
      states.push(tf.add(terms[0], terms[1]));
    }
    const loose = used.flatMap((u, i) => (u ? [] : [i]));
    const C = this.C;
    // The loose ends' [F, F] slices stacked (slices, not a gather: the wasm backend has no gather gradient).
    const slices = loose.map((i) => tf.slice(this.finalWeight, [i, 0, 0], [1, C, C]));
    const w = (slices.length === 1 ? slices[0] : tf.concat(slices, 0)).reshape([
      1,
      1,
      loose.length * C,
      C,
    ]) as tf.Tensor4D;
    const cat =
      loose.length === 1
        ? states[loose[0]]
        : tf.concat(
            loose.map((i) => states[i]),
            3,
          );
    return this.finalBn.forward(tf.conv2d(tf.relu(cat), w, 1, 0), ctx) as tf.Tensor4D;
  }

  forward(): tf.Tensor {
    throw new Error('EnasMicroSearchCell is driven through run()');
  }
}

function convKey(j: number, s: string, i: number, op: string): string {
  return `node${j}_${s}_in${i}_${op}`;
}

/** The ENAS micro search network (weight sharing over every cell architecture), NHWC. */
export class EnasMicroSupernet extends Supernet {
  private readonly stem: Stem;
  readonly cells: ModuleList<EnasMicroSearchCell>;
  private readonly pre: Map<number, FactorizedReduce>;
  private readonly classifier: Linear;
  private readonly pool = new GlobalAvgPool();
  readonly layout: MicroLayout[];

  constructor(
    readonly space: EnasMicroSpace,
    shape: InputShape,
    rng: Rng,
  ) {
    super();
    const F = space.channels;
    this.layout = searchLayout(space);
    this.stem = this.addChild('stem', new Stem(shape.channels, 3 * F, rng));
    this.pre = new Map();
    const pre = new Map<number, FactorizedReduce>();
    const cells = this.layout.map((c, l) => {
      if (c.preC !== undefined) pre.set(l, new FactorizedReduce(c.preC, c.C, true, rng));
      return new EnasMicroSearchCell(space.nodes, space.ops, c.c0, c.c1, c.halve, c.C, rng);
    });
    this.cells = this.addChild('cells', new ModuleList(cells));
    for (const [l, m] of pre) this.pre.set(l, this.addChild(`reduce_${l}`, m));
    this.classifier = this.addChild(
      'classifier',
      new Linear(this.layout[this.layout.length - 1].C, shape.classes, rng),
    );
  }

  private check(arch: ArchAssignment): Record<string, readonly number[]> {
    const B = this.space.nodes;
    const out: Record<string, readonly number[]> = {};
    for (const t of ['normal', 'reduce'] as const)
      for (const [label, bound] of [
        [inputsLabel(t), (r: number) => ENAS_MICRO_GIVEN + (r >> 1)],
        [opsLabel(t), () => this.space.ops.length],
      ] as const) {
        const a = arch[label];
        if (!a) throw new Error(`an ENAS micro supernet needs an assignment for '${label}'`);
        if (a.kind !== 'sample')
          throw new Error(
            `the ENAS micro supernet runs sampled cells only ('sample'), got '${a.kind}' for '${label}'`,
          );
        if (a.ops.length !== 2 * B)
          throw new Error(`'${label}' needs ${2 * B} entries (two per node), got ${a.ops.length}`);
        a.ops.forEach((k, r) => {
          if (!(Number.isInteger(k) && k >= 0 && k < bound(r)))
            throw new Error(`'${label}' row ${r}: ${k} is not one of 0..${bound(r) - 1}`);
        });
        if (a.gate || a.offset)
          throw new Error(`the ENAS micro supernet does not implement gate/offset ('${label}')`);
        out[label] = a.ops;
      }
    return out;
  }

  logits(x: tf.Tensor4D, arch: ArchAssignment, ctx: ForwardContext): tf.Tensor2D {
    const a = this.check(arch);
    const s = this.stem.forward(x, ctx) as tf.Tensor4D;
    let prev = s;
    let last = s;
    this.cells.items.forEach((cell, l) => {
      const t = this.layout[l].type;
      const pre = this.pre.get(l);
      if (pre) prev = last;
      const older = prev;
      const newer = pre ? (pre.forward(last, ctx) as tf.Tensor4D) : last;
      const out = cell.run(older, newer, a[inputsLabel(t)], a[opsLabel(t)], ctx);
      prev = newer;
      last = out;
    });
    const f = this.pool.forward(tf.relu(last), ctx);
    return this.classifier.forward(f, ctx) as tf.Tensor2D;
  }

  optionParameters(label: string, row: number, option: number): tf.Variable[] {
    const m = /^(normal|reduce)-(inputs|ops)$/.exec(label);
    if (!m) throw new Error(`the ENAS micro space has no label '${label}'`);
    const B = this.space.nodes;
    if (!(row >= 0 && row < 2 * B)) throw new Error(`'${label}' has rows 0..${2 * B - 1}, not ${row}`);
    const j = row >> 1;
    const slot = (row & 1) as 0 | 1;
    const cells = this.cells.items.filter((_, l) => this.layout[l].type === m[1]);
    const pick = (i: number, op: string) => cells.flatMap((c) => c.conv(j, slot, i, op)?.parameters() ?? []);
    if (m[2] === 'ops') {
      const op = this.space.ops[option];
      if (op === undefined)
        throw new Error(`'${label}' has options 0..${this.space.ops.length - 1}, not ${option}`);
      return Array.from({ length: ENAS_MICRO_GIVEN + j }, (_, i) => pick(i, op)).flat();
    }
    if (!(option >= 0 && option < ENAS_MICRO_GIVEN + j))
      throw new Error(`'${label}' row ${row} has inputs 0..${ENAS_MICRO_GIVEN + j - 1}, not ${option}`);
    return this.space.ops.flatMap((op) => pick(option, op));
  }

  sharedParameters(): tf.Variable[] {
    const optionVars = new Set<tf.Variable>();
    for (const cell of this.cells.items)
      for (let j = 0; j < this.space.nodes; j++)
        for (const s of [0, 1] as const)
          for (let i = 0; i < ENAS_MICRO_GIVEN + j; i++)
            for (const op of this.space.ops)
              for (const v of cell.conv(j, s, i, op)?.parameters() ?? []) optionVars.add(v);
    return this.parameters().filter((v) => !optionVars.has(v));
  }
}
