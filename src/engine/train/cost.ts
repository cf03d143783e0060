import { spaceOf } from '../catalog';
import { SpaceSchema } from '../search/config';
import type { InputShape } from '../search/space';
import type { TrainConfig } from './train-config';

/**
 * Multiply-adds of one image through the trained network (a language model: of one token). The spaces' cost models count an
 * architecture inside their own skeleton, so the skeleton is set to the final network's size first
 * (DARTS: cells and channels of the evaluation network; NB201: channels and cells per stage).
 */
export function finalNetworkFlops(config: TrainConfig, arch: unknown, shape: InputShape): number {
  const n = config.network as Record<string, number | boolean | undefined>;
  let skeleton: unknown = config.space;
  if (config.space.name === 'darts')
    skeleton = {
      ...config.space,
      ...(n.layers !== undefined ? { cells: n.layers } : {}),
      ...(n.channels !== undefined ? { channels: n.channels } : {}),
      ...(n.stemMultiplier !== undefined ? { stemMultiplier: n.stemMultiplier } : {}),
    };
  else if (config.space.name === 'nb201')
    skeleton = {
      ...config.space,
      ...(n.channels !== undefined ? { channels: n.channels } : {}),
      ...(n.cellsPerStage !== undefined ? { cellsPerStage: n.cellsPerStage } : {}),
    };
  else if (config.space.name === 'enas-rnn' && n.hidden !== undefined)
    // A language model: multiply-adds per token, at the trained hidden size (shape.classes = vocabulary).
    skeleton = { ...config.space, hidden: n.hidden };
  return spaceOf(SpaceSchema.parse(skeleton)).cost.archFlops(arch, shape);
}
