import { z } from 'zod';
import type { StrategySpec } from '../search/strategy';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';

/** How a cell is read off σ(α): the reference's `--parse_method` values that fit one op per edge. */
export const FAIRDARTS_PARSE_METHODS = ['threshold_sparse', 'darts'] as const;
export type FairDartsParseMethod = (typeof FAIRDARTS_PARSE_METHODS)[number];

/**
 * The config of FairDARTS (Chu et al., ECCV 2020). Defaults from the reference, xiaomi-automl/FairDARTS
 * fairdarts/train_search.py (CIFAR-10 search) and architect.py.
 */
export const FairDartsSchema = z
  .object({
    name: z.literal('fairdarts'),
    order: z.enum(['first', 'second']).default('first').meta({
      title: 'order',
      description:
        "reference: first (architect.step takes the α gradient at the current weights); second: DARTS' one-step unrolled gradient plus the zero-one term, not in the reference",
    }),
    ...weightTrainerFields({ source: 'reference', weightLr: 0.005 }),
    zeroOneWeight: z.number().nonnegative().default(10).meta({
      title: 'zero-one loss weight w₀₁',
      description:
        'reference: 10 (--aux_loss_weight), constant: the α loss is L_val + w₀₁·L₀₁ with L₀₁ = −mean((σ(α) − 0.5)²), pushing every σ(α) towards 0 or 1; 0 turns it off',
    }),
    zeroOneLoss: z.enum(['l2', 'l1']).default('l2').meta({
      title: 'zero-one loss',
      description:
        'reference: l2 (--sep_loss; ConvSeparateLoss, −mean((σ − 0.5)²)); l1: TriSeparateLoss, −mean(|σ − 0.5|)',
    }),
    parseMethod: z.enum(FAIRDARTS_PARSE_METHODS).default('threshold_sparse').meta({
      title: 'derivation',
      description:
        "reference: threshold_sparse (--parse_method): per node the two edges with the largest σ, each kept only if its best op's σ ≥ the threshold, so nodes may keep fewer inputs; darts: those two edges always (the DARTS rule on σ)",
    }),
    threshold: z.number().min(0).max(1).default(0.85).meta({
      title: 'σ threshold',
      description:
        'reference: 0.85 (--op_threshold): an edge survives threshold_sparse only if its best op reaches it',
    }),
    alphaLr: z
      .number()
      .positive()
      .default(3e-3)
      .meta({ title: 'α learning rate', description: 'reference: 3e-3 (Adam, --arch_learning_rate)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.9, 0.999])
      .meta({
        title: 'α Adam betas',
        description:
          "reference: (0.9, 0.999) (architect.py: (--arch_lr_gamma, 0.999)), not DARTS' (0.5, 0.999)",
      }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 as torch.optim.Adam)',
    }),
    alphaInitScale: z.number().nonnegative().default(0).meta({
      title: 'α initial scale',
      description: 'reference: 0, α starts at zeros (σ = 0.5 everywhere); > 0 draws scale·N(0, 1) as DARTS',
    }),
    ...collapseAlarmFields(),
  })
  .strict();
export type FairDartsConfig = z.infer<typeof FairDartsSchema>;

export const fairdartsSpec = {
  name: 'fairdarts',
  title: 'FairDARTS',
  description:
    "DARTS with σ(α) instead of softmax: every op of an edge has its own independent weight, so ops no longer compete (skip connections lose their unfair advantage); a zero-one loss pushes each σ towards 0 or 1, and the cell keeps the edges whose σ passes a threshold. Needs a DARTS space without 'none'.",
  reference:
    'Chu et al., Fair DARTS: Eliminating Unfair Advantages in Differentiable Architecture Search (ECCV 2020); xiaomi-automl/FairDARTS fairdarts/model_search.py, architect.py, separate_loss.py, train_search.py, utils.py (parse)',
  schema: FairDartsSchema,
  spaces: ['darts'],
  // Under σ(α) 'none' adds nothing to an edge and its σ stays 0.5, diluting the zero-one loss; the
  // reference searches the other 7 ops.
  spaceRequirement: (space: { name: string } & Record<string, unknown>) => {
    const ops = space.ops;
    return Array.isArray(ops) && ops.includes('none')
      ? {
          patch: { ops: ops.filter((o) => o !== 'none') },
          why: "FairDARTS searches without 'none' (under σ(α) it adds nothing and its σ stays 0.5): remove 'none' from space.ops, as the reference's 7 ops",
        }
      : null;
  },
  summary: (c: FairDartsConfig) =>
    `FairDARTS (${c.order} order, w₀₁ ${c.zeroOneWeight}, ${c.parseMethod === 'darts' ? 'top-2' : `σ ≥ ${c.threshold}`})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (cross-entropy)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy', chart: 'accuracy' },
    { key: 'zeroOneLoss', title: 'zero-one loss L₀₁ (unweighted)', chart: 'zeroOne' },
    { key: 'keptEdgesNormal', title: 'normal cell: edges at or above the threshold', chart: 'edges' },
    { key: 'keptEdgesReduce', title: 'reduction cell: edges at or above the threshold', chart: 'edges' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'lrAlpha', title: 'α learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    ...collapseMetrics(['normal', 'reduce', 'cell']),
  ],
} satisfies StrategySpec<typeof FairDartsSchema>;
