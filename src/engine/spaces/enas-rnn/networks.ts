import type { SpaceNetworks } from '../../search/supernet';
import type { EnasRnnArch } from './arch';
import { EnasRnnModel } from './model';
import type { EnasRnnSearchSpace } from './space';

/**
 * The enas-rnn space's supernet (every connection i < j) and final network (a language model of one
 * cell, only its connections). The vocabulary is the data's `classes`. The final network takes no
 * options: its sizes are the space's (ENAS-pytorch retrains the derived cell at the search's sizes).
 */
export const enasRnnNetworks: SpaceNetworks<EnasRnnArch> = {
  supernet: (space, shape, rng) => new EnasRnnModel((space as EnasRnnSearchSpace).config, shape.classes, rng),
  buildFinal: (space, arch, shape, rng, options) => {
    if (options !== undefined && Object.keys(options as object).length)
      throw new Error(
        `the enas-rnn final network takes no options (got ${JSON.stringify(options)}); set sizes in the space`,
      );
    const s = space as EnasRnnSearchSpace;
    s.choices(arch);
    return new EnasRnnModel(s.config, shape.classes, rng, arch);
  },
};
