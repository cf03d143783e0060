import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { lmTrainerFields } from '../train/lm-fields';

/**
 * Random search with weight sharing (Li & Talwalkar, UAI 2019). Defaults from the reference
 * (liamcli/randomNAS_release: searchers/random_weight_share.py, benchmarks/cnn/darts/darts_wrapper_discrete.py).
 */
export const RandomSearchSchema = z
  .object({
    name: z.literal('random-search'),
    // The reference's gradient clip is 0.25 (random_weight_share.py's default), over the sampled path's weights.
    ...weightTrainerFields({ source: 'reference', gradClip: 0.25 }),
    // A language-model space (enas-rnn) trains with ENAS-pytorch's shared SGD instead.
    ...lmTrainerFields(),
    candidates: z.number().int().min(1).max(100_000).default(1000).meta({
      title: 'candidates sampled',
      description:
        'reference: 1000 architectures sampled after the supernet is trained, each scored with inherited weights',
    }),
    scoreBatches: z.number().int().min(1).default(10).meta({
      title: 'batches per candidate',
      description: 'reference: 10 validation batches score each sampled candidate',
    }),
    rescoreTop: z.number().int().min(1).default(10).meta({
      title: 'candidates re-scored',
      description:
        'reference: the best 10 are re-scored on as many validation batches as the split has; the best of those is the answer',
    }),
    batchNorm: z.enum(['running', 'batch']).default('running').meta({
      title: 'BatchNorm when scoring',
      description:
        "running: the supernet's running statistics (the reference's model.eval()); batch: each batch's own statistics, running ones left untouched",
    }),
  })
  .strict();
export type RandomSearchConfig = z.infer<typeof RandomSearchSchema>;

export const randomSearchSpec = {
  name: 'random-search',
  title: 'Random search (weight sharing)',
  description:
    'Trains the supernet one uniformly sampled architecture per batch, then samples candidates, scores each with the inherited weights on a few validation batches, re-scores the best on the validation split and returns the winner.',
  reference:
    'Li & Talwalkar, Random Search and Reproducibility for NAS (UAI 2019); liamcli/randomNAS_release searchers/random_weight_share.py, benchmarks/cnn/darts/darts_wrapper_discrete.py',
  schema: RandomSearchSchema,
  spaces: ['darts', 'nb201', 'mobilenet', 'enas-rnn'],
  summary: (c: RandomSearchConfig) =>
    `Random search (${c.candidates} candidates, top ${c.rescoreTop} re-scored)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled path)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled path)', chart: 'accuracy' },
    {
      key: 'score',
      title: 'candidate score (validation accuracy; language models: 80/perplexity)',
      chart: 'score',
    },
    { key: 'bestScore', title: 'best score so far', chart: 'score' },
    { key: 'valLoss', title: 'candidate validation loss', chart: 'loss' },
    { key: 'trainPpl', title: 'train perplexity (language models, window)', chart: 'perplexity' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
  ],
  cpuPreset: { candidates: 40, scoreBatches: 2, rescoreTop: 3 },
} satisfies StrategySpec<typeof RandomSearchSchema>;
