import type { SpaceNetworks } from '../../search/supernet';
import type { Nb201Arch } from './arch';
import { Nb201FinalOptionsSchema, Nb201Network } from './final-network';
import type { Nb201SearchSpace } from './space';
import { Nb201Supernet } from './supernet';

/** The NB201 space's supernet (TinyNetworkDarts and siblings) and final network (TinyNetwork). */
export const nb201Networks: SpaceNetworks<Nb201Arch> = {
  supernet: (space, shape, rng) => new Nb201Supernet((space as Nb201SearchSpace).config, shape, rng),
  buildFinal: (space, arch, shape, rng, options) => {
    const s = space as Nb201SearchSpace;
    s.choices(arch); // validates the architecture against the space's ops
    const parsed = Nb201FinalOptionsSchema.safeParse(options ?? {});
    if (!parsed.success)
      throw new Error(
        `bad NB201 final-network options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`,
      );
    const { channels = s.config.channels, cellsPerStage = s.config.cellsPerStage } = parsed.data;
    return new Nb201Network(
      arch,
      { channels, cellsPerStage, inChannels: shape.channels, numClasses: shape.classes },
      rng,
    );
  },
};
