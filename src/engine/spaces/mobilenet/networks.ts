import type { SpaceNetworks } from '../../search/supernet';
import type { MobileNetArch } from './arch';
import { MobileNetNetwork } from './final-network';
import type { MobileNetSearchSpace } from './space';
import { MobileNetSupernet } from './supernet';

/**
 * The MobileNet space's supernet (SuperProxylessNASNets) and final network (ProxylessNASNets). The
 * final network is the space's own layout: buildFinal takes no options (an object with keys is refused).
 */
export const mobileNetNetworks: SpaceNetworks<MobileNetArch> = {
  supernet: (space, shape, rng) => new MobileNetSupernet(space as MobileNetSearchSpace, shape, rng),
  buildFinal: (space, arch, shape, rng, options) => {
    const keys = options && typeof options === 'object' ? Object.keys(options) : [];
    if (keys.length)
      throw new Error(
        `the mobilenet final network takes no options (it is built at the space's own layout), got ${keys.map((k) => `'${k}'`).join(', ')}`,
      );
    return new MobileNetNetwork(space as MobileNetSearchSpace, arch, shape.channels, shape.classes, rng);
  },
};
