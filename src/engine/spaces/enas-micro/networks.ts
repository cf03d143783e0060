import type { SpaceNetworks } from '../../search/supernet';
import type { EnasMicroArch } from './arch';
import { EnasMicroFinalOptionsSchema, EnasMicroNetwork } from './final-network';
import type { EnasMicroSearchSpace } from './space';
import { EnasMicroSupernet } from './supernet';

/** The micro space's shared search network and the fixed-architecture network (micro_child.py). */
export const enasMicroNetworks: SpaceNetworks<EnasMicroArch> = {
  supernet: (space, shape, rng) => new EnasMicroSupernet((space as EnasMicroSearchSpace).config, shape, rng),
  buildFinal: (space, arch, shape, rng, options) => {
    const s = space as EnasMicroSearchSpace;
    s.choices(arch);
    const parsed = EnasMicroFinalOptionsSchema.safeParse(options ?? {});
    if (!parsed.success)
      throw new Error(
        `bad ENAS micro final-network options: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ')}`,
      );
    const { channels = s.config.channels, layers = s.config.layers } = parsed.data;
    return new EnasMicroNetwork(arch, channels, layers, shape.channels, shape.classes, rng);
  },
};
