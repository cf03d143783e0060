import { reductionCells, type DartsSpace } from './search-space';
import type { PrimitiveName } from './primitives-contract';
import { allOps, type EdgeOps } from './param-count';

/**
 * Conv + linear FLOPs (2 × multiply-accumulates) of one search-supernet forward pass for one image,
 * every candidate op counted, as the reference bench counts them (BN, ReLU, pools and sums excluded).
 * Used to report achieved GFLOP/s and to estimate cost in the wizard.
 */
export function countForwardFlops(
  space: DartsSpace,
  imageSize: number,
  inChannels: number,
  numClasses: number,
  pick: EdgeOps = allOps,
): number {
  const { channels: C0, cells, nodes, stemMultiplier } = space;
  const conv = (hw: number, cin: number, cout: number, k: number, groups = 1) =>
    2 * hw * hw * (cin / groups) * cout * k * k;
  const down = (h: number) => Math.ceil(h / 2);
  let flops = conv(imageSize, inChannels, stemMultiplier * C0, 3);
  const reductions = new Set(reductionCells(cells));
  let [Cpp, Cp, C] = [stemMultiplier * C0, stemMultiplier * C0, C0];
  let h = imageSize; // spatial size of s1 (s0 is twice as large after a reduction cell)
  const opFlops = (op: PrimitiveName, hOut: number, Cc: number): number => {
    const k = op.endsWith('5x5') ? 5 : 3;
    if (op.startsWith('sep_conv')) return 2 * (conv(hOut, Cc, Cc, k, Cc) + conv(hOut, Cc, Cc, 1));
    if (op.startsWith('dil_conv')) return conv(hOut, Cc, Cc, k, Cc) + conv(hOut, Cc, Cc, 1);
    return 0;
  };
  for (let i = 0; i < cells; i++) {
    const reduction = reductions.has(i);
    if (reduction) C *= 2;
    flops += conv(h, Cpp, C, 1) + conv(h, Cp, C, 1); // preprocess0 and preprocess1: a 1x1 conv, or FactorizedReduce (two half-width 1x1 convs) on the larger s0, cost the same
    const hOut = reduction ? down(h) : h;
    let e = 0;
    for (let n = 0; n < nodes; n++) {
      for (let j = 0; j < n + 2; j++, e++) {
        const strided = reduction && j < 2;
        for (const op of pick(space, reduction, e)) {
          flops += opFlops(op, hOut, C);
          if (op === 'skip_connect' && strided) flops += conv(hOut, C, C, 1);
        }
      }
    }
    [Cpp, Cp] = [Cp, nodes * C];
    h = hOut;
  }
  return flops + 2 * Cp * numClasses;
}
