import { FactorizedReduce, ReLUConvBN, type Module } from '../../nn';
import type { Rng } from '../../util/rng';

/**
 * The two input adapters of a DARTS cell (search and evaluation alike): s1 through a 1x1 ReLU-Conv-BN
 * to C channels; s0 likewise, or through FactorizedReduce when the previous cell reduced (then s0 is
 * twice as large as s1).
 */
export function cellInputAdapters(
  Cpp: number,
  Cp: number,
  C: number,
  reductionPrev: boolean,
  affine: boolean,
  rng: Rng,
): [Module, Module] {
  const pre0 = reductionPrev
    ? new FactorizedReduce(Cpp, C, affine, rng)
    : new ReLUConvBN(Cpp, C, 1, 1, 0, affine, rng);
  return [pre0, new ReLUConvBN(Cp, C, 1, 1, 0, affine, rng)];
}
