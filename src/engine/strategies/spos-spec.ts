import { z } from 'zod';
import { scoringFields } from '../search/scoring-fields';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { costLimitFields, evolutionFields, refineEvolution } from './evolution-fields';

const millions = (title: string, description: string) =>
  z.number().positive().optional().meta({ title, description });

/**
 * Single Path One-Shot NAS with uniform sampling (Guo et al., ECCV 2020). Evolution and scoring
 * defaults from the reference (megvii-model/SinglePathOneShot src/Search/search.py, tester.py); the
 * supernet's optimiser is the DARTS search's (the reference's ImageNet recipe — lr 0.5 linear to 0,
 * wd 4e-5, batch 1024, 150k iterations — is for its ShuffleNet space, not these).
 */
export const SposSchema = z
  .object({
    name: z.literal('spos'),
    ...weightTrainerFields({ source: 'as the DARTS search (SPOS trains ImageNet with 0.5 linear, wd 4e-5)' }),
    flopsBandMin: millions(
      'FLOPs band minimum (M)',
      'optional: phase 1 draws its paths within a FLOPs band, a bin chosen uniformly, then rejection sampling (SPOS: 290–360 M in 7 bins); millions of multiply-adds at the data’s image size',
    ),
    flopsBandMax: millions(
      'FLOPs band maximum (M)',
      'optional, with the minimum: the band’s upper end in millions of multiply-adds',
    ),
    flopsBins: z.number().int().min(1).default(7).meta({
      title: 'FLOPs bins',
      description: 'reference: 7 bins of 10 M between 290 and 360 M; each path first picks a bin uniformly',
    }),
    ...evolutionFields({ source: 'reference' }),
    ...costLimitFields({ flops: 'SPOS: 330 M' }),
    ...scoringFields({ source: 'reference' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    refineEvolution(c, ctx);
    if ((c.flopsBandMin === undefined) !== (c.flopsBandMax === undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['flopsBandMin'],
        message: 'a FLOPs band needs both its minimum and its maximum',
      });
    else if (
      c.flopsBandMin !== undefined &&
      c.flopsBandMax !== undefined &&
      !(c.flopsBandMin < c.flopsBandMax)
    )
      ctx.addIssue({
        code: 'custom',
        path: ['flopsBandMax'],
        message: `the FLOPs band's maximum (${c.flopsBandMax}) must exceed its minimum (${c.flopsBandMin})`,
      });
  });
export type SposConfig = z.infer<typeof SposSchema>;

export const sposSpec = {
  name: 'spos',
  title: 'SPOS (single path one-shot + evolution)',
  description:
    'Trains the supernet one uniformly sampled path per batch (optionally within a FLOPs band), then runs an evolutionary search over architectures scored with the inherited weights after BatchNorm recalibration, within optional FLOPs and parameter limits; returns the best architecture seen.',
  reference:
    'Guo et al., Single Path One-Shot NAS with Uniform Sampling (ECCV 2020); megvii-model/SinglePathOneShot src/Supernet/train.py, src/Search/search.py, src/Search/tester.py',
  schema: SposSchema,
  spaces: ['darts', 'nb201', 'mobilenet'],
  summary: (c: SposConfig) =>
    `SPOS (population ${c.population}, ${c.generations} generations${c.maxMFlops !== undefined ? `, ≤ ${c.maxMFlops} MFLOPs` : ''}${c.maxMParams !== undefined ? `, ≤ ${c.maxMParams} M params` : ''})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled path)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled path)', chart: 'accuracy' },
    { key: 'score', title: 'candidate score (validation accuracy)', chart: 'score' },
    { key: 'bestScore', title: 'best score so far', chart: 'score' },
    { key: 'topKMean', title: 'mean score of the top-k', chart: 'score' },
    { key: 'valLoss', title: 'candidate validation loss', chart: 'loss' },
    { key: 'mflops', title: 'candidate FLOPs (M)', chart: 'cost' },
    { key: 'mparams', title: 'candidate parameters (M)', chart: 'cost' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
  ],
  candidateLimits: { mflops: 'maxMFlops', mparams: 'maxMParams' },
  cpuPreset: {
    population: 8,
    generations: 3,
    topK: 3,
    mutants: 3,
    crossovers: 3,
    scoreBatches: 2,
    recalibrationBatches: 4,
  },
} satisfies StrategySpec<typeof SposSchema>;
