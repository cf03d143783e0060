import { z } from 'zod';

/**
 * The config fields of the candidate scorer (search/evaluate.ts) for a strategy's schema, tfjs-free.
 * Defaults are SPOS's (megvii-model/SinglePathOneShot src/Search/search.py and tester.py): BatchNorm
 * recalibrated on 200 training batches, then 40 validation batches scored in eval mode.
 */
export function scoringFields(o: { source: string; scoreBatches?: number; recalibrationBatches?: number }) {
  const score = o.scoreBatches ?? 40;
  const recal = o.recalibrationBatches ?? 200;
  return {
    scoreBatches: z
      .number()
      .int()
      .min(1)
      .default(score)
      .meta({
        title: 'batches per candidate',
        description: `${o.source}: ${score} validation batches score each candidate (SPOS: 40 of 200 images)`,
      }),
    batchNorm: z.enum(['recalibrate', 'running', 'batch']).default('recalibrate').meta({
      title: 'BatchNorm when scoring',
      description:
        "recalibrate (SPOS): reset the running statistics, average them over training batches through the candidate, score in eval mode, restore the supernet's; running: the supernet's running statistics; batch: each batch's own statistics",
    }),
    recalibrationBatches: z
      .number()
      .int()
      .min(1)
      .default(recal)
      .meta({
        title: 'recalibration batches',
        description: `${o.source}: ${recal} training batches per candidate re-estimate BatchNorm's statistics (SPOS: 200 of 128 images); only with recalibrate`,
      }),
  };
}
