import { z } from 'zod';
import * as tf from '../../tf';
import {
  GlobalAvgPool,
  Linear,
  Module,
  ModuleList,
  Sequential,
  type ForwardContext,
  type GraphBuilder,
  type GraphValue,
} from '../../nn';
import type { FinalNetwork } from '../../search/supernet';
import type { Rng } from '../../util/rng';
import { validateNb201Arch, type Nb201Arch } from './arch';
import { nb201Op, nb201Skeleton } from './ops';
import { NB201_NODES, NB201_OPS, type Nb201Op } from './search-space';

/**
 * The final network's options (buildFinal's `options`): the benchmark trains every architecture at
 * C=16, N=5; a space config's values are the defaults.
 */
export const Nb201FinalOptionsSchema = z
  .object({
    channels: z
      .number()
      .int()
      .min(1)
      .max(512)
      .optional()
      .meta({ title: 'channels (C)', description: 'first-stage width; benchmark: 16' }),
    cellsPerStage: z
      .number()
      .int()
      .min(1)
      .max(32)
      .optional()
      .meta({ title: 'cells per stage (N)', description: 'benchmark: 5' }),
  })
  .strict();
export type Nb201FinalOptions = z.infer<typeof Nb201FinalOptionsSchema>;

export interface Nb201FinalConfig {
  channels: number;
  cellsPerStage: number;
  inChannels: number;
  numClasses: number;
}

/**
 * One cell of the benchmark's network (cell_infers/cells.py InferCell): the architecture's op on each
 * edge, BN affine, convs without bias. Layers are named by edge index as the reference's
 * `layers.<k>`, in the same order ('none' and identity layers hold nothing).
 */
export class Nb201InferCell extends Module {
  readonly layers: ModuleList;
  private readonly ops: Nb201Op[];

  constructor(arch: Nb201Arch, C: number, rng: Rng) {
    super();
    this.ops = arch.edges as Nb201Op[];
    this.layers = this.addChild('layers', new ModuleList(this.ops.map((op) => nb201Op(op, C, true, rng))));
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    const nodes: tf.Tensor[] = [x];
    let e = 0;
    for (let j = 1; j < NB201_NODES; j++) {
      const terms: tf.Tensor[] = [];
      for (let i = 0; i < j; i++, e++) {
        // 'none' adds zeros (the reference computes x·0): leaving it out gives the same sum.
        if (this.ops[e] !== 'none') terms.push(this.layers.items[e].forward(nodes[i], ctx));
      }
      nodes.push(terms.length === 0 ? tf.zerosLike(x) : terms.length === 1 ? terms[0] : tf.addN(terms));
    }
    return nodes[NB201_NODES - 1];
  }

  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    const nodes: GraphValue[] = [x];
    const layers = this.layers;
    let e = 0;
    for (let j = 1; j < NB201_NODES; j++) {
      const terms: GraphValue[] = [];
      for (let i = 0; i < j; i++, e++) {
        const k = e;
        if (this.ops[k] !== 'none')
          terms.push(g.within(this.childName(layers), () => g.child(String(k), layers.items[k], nodes[i])));
      }
      nodes.push(terms.length === 0 ? g.zeros(x, 1) : g.sum(terms));
    }
    return nodes[NB201_NODES - 1];
  }
}

/**
 * The benchmark's network of one architecture (cell_infers/tiny_network.py TinyNetwork), NHWC: stem
 * conv3×3 + BN, N cells at C, residual block (stride 2), N at 2C, block, N at 4C, BN-ReLU, global
 * average pool, linear. Names as the reference: `stem.{0,1}`, `cells.<i>.layers.<k>.op.{1,2}`,
 * `cells.<N>.{conv_a,conv_b,downsample.1}`, `lastact.0`, `classifier`. No auxiliary head and no drop
 * path (the benchmark trains without them): run() ignores `dropPathProb`.
 */
export class Nb201Network extends Module implements FinalNetwork {
  readonly cells: ModuleList;
  private readonly stem: Sequential;
  private readonly lastact: Sequential;
  private readonly pool = new GlobalAvgPool();
  private readonly classifier: Linear;

  constructor(
    readonly arch: Nb201Arch,
    readonly config: Nb201FinalConfig,
    rng: Rng,
  ) {
    super();
    validateNb201Arch(arch, NB201_OPS, 'final network');
    const { channels: C, cellsPerStage: N } = config;
    const cell = (Cs: number) => new Nb201InferCell(arch, Cs, rng);
    const sk = nb201Skeleton(config.inChannels, C, N, config.numClasses, cell, rng);
    this.stem = this.addChild('stem', sk.stem);
    this.cells = this.addChild('cells', new ModuleList(sk.cells));
    this.lastact = this.addChild('lastact', sk.lastact);
    this.classifier = this.addChild('classifier', sk.classifier);
  }

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor2D {
    let h = this.stem.forward(x, ctx);
    for (const cell of this.cells.items) h = cell.forward(h, ctx);
    return this.classifier.forward(this.pool.forward(this.lastact.forward(h, ctx), ctx), ctx) as tf.Tensor2D;
  }

  override emit(g: GraphBuilder, x: GraphValue): GraphValue {
    let h = this.emitChild(g, this.stem, x);
    const cells = this.cells;
    cells.items.forEach((cell, i) => {
      h = g.within(this.childName(cells), () => g.child(String(i), cell, h));
    });
    return this.emitChild(g, this.classifier, this.pool.emit(g, this.emitChild(g, this.lastact, h)));
  }

  run(x: tf.Tensor4D, ctx: ForwardContext): { logits: tf.Tensor2D; auxLogits: tf.Tensor2D | null } {
    return { logits: this.forward(x, ctx), auxLogits: null };
  }

  /** Trainable parameters (NATS-Bench's count_parameters_in_MB × 1e6). */
  countParameters(): number {
    return this.parameters().reduce((n, v) => n + v.size, 0);
  }
}
