import { z } from 'zod';

/**
 * The config fields of the shared weight trainer (train/weight-trainer.ts) for a strategy's schema
 * (tfjs-free). Defaults are the DARTS search's, which most references share; `source` says whose
 * values they are in the wizard ('paper', 'reference'), and a strategy overrides what differs.
 */
export function weightTrainerFields(o: {
  source: string;
  weightLr?: number;
  weightDecay?: number;
  gradClip?: number;
}) {
  const lr = o.weightLr ?? 0.025;
  const wd = o.weightDecay ?? 3e-4;
  const clip = o.gradClip ?? 5;
  return {
    weightLr: z
      .number()
      .positive()
      .default(lr)
      .meta({
        title: 'weights learning rate',
        description: `${o.source}: ${lr}, cosine-annealed per epoch to the minimum`,
      }),
    weightLrMin: z
      .number()
      .nonnegative()
      .default(0.001)
      .meta({ title: 'weights lr minimum', description: `${o.source}: 0.001` }),
    weightMomentum: z
      .number()
      .min(0)
      .max(1)
      .default(0.9)
      .meta({ title: 'weights momentum', description: `${o.source}: 0.9 (SGD)` }),
    weightDecay: z
      .number()
      .nonnegative()
      .default(wd)
      .meta({ title: 'weights decay', description: `${o.source}: ${wd} (L2, as torch.optim.SGD)` }),
    gradClip: z
      .number()
      .positive()
      .default(clip)
      .meta({
        title: 'gradient clip',
        description: `${o.source}: ${clip} (global norm of the weights' gradient)`,
      }),
  };
}
