import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { costLimitFields, evolutionFields, refineEvolution } from './evolution-fields';

/**
 * RLNAS, Neural Architecture Search with Random Labels (Zhang et al., CVPR 2021;
 * megvii-model/RLNAS). The supernet is trained as SPOS's, one uniform path per batch, on labels drawn
 * uniformly per image (data.labels "random", required); the evolutionary search is SPOS's, with the
 * angle between a candidate's initial and trained weight vectors as its fitness: no labels at all.
 * Evolution defaults: the reference's DARTS search (population 50, top 10, 25 + 25, p 0.1, 20
 * generations); its NB201 search uses population 100, top 30, 50 + 50 (examples/rlnas-nb201.json).
 */
export const RlnasSchema = z
  .object({
    name: z.literal('rlnas'),
    ...weightTrainerFields({
      source: 'RLNAS (NB201: lr 0.025 cosine to 0.001, wd 5e-4, batch 64, 250 epochs; DARTS: clip 5)',
      weightDecay: 5e-4,
    }),
    ...evolutionFields({ source: 'RLNAS DARTS search (NB201: population 100, top 30, 50 + 50)' }),
    ...costLimitFields({
      flops:
        'RLNAS: none on CIFAR; 475 M on its MobileNet space at 224×224 (mobilenet_search_space evolution_search/config.py max_flops)',
    }),
  })
  .strict()
  .superRefine(refineEvolution);
export type RlnasConfig = z.infer<typeof RlnasSchema>;

export const rlnasSpec = {
  name: 'rlnas',
  title: 'RLNAS (random labels + angle)',
  description:
    'Trains the supernet one uniformly sampled path per batch on random labels, then evolves architectures ranked by the angle between their initial and trained weight vectors (larger is better): no real label is used anywhere. Requires data.labels "random".',
  reference:
    'Zhang et al., Neural Architecture Search with Random Labels (CVPR 2021); megvii-model/RLNAS nas_bench_201/exps/algos/weight_angle.py, rlnas_evolution_search_with_angle.py, darts_search_space/cifar10/rlnas/evolution_search/test_server.py, search.py; mobilenet_search_space/rlnas/evolution_search/test_server.py',
  schema: RlnasSchema,
  spaces: ['darts', 'mobilenet', 'nb201'],
  labels: 'random',
  summary: (c: RlnasConfig) =>
    `RLNAS (population ${c.population}, ${c.generations} generations, angle metric${c.maxMFlops !== undefined ? `, ≤ ${c.maxMFlops} MFLOPs` : ''}${c.maxMParams !== undefined ? `, ≤ ${c.maxMParams} M params` : ''})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss on random labels (sampled path)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy on random labels (sampled path)', chart: 'accuracy' },
    { key: 'score', title: 'candidate angle (radians)', chart: 'score' },
    { key: 'bestScore', title: 'largest angle so far', chart: 'score' },
    { key: 'topKMean', title: 'mean angle of the top-k', chart: 'score' },
    { key: 'mflops', title: 'candidate FLOPs (M)', chart: 'cost' },
    { key: 'mparams', title: 'candidate parameters (M)', chart: 'cost' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
  ],
  cpuPreset: { population: 8, generations: 3, topK: 3, mutants: 3, crossovers: 3 },
} satisfies StrategySpec<typeof RlnasSchema>;
