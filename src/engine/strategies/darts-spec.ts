import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/**
 * The config of DARTS (Liu et al., ICLR 2019). Every default is the paper's (quark0/darts
 * cnn/train_search.py): the wizard shows each field's title and description as its label and why.
 */
export const DartsStrategySchema = z
  .object({
    name: z.literal('darts'),
    order: z.enum(['first', 'second']).default('first').meta({
      title: 'order',
      description:
        "first: α gradient at the current weights (fast); second: one-step unrolled weights, the paper's DARTS V2 (about twice the cost)",
    }),
    ...weightTrainerFields({ source: 'paper' }),
    alphaLr: z
      .number()
      .positive()
      .default(3e-4)
      .meta({ title: 'α learning rate', description: 'paper: 3e-4 (Adam)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α Adam betas', description: 'paper: (0.5, 0.999)' }),
    alphaWeightDecay: z
      .number()
      .nonnegative()
      .default(1e-3)
      .meta({ title: 'α weight decay', description: 'paper: 1e-3' }),
    alphaInitScale: z
      .number()
      .nonnegative()
      .default(1e-3)
      .meta({ title: 'α initial scale', description: 'paper: α ~ 1e-3·N(0, 1)' }),
    ...collapseAlarmFields(),
  })
  .strict();
export type DartsStrategyConfig = z.infer<typeof DartsStrategySchema>;

export const dartsSpec = {
  name: 'darts',
  title: 'DARTS',
  description:
    'Differentiable architecture search: every edge mixes all candidate ops by softmax(α); α and the weights are trained in alternation on the validation and training splits.',
  reference:
    'Liu et al., DARTS: Differentiable Architecture Search (ICLR 2019); quark0/darts cnn/architect.py, cnn/train_search.py',
  schema: DartsStrategySchema,
  spaces: ['darts', 'nb201'],
  summary: (c) => `DARTS (${c.order} order)`,
  metrics: [
    { key: 'trainLoss', title: 'train loss', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy', chart: 'accuracy' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'lrAlpha', title: 'α learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce', 'cell']),
  ],
} satisfies StrategySpec<typeof DartsStrategySchema>;
