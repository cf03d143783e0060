import { AvgPool, DilConv, FactorizedReduce, Identity, MaxPool, SepConv, Zero } from '../../nn';
import type { PrimitiveFactory, PrimitiveName } from './primitives-contract';

export { DARTS_PRIMITIVES, type PrimitiveName, type PrimitiveFactory } from './primitives-contract';

/**
 * The DARTS candidate operations (reference operations.py semantics). Pools carry no BN here: the
 * search supernet's MixedOp appends a non-affine BN after them, as the reference does.
 */
export const PRIMITIVES: Record<PrimitiveName, PrimitiveFactory> = {
  none: (_C, stride) => new Zero(stride),
  max_pool_3x3: (_C, stride) => new MaxPool(3, stride, 1),
  avg_pool_3x3: (_C, stride) => new AvgPool(3, stride, 1),
  skip_connect: (C, stride, affine, rng) =>
    stride === 1 ? new Identity() : new FactorizedReduce(C, C, affine, rng),
  sep_conv_3x3: (C, stride, affine, rng) => new SepConv(C, C, 3, stride, 1, affine, rng),
  sep_conv_5x5: (C, stride, affine, rng) => new SepConv(C, C, 5, stride, 2, affine, rng),
  dil_conv_3x3: (C, stride, affine, rng) => new DilConv(C, C, 3, stride, 2, 2, affine, rng),
  dil_conv_5x5: (C, stride, affine, rng) => new DilConv(C, C, 5, stride, 4, 2, affine, rng),
};
