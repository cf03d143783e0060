import { z } from 'zod';
import { scoringFields } from '../search/scoring-fields';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';

/**
 * Regularized (aging) evolution (Real et al., AAAI 2019) over a weight-sharing supernet. Evolution
 * defaults from D-X-Y/AutoDL-Projects exps/NAS-Bench-201-algos/R_EA.py with
 * scripts-search/NAS-Bench-201-algos/R-EA.sh (population 10, tournament 3, 200 cycles); the paper's
 * own values are population 100 and tournament 25. The reference scores with the benchmark's table;
 * here candidates are scored with SPOS's supernet and scorer.
 */
export const RegularizedEvolutionSchema = z
  .object({
    name: z.literal('regularized-evolution'),
    ...weightTrainerFields({ source: 'as the DARTS search (SPOS supernet training)' }),
    population: z.number().int().min(2).default(10).meta({
      title: 'population',
      description: 'AutoDL R_EA: 10 (the paper: 100); the oldest member leaves when a child joins',
    }),
    sampleSize: z.number().int().min(1).default(3).meta({
      title: 'tournament size',
      description:
        'AutoDL R_EA: 3 (the paper: 25); the best of this many members, drawn with replacement, is the parent',
    }),
    cycles: z.number().int().min(1).default(200).meta({
      title: 'cycles (architectures scored)',
      description:
        'AutoDL R_EA: 200, the whole history including the initial random population; one scored per step',
    }),
    ...scoringFields({ source: 'as SPOS' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.cycles < c.population)
      ctx.addIssue({
        code: 'custom',
        path: ['cycles'],
        message: `cycles (${c.cycles}) must be at least the population (${c.population}): the initial population is part of them`,
      });
  });
export type RegularizedEvolutionConfig = z.infer<typeof RegularizedEvolutionSchema>;

export const regularizedEvolutionSpec = {
  name: 'regularized-evolution',
  title: 'Regularized evolution (aging)',
  description:
    'Trains the supernet one uniformly sampled path per batch, then evolves a population: the best of a random tournament is mutated in one decision, the child joins and the oldest member leaves; candidates are scored with the inherited weights; returns the best architecture in the whole history.',
  reference:
    'Real et al., Regularized Evolution for Image Classifier Architecture Search (AAAI 2019); D-X-Y/AutoDL-Projects exps/NAS-Bench-201-algos/R_EA.py; scoring as SPOS, megvii-model/SinglePathOneShot src/Search/tester.py',
  schema: RegularizedEvolutionSchema,
  spaces: ['darts', 'nb201', 'mobilenet'],
  summary: (c: RegularizedEvolutionConfig) =>
    `Regularized evolution (population ${c.population}, tournament ${c.sampleSize}, ${c.cycles} cycles)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled path)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled path)', chart: 'accuracy' },
    { key: 'score', title: 'candidate score (validation accuracy)', chart: 'score' },
    { key: 'bestScore', title: 'best score in the history', chart: 'score' },
    { key: 'populationBest', title: 'best score in the population', chart: 'score' },
    { key: 'populationMean', title: 'mean score of the population', chart: 'score' },
    { key: 'valLoss', title: 'candidate validation loss', chart: 'loss' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
  ],
  cpuPreset: { population: 6, sampleSize: 2, cycles: 24, scoreBatches: 2, recalibrationBatches: 4 },
} satisfies StrategySpec<typeof RegularizedEvolutionSchema>;
