import type { SpaceNetworks } from '../../search/supernet';
import type { EnasRnnArch } from './arch';
import { EnasRnnFinalOptionsSchema } from './final-options';
import { EnasRnnModel } from './model';
import type { EnasRnnSearchSpace } from './space';

/**
 * The enas-rnn space's supernet (every connection i < j) and final network (a language model of one
 * cell, only its connections). The vocabulary is the data's `classes`. The final network's options
 * (final-options.ts: hidden size, dropouts, init range) override the space's values: the reference
 * retrains the found cell at its own sizes (a training run's recipe sets them); without options it
 * is the search's size.
 */
export const enasRnnNetworks: SpaceNetworks<EnasRnnArch> = {
  supernet: (space, shape, rng) => new EnasRnnModel((space as EnasRnnSearchSpace).config, shape.classes, rng),
  buildFinal: (space, arch, shape, rng, options) => {
    const parsed = EnasRnnFinalOptionsSchema.safeParse(options ?? {});
    if (!parsed.success)
      throw new Error(
        `the enas-rnn final network's options ${JSON.stringify(options)}: ${parsed.error.issues
          .map((i) => `${i.path.join('.') || 'options'}: ${i.message}`)
          .join('; ')} (it takes ${Object.keys(EnasRnnFinalOptionsSchema.shape).join(', ')})`,
      );
    const s = space as EnasRnnSearchSpace;
    s.choices(arch);
    return new EnasRnnModel({ ...s.config, ...parsed.data }, shape.classes, rng, arch);
  },
};
