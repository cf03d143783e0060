import { edgeOpsOf, reductionCells, type DartsSpace } from './search-space';
import type { PrimitiveName } from './primitives-contract';

/** The candidate ops counted on edge `e` of a normal or reduction cell (default: all the edge has). */
export type EdgeOps = (space: DartsSpace, reduction: boolean, e: number) => readonly PrimitiveName[];
/** Every op the supernet builds on the edge: the space's ops, or the edge's own list (`edgeOps`). */
export const allOps: EdgeOps = edgeOpsOf;

/**
 * Trainable parameters of the DARTS search supernet (weights only, not α), computed from the space
 * alone so the wizard can show it without building the network. Mirrors the reference model_search:
 * search-time BatchNorms have no affine parameters except the stem's.
 */
export function countSupernetParams(
  space: DartsSpace,
  inChannels: number,
  numClasses: number,
  pick: EdgeOps = allOps,
): number {
  const { channels: C0, cells, nodes, stemMultiplier } = space;
  const Cstem = stemMultiplier * C0;
  let params = 3 * 3 * inChannels * Cstem + 2 * Cstem; // stem conv (no bias) + affine BN
  const reductions = new Set(reductionCells(cells));
  let [Cpp, Cp, C] = [Cstem, Cstem, C0];
  const opParams = (op: PrimitiveName, Cc: number, strided: boolean): number => {
    const k = op.endsWith('5x5') ? 5 : 3;
    if (op.startsWith('sep_conv')) return 2 * (k * k * Cc + Cc * Cc);
    if (op.startsWith('dil_conv')) return k * k * Cc + Cc * Cc;
    // A strided skip is a FactorizedReduce: two 1x1 convs to C/2 channels each.
    if (op === 'skip_connect' && strided) return Cc * Cc;
    return 0;
  };
  for (let i = 0; i < cells; i++) {
    const reduction = reductions.has(i);
    if (reduction) C *= 2;
    // preprocess0/1: a 1x1 conv, or a FactorizedReduce (same count) after a reduction cell.
    params += Cpp * C + Cp * C;
    let e = 0;
    for (let n = 0; n < nodes; n++)
      for (let j = 0; j < n + 2; j++, e++)
        for (const op of pick(space, reduction, e)) params += opParams(op, C, reduction && j < 2);
    [Cpp, Cp] = [Cp, nodes * C];
  }
  return params + Cp * numClasses + numClasses;
}
