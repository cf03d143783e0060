import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/**
 * The config of NASP (Yao et al., AAAI 2020). Defaults from the reference, AutoML-4Paradigm/NASP
 * codes/train_search.py (its argparse defaults), codes/architect.py and codes/model_search.py.
 */
export const NaspSchema = z
  .object({
    name: z.literal('nasp'),
    ...weightTrainerFields({ source: 'reference' }),
    alphaLr: z.number().positive().default(3e-4).meta({
      title: 'α learning rate',
      description: 'reference: 3e-4 (Adam, --arch_learning_rate), applied to the continuous α',
    }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α Adam betas', description: 'reference: (0.5, 0.999) (architect.py)' }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 on the continuous α as torch.optim.Adam)',
    }),
    alphaInit: z.number().min(0).max(1).default(0.5).meta({
      title: 'α initial value',
      description:
        "reference: 0.5 for every entry (torch.ones/2); α stays in [0, 1], clipped after each α step. All entries tie at the start, so the first discrete architecture takes each edge's first candidate op and each node's first two inputs",
    }),
    sizePenalty: z.number().nonnegative().default(0).meta({
      title: 'parameter-size penalty',
      description:
        "reference: 0 (--l2, off). When positive, the α step's loss adds sizePenalty·Σ α²·(params of the op / params of the row's ops) at the discrete α, steering the search towards smaller ops",
    }),
    derive: z.enum(['softmax', 'proximal']).default('softmax').meta({
      title: 'final architecture',
      description:
        "softmax: the reference's genotype(): the space's rule on softmax(α) (DARTS: top-2 inputs per node by their strongest op's softmax weight); proximal: the discrete architecture the weights were last trained on (the same rule on α itself, as the paper's algorithm returns)",
    }),
    ...collapseAlarmFields(),
  })
  .strict();
export type NaspConfig = z.infer<typeof NaspSchema>;

export const naspSpec = {
  name: 'nasp',
  title: 'NASP',
  description:
    'Differentiable search with proximal iterations: α in [0, 1] is projected onto a discrete architecture (one op per edge, two inputs per node) before every forward pass; the weights are trained on that network alone, and α takes the gradient at the discrete point.',
  reference:
    'Yao et al., Efficient Neural Architecture Search via Proximal Iterations (AAAI 2020); AutoML-4Paradigm/NASP codes/model_search.py, codes/architect.py, codes/train_search.py',
  schema: NaspSchema,
  spaces: ['darts', 'nb201'],
  summary: (c: NaspConfig) => `NASP${c.sizePenalty > 0 ? ` (size penalty ${c.sizePenalty})` : ''}`,
  metrics: [
    { key: 'trainLoss', title: 'train loss (discrete network)', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (discrete α)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy (discrete network)', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy (discrete α)', chart: 'accuracy' },
    { key: 'sizePenalty', title: 'parameter-size penalty', chart: 'loss' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'lrAlpha', title: 'α learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce', 'cell']),
  ],
} satisfies StrategySpec<typeof NaspSchema>;
