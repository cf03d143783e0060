import type { SpaceNetworks } from '../../search/supernet';
import { EvalNetwork, type EvalNetworkConfigInput } from './eval-network';
import type { Genotype } from './genotype-types';
import type { DartsSearchSpace } from './space';
import { SearchNetwork } from './supernet';

/** The DARTS space's supernet (reference model_search.Network) and evaluation network (model.NetworkCIFAR). */
export const dartsNetworks: SpaceNetworks<Genotype> = {
  supernet: (space, shape, rng) =>
    new SearchNetwork((space as DartsSearchSpace).config, shape.channels, shape.classes, rng),
  buildFinal: (_space, arch, shape, rng, options) =>
    new EvalNetwork(
      arch,
      { ...(options as EvalNetworkConfigInput), inChannels: shape.channels, numClasses: shape.classes },
      rng,
    ),
};
