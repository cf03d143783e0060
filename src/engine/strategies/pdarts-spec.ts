import { z } from 'zod';
import type { StageTimelinePlan, StrategySpec } from '../search/strategy';
import { DartsSpaceSchema, edgeOpsOf } from '../spaces/darts/search-space';
import { weightTrainerFields } from '../train/weight-fields';
import { collapseAlarmFields, collapseMetrics } from './collapse-alarm-spec';
import { stageTimelineMetrics } from './stage-timeline-spec';

/** A number per stage (stage 1 first); the list's length must match `keepOps`. */
const perStage = (item: z.ZodNumber, dflt: number[], title: string, description: string) =>
  z.array(item).min(1).default(dflt).meta({ title, description });

/**
 * The config of P-DARTS (Chen et al., ICCV 2019). Defaults from the reference, chenxin061/pdarts
 * train_search.py, with the search command of its README (--add_layers 6 --add_layers 12,
 * --dropout_rate 0.1 0.4 0.7). The epochs of each stage are the run's `epochs` (reference 25).
 */
export const PdartsSchema = z
  .object({
    name: z.literal('pdarts'),
    ...weightTrainerFields({ source: 'reference' }),
    weightLrMin: z
      .number()
      .nonnegative()
      .default(0)
      .meta({ title: 'weights lr minimum', description: 'reference: 0 (--learning_rate_min)' }),
    keepOps: perStage(
      z.number().int().min(1),
      [5, 3, 1],
      'ops kept per edge after each stage',
      "reference: 5, 3, 1 (num_to_keep): 8 ops per edge in stage 1, 5 in stage 2, 3 in stage 3; at each stage's end an edge drops its weakest ops by softmax(α), and after the last one keeps a single op ('none' dropped first). One entry per stage, decreasing, the last 1",
    ),
    addLayers: perStage(
      z.number().int().min(0),
      [0, 6, 12],
      'cells added per stage',
      "reference README: 0, 6, 12 (--add_layers): stage s searches on the space's cells plus this many, 5 → 11 → 17 cells with the reference's 5; the first must be 0 (stage 1 is the space as configured)",
    ),
    addChannels: perStage(
      z.number().int().min(0),
      [0, 0, 0],
      'channels added per stage',
      "reference: 0, 0, 0 (--add_width): stage s widens the space's initial channels by this many; the first must be 0",
    ),
    skipDropout: perStage(
      z.number().min(0).lt(1),
      [0.1, 0.4, 0.7],
      'skip-connect dropout per stage',
      'reference README: 0.1, 0.4, 0.7 (--dropout_rate; the code defaults to 0): dropout after every identity skip op, against skip connections winning early; within a stage it falls linearly over the warm-up, then from the full rate exponentially',
    ),
    dropoutDecay: z.number().nonnegative().default(0.2).meta({
      title: 'skip dropout decay',
      description:
        'reference: 0.2 (scale_factor): after the warm-up, the skip dropout of epoch e is rate·exp(−(e − warm-up)·decay)',
    }),
    warmupEpochs: z.number().int().nonnegative().default(10).meta({
      title: 'warm-up epochs per stage',
      description:
        'reference: 10 (eps_no_archs): each stage first trains only the weights of its new supernet, then α and weights',
    }),
    maxSkips: z.number().int().nonnegative().default(2).meta({
      title: 'skip connections in the normal cell at most',
      description:
        "reference: 2 (the paper's final genotype; train_search.py logs the cells for 8 down to 0): the weakest skips of the final normal cell are replaced until at most this many remain",
    }),
    alphaLr: z
      .number()
      .positive()
      .default(6e-4)
      .meta({ title: 'α learning rate', description: 'reference: 6e-4 (Adam, --arch_learning_rate)' }),
    alphaBetas: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .default([0.5, 0.999])
      .meta({ title: 'α Adam betas', description: 'reference: (0.5, 0.999)' }),
    alphaWeightDecay: z.number().nonnegative().default(1e-3).meta({
      title: 'α weight decay',
      description: 'reference: 1e-3 (--arch_weight_decay, L2 as torch.optim.Adam)',
    }),
    alphaInitScale: z.number().nonnegative().default(1e-3).meta({
      title: 'α initial scale',
      description: 'reference: α ~ 1e-3·N(0, 1), drawn anew for every stage',
    }),
    ...collapseAlarmFields(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const stages = c.keepOps.length;
    for (const key of ['addLayers', 'addChannels', 'skipDropout'] as const)
      if (c[key].length !== stages)
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `needs one entry per stage: ${stages} (as keepOps), got ${c[key].length}`,
        });
    c.keepOps.forEach((k, s) => {
      if (s > 0 && k >= c.keepOps[s - 1])
        ctx.addIssue({
          code: 'custom',
          path: ['keepOps', s],
          message: `must be fewer than the ${c.keepOps[s - 1]} ops of the stage before`,
        });
    });
    if (c.keepOps[stages - 1] !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['keepOps', stages - 1],
        message: 'the last stage must end with 1 op per edge (the final cell)',
      });
    for (const key of ['addLayers', 'addChannels'] as const)
      if (c[key][0] !== 0)
        ctx.addIssue({
          code: 'custom',
          path: [key, 0],
          message: "stage 1 runs on the space as configured: set the space's cells and channels instead",
        });
  });
export type PdartsConfig = z.infer<typeof PdartsSchema>;

export const pdartsSpec = {
  name: 'pdarts',
  title: 'P-DARTS',
  description:
    'Progressive DARTS: the search runs in stages on ever deeper supernets (5 → 11 → 17 cells) with fewer ops per edge (8 → 5 → 3), each stage a new supernet on the ops that survived; dropout after skip connections, and at most two skips in the final normal cell.',
  reference:
    'Chen et al., Progressive Differentiable Architecture Search: Bridging the Depth Gap between Search and Evaluation (ICCV 2019); chenxin061/pdarts train_search.py, model_search.py',
  schema: PdartsSchema,
  spaces: ['darts'],
  summary: (c: PdartsConfig) =>
    `P-DARTS (${c.keepOps.length} stages, ops kept ${c.keepOps.join(' → ')}, skip dropout ${c.skipDropout.join(', ')})`,
  metrics: [
    { key: 'trainLoss', title: 'train loss', chart: 'loss' },
    { key: 'valLoss', title: 'validation loss (after the warm-up)', chart: 'loss' },
    { key: 'trainAcc', title: 'train accuracy', chart: 'accuracy' },
    { key: 'valAcc', title: 'validation accuracy (after the warm-up)', chart: 'accuracy' },
    { key: 'lrWeights', title: 'weights learning rate', chart: 'lr' },
    { key: 'gradNorm', title: 'gradient norm', chart: 'gradNorm' },
    { key: 'skipDropout', title: 'skip-connect dropout rate', chart: 'skipDropout' },
    { key: 'stage', title: 'stage', chart: 'stage' },
    ...collapseMetrics(['normal', 'reduce']),
    ...stageTimelineMetrics('normal'),
  ],
  stageTimeline: pdartsStages,
} satisfies StrategySpec<typeof PdartsSchema>;

/**
 * The stages as pdarts.ts runs them: stage s on the space's cells plus addLayers[s], with the ops
 * per edge the stage before kept (stage 1: the space's, the same on every edge as P-DARTS requires),
 * each the run's epochs long with the warm-up first; the final normal cell keeps at most maxSkips.
 */
function pdartsStages(
  c: PdartsConfig,
  run: { space: Record<string, unknown>; epochs: number },
): StageTimelinePlan {
  const space = DartsSpaceSchema.parse(run.space);
  const first = edgeOpsOf(space, false, 0).length;
  return {
    stages: c.keepOps.map((keep, s) => ({
      phase: `stage${s + 1}`,
      cells: space.cells + c.addLayers[s],
      opsPerEdge: s === 0 ? first : c.keepOps[s - 1],
      epochs: run.epochs,
      warmupEpochs: Math.min(c.warmupEpochs, run.epochs),
      keepOps: keep,
    })),
    skipLimit: { label: 'normal', max: c.maxSkips },
  };
}
