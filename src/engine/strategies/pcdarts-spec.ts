import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/**
 * The config of PC-DARTS (Xu et al., ICLR 2020). Defaults from the reference, yuhuixu1993/PC-DARTS
 * train_search.py (CIFAR-10) and model_search.py.
 */
export const PcDartsSchema = z
  .object({
    name: z.literal('pcdarts'),
    ...weightTrainerFields({ source: 'reference', weightLr: 0.1 }),
    weightLrMin: z
      .number()
      .nonnegative()
      .default(0)
      .meta({ title: 'weights lr minimum', description: 'reference: 0 (--learning_rate_min)' }),
    partialGroups: z.number().int().min(1).max(16).default(4).meta({
      title: 'channel groups K',
      description:
        "reference: 4 on CIFAR (2 on ImageNet): each mixed op sees 1/K of the channels, the rest bypass it; the space's channels must divide by K",
    }),
    warmupEpochs: z.number().int().nonnegative().default(15).meta({
      title: 'warm-up epochs',
      description:
        'reference: 15 (hard-coded in train_search.py): only the weights train before α and β start to move',
    }),
    alphaLr: z
      .number()
      .positive()
      .default(6e-4)
      .meta({ title: 'α, β learning rate', description: 'reference: 6e-4 (Adam, --arch_learning_rate)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α, β Adam betas', description: 'reference: (0.5, 0.999)' }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α, β weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 as torch.optim.Adam)',
    }),
    alphaInitScale: z
      .number()
      .nonnegative()
      .default(1e-3)
      .meta({ title: 'α, β initial scale', description: 'reference: α and β ~ 1e-3·N(0, 1)' }),
    ...collapseAlarmFields(),
  })
  .strict();
export type PcDartsConfig = z.infer<typeof PcDartsSchema>;

export const pcdartsSpec = {
  name: 'pcdarts',
  title: 'PC-DARTS',
  description:
    "DARTS with partial channel connections: each mixed op runs on 1/K of the channels (the rest bypass it, then a channel shuffle), and edge normalisation weights each node's inputs by softmax(β); first order, α and β start after a warm-up.",
  reference:
    'Xu et al., PC-DARTS: Partial Channel Connections for Memory-Efficient Architecture Search (ICLR 2020); yuhuixu1993/PC-DARTS model_search.py, train_search.py, architect.py',
  schema: PcDartsSchema,
  spaces: ['darts'],
  summary: (c: PcDartsConfig) => `PC-DARTS (K=${c.partialGroups}, warm-up ${c.warmupEpochs} epochs)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (after the warm-up)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy (after the warm-up)', chart: 'accuracy' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'lrAlpha', title: 'α and β learning rate (after the warm-up)', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce']),
  ],
} satisfies StrategySpec<typeof PcDartsSchema>;
