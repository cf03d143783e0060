import { z } from 'zod';
import * as tf from '../../tf';
import {
  FactorizedReduce,
  GlobalAvgPool,
  Linear,
  Module,
  ModuleList,
  ReLUConvBN,
  type ForwardContext,
} from '../../nn';
import type { GraphBuilder, GraphValue } from '../../nn/export-graph';
import type { FinalNetwork } from '../../search/supernet';
import type { Rng } from '../../util/rng';
import { CELL_TYPES, looseEnds, type EnasMicroArch, type EnasMicroNode } from './arch';
import { Calibrate, emitFreeOp, freeOp, isConvOp, sepConv, Stem } from './ops';
import { ENAS_MICRO_GIVEN, type EnasMicroOp } from './search-space';
import { fixedLayout, type FixedCellShape } from './layout';

export { fixedLayout, type FixedCellShape };

export const EnasMicroFinalOptionsSchema = z
  .object({
    channels: z.number().int().min(2).optional().meta({
      title: 'channels (F)',
      description: 'reference final script: 36 (cifar10_micro_final.sh --child_out_filters=36)',
    }),
    layers: z
      .number()
      .int()
      .min(0)
      .optional()
      .meta({ title: 'layers (L)', description: 'reference final script: 15 (--child_num_layers=15)' }),
  })
  .strict();

/**
 * One cell of the final network (micro_child.py _fixed_layer): inputs calibrated, the newer one
 * through ReLU-conv1×1-BN (layer_base), nodes with the stride on ops reading the cell inputs in a
 * reduction cell (identity at stride 2 is a factorized reduction), the loose ends concatenated (those
 * still at the input size reduced first). No drop path (see docs).
 */
export class EnasMicroFixedCell extends Module {
  private readonly calibrate: Calibrate;
  private readonly base: ReLUConvBN;
  private readonly nodeOps: Array<[Module | null, Module | null]>;
  private readonly looseFr = new Map<number, FactorizedReduce>();
  private readonly loose: number[];

  constructor(
    private readonly nodes: EnasMicroNode[],
    readonly shape: FixedCellShape,
    rng: Rng,
  ) {
    super();
    const { C, c0, c1, halve, stride } = shape;
    this.calibrate = this.addChild('calibrate', new Calibrate(c0, c1, halve, C, rng));
    this.base = this.addChild('layer_base', new ReLUConvBN(C, C, 1, 1, 0, true, rng));
    this.nodeOps = nodes.map(
      (n, j) =>
        ([0, 1] as const).map((s) => {
          const op = n.ops[s] as EnasMicroOp;
          const st = n.inputs[s] < ENAS_MICRO_GIVEN ? stride : 1;
          const name = `node${j}_${s === 0 ? 'x' : 'y'}`;
          if (isConvOp(op)) return this.addChild(name, sepConv(op, C, st, rng));
          if (op === 'identity' && st === 2)
            return this.addChild(name, new FactorizedReduce(C, C, true, rng));
          return null;
        }) as [Module | null, Module | null],
    );
    this.loose = looseEnds(nodes);
    if (stride === 2)
      for (const i of this.loose)
        if (i < ENAS_MICRO_GIVEN)
          this.looseFr.set(i, this.addChild(`calibrate_${i}`, new FactorizedReduce(C, C, true, rng)));
  }

  run(s0: tf.Tensor4D, s1: tf.Tensor4D, ctx: ForwardContext): tf.Tensor4D {
    const [a, b] = this.calibrate.run(s0, s1, ctx);
    const states: tf.Tensor4D[] = [a, this.base.forward(b, ctx) as tf.Tensor4D];
    this.nodes.forEach((n, j) => {
      const terms = ([0, 1] as const).map((s) => {
        const x = states[n.inputs[s]];
        const m = this.nodeOps[j][s];
        if (m) return m.forward(x, ctx) as tf.Tensor4D;
        return freeOp(n.ops[s] as EnasMicroOp, x, n.inputs[s] < ENAS_MICRO_GIVEN ? this.shape.stride : 1);
      });
      states.push(tf.add(terms[0], terms[1]));
    });
    const outs = this.loose.map((i) => {
      const fr = this.looseFr.get(i);
      return fr ? (fr.forward(states[i], ctx) as tf.Tensor4D) : states[i];
    });
    return (outs.length === 1 ? outs[0] : tf.concat(outs, 3)) as tf.Tensor4D;
  }

  /** run()'s inference graph, node for node (there is no drop path to leave out). */
  emitCell(g: GraphBuilder, s0: GraphValue, s1: GraphValue): GraphValue {
    const [a, b] = g.within(this.childName(this.calibrate), () => this.calibrate.emitPair(g, s0, s1));
    const states: GraphValue[] = [a, this.emitChild(g, this.base, b)];
    this.nodes.forEach((n, j) => {
      const terms = ([0, 1] as const).map((s) => {
        const x = states[n.inputs[s]];
        const m = this.nodeOps[j][s];
        if (m) return this.emitChild(g, m, x);
        const stride = n.inputs[s] < ENAS_MICRO_GIVEN ? this.shape.stride : 1;
        return emitFreeOp(g, n.ops[s] as EnasMicroOp, x, stride);
      });
      states.push(g.sum(terms));
    });
    const outs = this.loose.map((i) => {
      const fr = this.looseFr.get(i);
      return fr ? this.emitChild(g, fr, states[i]) : states[i];
    });
    return g.concat(outs);
  }

  forward(): tf.Tensor {
    throw new Error('EnasMicroFixedCell is driven through run()');
  }
}

/** The stand-alone network of one micro architecture (no auxiliary head, no drop path). */
export class EnasMicroNetwork extends Module implements FinalNetwork {
  private readonly stem: Stem;
  readonly cells: ModuleList<EnasMicroFixedCell>;
  private readonly classifier: Linear;
  private readonly pool = new GlobalAvgPool();

  constructor(arch: EnasMicroArch, F: number, L: number, inChannels: number, classes: number, rng: Rng) {
    super();
    const layout = fixedLayout(arch, F, L);
    this.stem = this.addChild('stem', new Stem(inChannels, 3 * F, rng));
    this.cells = this.addChild(
      'cells',
      new ModuleList(layout.map((s) => new EnasMicroFixedCell(arch[s.type], s, rng))),
    );
    this.classifier = this.addChild('classifier', new Linear(layout[layout.length - 1].out, classes, rng));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    const s = this.stem.forward(x, ctx) as tf.Tensor4D;
    let prev = s;
    let last = s;
    for (const cell of this.cells.items) {
      const out = cell.run(prev, last, ctx);
      prev = last;
      last = out;
    }
    return this.classifier.forward(this.pool.forward(tf.relu(last), ctx), ctx) as tf.Tensor2D;
  }

  /** forward's inference graph: stem, the cells on (previous, last) outputs, ReLU, pooling, classifier. */
  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const s = this.emitChild(g, this.stem, x);
    let prev = s;
    let last = s;
    const cells = this.cells;
    cells.items.forEach((cell, i) => {
      const out = g.within(this.childName(cells), () =>
        g.within(String(i), () => cell.emitCell(g, prev, last)),
      );
      prev = last;
      last = out;
    });
    return this.emitChild(g, this.classifier, g.globalAvgPool(g.relu(last)));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): { logits: tf.Tensor2D; auxLogits: tf.Tensor2D | null } {
    return { logits: this.forward(x, ctx), auxLogits: null };
  }

  countParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }
}

export { CELL_TYPES };
