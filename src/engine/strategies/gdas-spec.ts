import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/**
 * The config of GDAS (Dong & Yang, CVPR 2019). Defaults from the reference, D-X-Y/AutoDL-Projects
 * exps/NAS-Bench-201-algos/GDAS.py with scripts-search/NAS-Bench-201-algos/GDAS.sh and
 * configs/nas-benchmark/algos/GDAS.config (the NASNet-space search uses the same values, batch 256).
 */
export const GdasSchema = z
  .object({
    name: z.literal('gdas'),
    ...weightTrainerFields({ source: 'reference', weightDecay: 5e-4 }),
    alphaLr: z
      .number()
      .positive()
      .default(3e-4)
      .meta({ title: 'α learning rate', description: 'reference: 3e-4 (Adam, --arch_learning_rate)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α Adam betas', description: 'reference: (0.5, 0.999)' }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 as torch.optim.Adam)',
    }),
    alphaInitScale: z
      .number()
      .nonnegative()
      .default(1e-3)
      .meta({ title: 'α initial scale', description: 'reference: α ~ 1e-3·N(0, 1)' }),
    tauMax: z.number().positive().default(10).meta({
      title: 'τ at the first epoch',
      description:
        'reference: 10 (--tau_max); the Gumbel-softmax temperature falls linearly per epoch to τ min',
    }),
    tauMin: z
      .number()
      .positive()
      .default(0.1)
      .meta({ title: 'τ at the last epoch', description: 'reference: 0.1 (--tau_min)' }),
    unchosen: z.enum(['reference', 'constant', 'omit']).default('reference').meta({
      title: 'unchosen ops on an edge',
      description:
        "constant: the unchosen ops' straight-through weights are added to the edge's output as constants (value 0), so their α get gradient through them too (the reference's NAS-Bench-201 cell, AutoDL-Projects#36); omit: the edge outputs h[k]·op_k(x) only (the reference's NASNet/DARTS cell); reference: constant on NAS-Bench-201, omit on DARTS cells",
    }),
    ...collapseAlarmFields(),
  })
  .strict()
  .refine((c) => c.tauMin <= c.tauMax, { message: 'τ min must not exceed τ max', path: ['tauMin'] });
export type GdasConfig = z.infer<typeof GdasSchema>;

export const gdasSpec = {
  name: 'gdas',
  title: 'GDAS',
  description:
    'Gradient-based search with a differentiable sampler: every forward pass samples one op per edge by Gumbel-max over α, runs only that op, and passes a straight-through gradient back to α; the temperature falls linearly over the epochs.',
  reference:
    'Dong & Yang, Searching for A Robust Neural Architecture in Four GPU Hours (CVPR 2019); D-X-Y/AutoDL-Projects xautodl/models/cell_searchs/search_model_gdas.py, search_model_gdas_nasnet.py, search_cells.py, exps/NAS-Bench-201-algos/GDAS.py',
  schema: GdasSchema,
  spaces: ['darts', 'nb201'],
  summary: (c: GdasConfig) => `GDAS (τ ${c.tauMax} → ${c.tauMin})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (sampled path)', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (sampled path)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (sampled path)', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy (sampled path)', chart: 'accuracy' },
    { key: 'tau', title: 'Gumbel-softmax temperature τ', chart: 'tau' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'lrAlpha', title: 'α learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce', 'cell']),
  ],
} satisfies StrategySpec<typeof GdasSchema>;
