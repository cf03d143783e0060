import type { InputShape } from '../../search/space';
import type { EnasMicroArch } from './arch';
import { fixedLayout } from './layout';
import { isConvOp, kernelOf } from './op-kinds';
import { searchLayout } from './layout';
import { ENAS_MICRO_GIVEN, type EnasMicroSpace } from './search-space';

/** Parameters and multiply-adds of one image's forward pass. */
interface Count {
  params: number;
  flops: number;
}

const add = (a: Count, b: Count): Count => ({ params: a.params + b.params, flops: a.flops + b.flops });
const ZERO: Count = { params: 0, flops: 0 };

/** Affine BN: γ and β (no multiply-adds counted). */
const bn = (C: number): Count => ({ params: 2 * C, flops: 0 });
/** k×k conv cin → cout (no bias) at an output of hw positions. */
const conv = (k: number, cin: number, cout: number, hw: number): Count => ({
  params: k * k * cin * cout,
  flops: k * k * cin * cout * hw,
});
/** SepConv: (ReLU, depthwise k×k, pointwise, BN) twice, the first at the stride; hw = output positions. */
function sepConvCount(k: number, C: number, hw: number): Count {
  const one = add(add({ params: k * k * C, flops: k * k * C * hw }, conv(1, C, C, hw)), bn(C));
  return add(one, one);
}
/** Factorized reduction cin → C: two 1×1 convs to C/2 at the halved size, BN. */
const frCount = (cin: number, C: number, hwOut: number): Count =>
  add(conv(1, cin, C / 2, hwOut), add(conv(1, cin, C / 2, hwOut), bn(C)));
/** Calibration of a cell's inputs (ops.ts Calibrate) at the cell's resolution hw. */
function calibrateCount(c0: number, c1: number, halve: boolean, C: number, hw: number): Count {
  let n = ZERO;
  if (halve) n = add(n, frCount(c0, C, hw));
  else if (c0 !== C) n = add(n, add(conv(1, c0, C, hw), bn(C)));
  if (c1 !== C) n = add(n, add(conv(1, c1, C, hw), bn(C)));
  return n;
}

/** The supernet: every conv of every (node, slot, input), all states into the final conv. */
export function supernetCount(space: EnasMicroSpace, shape: InputShape): Count {
  const B = space.nodes;
  const F = space.channels;
  let side = shape.size;
  let n = add(conv(3, shape.channels, 3 * F, side * side), bn(3 * F));
  for (const c of searchLayout(space)) {
    if (c.preC !== undefined) {
      side = Math.ceil(side / 2);
      n = add(n, frCount(c.preC, c.C, side * side));
    }
    const hw = side * side;
    n = add(n, calibrateCount(c.c0, c.c1, c.halve, c.C, hw));
    for (let j = 0; j < B; j++)
      for (let i = 0; i < ENAS_MICRO_GIVEN + j; i++)
        for (const op of space.ops)
          if (isConvOp(op))
            n = add(n, {
              params: 2 * sepConvCount(kernelOf(op), c.C, hw).params,
              flops: 2 * sepConvCount(kernelOf(op), c.C, hw).flops,
            });
    n = add(n, add(conv(1, (ENAS_MICRO_GIVEN + B) * c.C, c.C, hw), bn(c.C)));
  }
  const last = searchLayout(space).at(-1)!.C;
  return add(n, { params: last * shape.classes + shape.classes, flops: last * shape.classes });
}

/** The architecture's own network (final-network.ts) at the space's F and L. */
export function archCount(
  space: EnasMicroSpace,
  arch: EnasMicroArch,
  shape: InputShape,
  F = space.channels,
  L = space.layers,
): Count {
  let side = shape.size;
  let n = add(conv(3, shape.channels, 3 * F, side * side), bn(3 * F));
  for (const c of fixedLayout(arch, F, L)) {
    // The cell works at its inputs' resolution (the older one halved to it), outputs at /stride.
    const hwIn = side * side;
    const outSide = c.stride === 2 ? Math.ceil(side / 2) : side;
    const hwOut = outSide * outSide;
    n = add(n, calibrateCount(c.c0, c.c1, c.halve, c.C, hwIn));
    n = add(n, add(conv(1, c.C, c.C, hwIn), bn(c.C)));
    arch[c.type].forEach((node) =>
      ([0, 1] as const).forEach((s) => {
        const op = node.ops[s];
        const strided = node.inputs[s] < ENAS_MICRO_GIVEN && c.stride === 2;
        const hw = strided ? hwOut : hwIn;
        if (isConvOp(op)) n = add(n, sepConvCount(kernelOf(op), c.C, hw));
        else if (op === 'identity' && strided) n = add(n, frCount(c.C, c.C, hwOut));
      }),
    );
    if (c.stride === 2) {
      const used = new Set(arch[c.type].flatMap((x) => x.inputs));
      for (let i = 0; i < ENAS_MICRO_GIVEN; i++) if (!used.has(i)) n = add(n, frCount(c.C, c.C, hwOut));
    }
    side = outSide;
  }
  const last = fixedLayout(arch, F, L).at(-1)!.out;
  return add(n, { params: last * shape.classes + shape.classes, flops: last * shape.classes });
}

/**
 * Peak bytes of one shared step, roughly: the sampled path keeps ~ (B·(2 convs × 8 tensors) + B + 4)
 * activations of [batch, side², C] per cell for the backward pass, float32, plus weights, gradients and
 * momentum (3× the supernet's parameters).
 */
export function stepBytes(space: EnasMicroSpace, shape: InputShape, batch: number): number {
  let side = shape.size;
  let act = 3 * space.channels * side * side * 2;
  for (const c of searchLayout(space)) {
    if (c.preC !== undefined) side = Math.ceil(side / 2);
    act += (space.nodes * 17 + 4) * c.C * side * side;
  }
  return 4 * (batch * act + 3 * supernetCount(space, shape).params);
}
