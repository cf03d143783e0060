import type { InputShape, Recompute } from '../../search/space';
import type { Nb201Op, Nb201Space } from './search-space';
import { NB201_EDGES } from './search-space';

/**
 * Parameters and FLOPs counted as NATS-Bench counts them (AutoDL-Projects xautodl/utils/
 * flop_benchmark.py, get_model_infos): parameters are every trainable tensor (conv weights and
 * biases, BatchNorm γ/β, the linear layer); FLOPs are the multiply-adds of Conv2d and Linear layers
 * per image, plus one add per output element for a layer with a bias; pools, BatchNorm, ReLU and the
 * cell's sums are not counted. (The benchmark publishes both in millions: params 'MB' = 1e6, flop 'M'.)
 *
 * Two flavours of the same skeleton: the benchmark's network (TinyNetwork / InferCell, every BN
 * affine, so ReLUConvBN's conv has no bias) and the search supernet (NAS201SearchCell with
 * affine=False: BN without γ/β, so the reference's ReLUConvBN gives the conv a bias, bias=not affine).
 * The stem, residual blocks and head are affine in both.
 */
export interface Count {
  params: number;
  flops: number;
}

const add = (a: Count, b: Count): Count => ({ params: a.params + b.params, flops: a.flops + b.flops });
const ZERO: Count = { params: 0, flops: 0 };

/** A k×k convolution Cin→Cout at an output of hw positions (multiply-adds, plus bias adds). */
function conv(k: number, cin: number, cout: number, hw: number, bias: boolean): Count {
  const weights = k * k * cin * cout;
  return { params: weights + (bias ? cout : 0), flops: (weights + (bias ? cout : 0)) * hw };
}

function bn(C: number, affine: boolean): Count {
  return { params: affine ? 2 * C : 0, flops: 0 };
}

/** One op on one edge at C channels and side h (stride 1 inside cells). */
export function opCount(op: Nb201Op, C: number, h: number, affine: boolean): Count {
  if (op === 'nor_conv_1x1' || op === 'nor_conv_3x3') {
    const k = op === 'nor_conv_1x1' ? 1 : 3;
    return add(conv(k, C, C, h * h, !affine), bn(C, affine));
  }
  return ZERO; // none, skip_connect, avg_pool_3x3 have no weights and count no FLOPs
}

/** Side of an image after a stride-2 stage (the residual block's 3×3 s2 conv with padding 1: ⌈h/2⌉). */
export const halve = (h: number): number => Math.ceil(h / 2);

/** The three stages' sides and widths: [h, C], [⌈h/2⌉, 2C], [⌈h/4⌉, 4C]. */
export function stages(space: Pick<Nb201Space, 'channels'>, size: number): Array<{ h: number; C: number }> {
  const C = space.channels;
  return [
    { h: size, C },
    { h: halve(size), C: 2 * C },
    { h: halve(halve(size)), C: 4 * C },
  ];
}

/** Everything outside the cells: stem, the two residual blocks, the head. */
function skeletonCount(space: Pick<Nb201Space, 'channels'>, shape: InputShape): Count {
  const st = stages(space, shape.size);
  let c = add(conv(3, shape.channels, st[0].C, st[0].h ** 2, false), bn(st[0].C, true));
  for (const s of [1, 2]) {
    const { C: cin } = st[s - 1];
    const { h, C: cout } = st[s];
    // ResNetBasicblock(stride 2): ReLU-conv3×3 s2-BN, ReLU-conv3×3-BN, shortcut AvgPool2d(2) + conv1×1 (no bias).
    c = add(c, add(conv(3, cin, cout, h * h, false), bn(cout, true)));
    c = add(c, add(conv(3, cout, cout, h * h, false), bn(cout, true)));
    c = add(c, conv(1, cin, cout, h * h, false));
  }
  const last = st[2].C;
  c = add(c, bn(last, true)); // lastact BN
  c = add(c, { params: last * shape.classes + shape.classes, flops: last * shape.classes + shape.classes });
  return c;
}

/**
 * The whole network when edge e of every cell holds the ops `edgeOps(e)`: the benchmark network of
 * one architecture (one op per edge, affine) or the supernet (all candidates, not affine).
 */
export function networkCount(
  space: Pick<Nb201Space, 'channels' | 'cellsPerStage'>,
  shape: InputShape,
  edgeOps: (e: number) => readonly Nb201Op[],
  affine: boolean,
): Count {
  let c = skeletonCount(space, shape);
  for (const { h, C } of stages(space, shape.size)) {
    let cell = ZERO;
    NB201_EDGES.forEach((_, e) => {
      for (const op of edgeOps(e)) cell = add(cell, opCount(op, C, h, affine));
    });
    c = add(c, { params: cell.params * space.cellsPerStage, flops: cell.flops * space.cellsPerStage });
  }
  return c;
}

/**
 * Peak bytes of one search step, as tfjs's tensor byte count sees it: the peak of
 * tf.memory().numBytes above what was held before, watched after every new tensor, over a
 * first-order DARTS-style step (the weights' loss and gradients under a softmax mix of all five ops,
 * then α's) on the cpu backend. Fitted by least squares to 8 tiny supernets per mode (C 4-12, N 1-3,
 * 8-16 px, batch 1-12; memory.test.ts prints the measurements with NB201_MEASURE=1), within 1% of
 * each, as
 *   batch × (perCell × Σ_cells h²C + perLargestCell × max_cells h²C) + perParam × supernet parameters,
 * h²C being one image's floats of one cell's output:
 * - 'off' (plain autodiff): every op's intermediates stay until the backward pass, ~940 B per float;
 * - 'edge': the cells' node sums stay (~130 B/float), plus one edge's recomputation at its peak;
 * - 'cell': only the cells' inputs stay (~10 B/float), but the recomputed cell holds all its
 *   intermediates and their gradients at once (~1,060 B per float of the largest cell).
 * The parameters term is the weights' gradients and the optimiser's view of them (~5-9 B each).
 * Not measured: the wasm heap's own overhead, and GPU backends (whose memory tfjs does not count
 * the same way); a rough guide for refusing searches that cannot fit, not a bound.
 */
export const NB201_STEP_BYTES: Record<
  Recompute,
  { perCell: number; perLargestCell: number; perParam: number }
> = {
  off: { perCell: 940, perLargestCell: 120, perParam: 9 },
  edge: { perCell: 130, perLargestCell: 285, perParam: 5 },
  cell: { perCell: 10, perLargestCell: 1060, perParam: 5 },
};

/** The unit of the memory model for one image: Σ over the network's cells of h² × C, and the largest term. */
export function cellFloats(
  space: Pick<Nb201Space, 'channels' | 'cellsPerStage'>,
  size: number,
): { sum: number; max: number } {
  let sum = 0;
  let max = 0;
  for (const { h, C } of stages(space, size)) {
    sum += space.cellsPerStage * h * h * C;
    max = Math.max(max, h * h * C);
  }
  return { sum, max };
}

export function estimateNb201StepBytes(
  space: Pick<Nb201Space, 'channels' | 'cellsPerStage'>,
  size: number,
  batch: number,
  recompute: Recompute,
  supernetParams = 0,
): number {
  const { sum, max } = cellFloats(space, size);
  const k = NB201_STEP_BYTES[recompute];
  return batch * (sum * k.perCell + max * k.perLargestCell) + supernetParams * k.perParam;
}

/**
 * The recomputation that the model says keeps less: per cell for deep stages (N ≥ 4, the benchmark's
 * N=5: 1.2 GB against 1.5 GB per edge at batch 64 on 32×32), per edge for shallow ones. The ratio of
 * the two terms depends on N only (every stage's h²C scales alike with C and the image size).
 */
export function preferredRecompute(space: Pick<Nb201Space, 'channels' | 'cellsPerStage'>): Recompute {
  return estimateNb201StepBytes(space, 32, 1, 'cell') < estimateNb201StepBytes(space, 32, 1, 'edge')
    ? 'cell'
    : 'edge';
}
