import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/**
 * The config of SNAS (Xie et al., ICLR 2019). Defaults from the reference, SNAS-Series/SNAS-Series
 * SNAS/train_search.py (argparse defaults and the README's search command), model_search.py, utils.py.
 */
export const SnasSchema = z
  .object({
    name: z.literal('snas'),
    ...weightTrainerFields({ source: 'reference' }),
    alphaOptimizer: z.enum(['adam', 'sgd']).default('adam').meta({
      title: 'α optimiser',
      description:
        'reference: Adam with betas (0.5, 0.999) and weight decay in its distributed search (train_search.py init_optimizer); its single-GPU branch uses plain SGD at the α learning rate, without decay or momentum (the betas and decay are then unused)',
    }),
    alphaLr: z
      .number()
      .positive()
      .default(3e-4)
      .meta({ title: 'α learning rate', description: 'reference: 3e-4 (--arch_learning_rate)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α Adam betas', description: 'reference: (0.5, 0.999)' }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 as torch.optim.Adam; Adam only)',
    }),
    alphaGradClip: z.number().positive().default(10).meta({
      title: 'α gradient clip',
      description: "reference: 10 (global norm over both cells' α, hard-coded in train_search.py)",
    }),
    alphaInitMean: z.number().default(1).meta({
      title: 'α initial mean',
      description: 'reference: 1 (--loc_mean); α ~ N(mean, std²)',
    }),
    alphaInitStd: z
      .number()
      .nonnegative()
      .default(0.01)
      .meta({ title: 'α initial std', description: 'reference: 0.01 (--loc_std)' }),
    temperature: z.number().positive().default(1).meta({
      title: 'initial temperature',
      description: 'reference: 1 (--temp); the relaxed mask is softmax((α + Gumbel noise)/τ)',
    }),
    temperatureMin: z.number().positive().default(0.03).meta({
      title: 'final temperature',
      description: 'reference: 0.03 (--temp_min), reached at the last epoch',
    }),
    temperatureAnnealing: z.boolean().default(true).meta({
      title: 'anneal the temperature',
      description:
        'reference README: on (--temp_annealing): τ falls linearly per epoch from the initial to the final temperature; off keeps the initial one (the argparse default)',
    }),
    resource: z.enum(['off', 'reparametrization', 'discrete', 'policy_gradient']).default('off').meta({
      title: 'resource penalty',
      description:
        "reference: off unless --resource_efficient; the README's search uses reparametrization (the cost under the relaxed mask Z, differentiable through Z); discrete: the expected cost under softmax(α); policy_gradient (the argparse default method): log p(Z)·cost, the cost held constant (score function of the concrete density)",
    }),
    resourceTerm: z.enum(['all', 'flops', 'size', 'mac']).default('all').meta({
      title: 'resource measure',
      description:
        "reference: all (--separation): the mean of the three logs, or 0.43·(2·size + FLOPs/4000 + MAC/100) without the log; flops: multiply-adds, size: parameters, mac: memory access cost, each per edge from the reference's op formulas",
    }),
    resourceLog: z.boolean().default(true).meta({
      title: 'log of the cost',
      description:
        "reference README: on (--log_penalty): each edge's cost enters as log(cost) (0 where the cost is below 1)",
    }),
    resourceLambda: z.number().nonnegative().optional().meta({
      title: 'resource λ',
      description:
        "reference README: 1.5e-3 (reparametrization, log). Unset: the code's per-method default — reparametrization 1e-2 with log, 1e-5 without; discrete 1e-2 / 1e-4; policy_gradient 1e-4 / 1e-5",
    }),
    resourceReduceRatio: z.number().nonnegative().default(1).meta({
      title: 'reduction-cell λ ratio',
      description: "reference: 1 (--ratio): the reduction cells' penalty is weighted by it",
    }),
    derivation: z.enum(['edge_all', 'top2', 'top2_reference']).default('edge_all').meta({
      title: 'derivation',
      description:
        "DARTS cells. reference: edge_all (genotype_edge_all): every edge keeps its argmax op, none allowed, and an edge whose argmax is none is dropped, so a node has 0 to all inputs; top2: DARTS's rule (two inputs per node, none excluded); top2_reference: the reference's genotype(): the two edges with the largest weight, none included in ranking and argmax (a none edge is then dropped)",
    }),
    validate: z.boolean().default(true).meta({
      title: 'validation batch per step',
      description:
        'reference: the validation split is only monitored (infer() once per epoch with a new sample, running BatchNorm statistics); on: each step also evaluates one validation batch (no gradient); off: the step uses training batches only',
    }),
    ...collapseAlarmFields(),
  })
  .strict()
  .refine((c) => c.temperatureMin <= c.temperature, {
    message: 'the final temperature must not exceed the initial one',
    path: ['temperatureMin'],
  });
export type SnasConfig = z.infer<typeof SnasSchema>;

export const snasSpec = {
  name: 'snas',
  title: 'SNAS',
  description:
    'Stochastic NAS: every edge mixes its ops by a relaxed Gumbel-softmax sample of α (no straight-through); one loss on the training batch — cross-entropy plus an optional resource penalty — trains the weights (SGD) and α (Adam) together; the temperature falls linearly per epoch.',
  reference:
    'Xie et al., SNAS: Stochastic Neural Architecture Search (ICLR 2019); SNAS-Series/SNAS-Series SNAS/model_search.py, SNAS/train_search.py, SNAS/operations.py, SNAS/utils.py',
  schema: SnasSchema,
  spaces: ['darts', 'nb201'],
  summary: (c: SnasConfig) =>
    `SNAS (τ ${c.temperature}${c.temperatureAnnealing ? ` → ${c.temperatureMin}` : ''}${c.resource === 'off' ? '' : `, ${c.resource} ${c.resourceTerm} penalty`})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (relaxed sample)', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (relaxed sample)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (relaxed sample)', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy (relaxed sample)', chart: 'accuracy' },
    { key: 'resourceLoss', title: 'resource penalty λ·R', chart: 'loss' },
    { key: 'tau', title: 'Gumbel-softmax temperature τ', chart: 'tau' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    { key: 'alphaGradNorm', title: 'α gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce', 'cell']),
  ],
} satisfies StrategySpec<typeof SnasSchema>;
