import { z } from 'zod';
import type { MetricSpec } from '../search/strategy';

/**
 * The config fields of the collapse alarm (strategies/collapse/alarm.ts) for any DARTS-family strategy's schema
 * (tfjs-free, spread into the strategy's z.object like weightTrainerFields). Two detectors of the
 * skip-connection collapse of differentiable search:
 * - RobustDARTS / DARTS-ES (Zela et al., ICLR 2020; automl/RobustDARTS src/utils.py EVLocalAvg,
 *   src/search/train_search.py): the dominant eigenvalue of ∇²_α L_val every `hessianEvery` epochs,
 *   its local average over `hessianWindow` readings, stop when it grew by `hessianFactor` over
 *   `hessianDelta` readings, and roll back to the genotype of that earlier reading;
 * - DARTS+ (Liang et al., 2019; no official code): stop when the derived normal cell holds
 *   `dartsPlusSkips` skip connections, or when the ranking of α over the parameterised ops has not
 *   changed for `dartsPlusStableEpochs` epochs.
 * Off by default (the reference's `--early_stop 0`, `--compute_hessian` unset): an alarm that is off
 * computes nothing and leaves every metric record as it was.
 */
export function collapseAlarmFields() {
  return {
    collapseAlarm: z.enum(['off', 'warn', 'stop']).default('off').meta({
      title: 'collapse alarm',
      description:
        'off: nothing is computed; warn: the Hessian eigenvalue and skip counts are logged and an alarm marked when a criterion fires; stop: the search also ends there (the Hessian rule returns the genotype of its stop epoch, as DARTS-ES). RobustDARTS default: off (--early_stop 0)',
    }),
    hessianEvery: z.number().int().nonnegative().default(2).meta({
      title: 'Hessian reading every (epochs)',
      description:
        'RobustDARTS scripts: 2 (--report_freq_hessian 2), plus the last epoch; 0 turns the eigenvalue off (DARTS+ criteria only). One reading costs about `Hessian power iterations` × 2 α-gradient passes on one validation batch',
    }),
    hessianIterations: z.number().int().min(1).max(200).default(10).meta({
      title: 'Hessian power iterations',
      description:
        'at most this many Hessian-vector products per reading (fewer when the Rayleigh quotient settles to 1e-3); the reference computes the full Hessian instead. 10 keeps a reading near 10 DARTS first-order steps (docs/strategies.md); a negative dominant eigenvalue takes a second pass of as many',
    }),
    hessianEpsilon: z.number().positive().max(1).default(1e-3).meta({
      title: 'Hessian finite-difference step',
      description:
        'Hv ≈ (∇α L(α+εv) − ∇α L(α−εv)) / 2ε with ‖v‖ = 1: 1e-3, small against α (a step that carries ReLU pre-activations across zero adds a kink to the difference) and large against float32 round-off in the α gradient (about 1e-7 relative)',
    }),
    hessianWindow: z.number().int().min(1).default(5).meta({
      title: 'eigenvalue local-average window',
      description: 'RobustDARTS: 5 readings (--window), centred on a reading',
    }),
    hessianDelta: z.number().int().min(1).default(4).meta({
      title: 'eigenvalue comparison distance (readings)',
      description:
        'RobustDARTS: 4 (--delta): the current local average is compared with the one 4 readings earlier',
    }),
    hessianFactor: z.number().positive().default(1.3).meta({
      title: 'eigenvalue growth factor',
      description:
        'RobustDARTS: 1.3 (--factor): the alarm fires when the local average grew by more than this',
    }),
    hessianStartEpoch: z.number().int().nonnegative().default(10).meta({
      title: 'earliest Hessian stop epoch',
      description:
        'RobustDARTS: 10 (--es_start_epoch): the epoch rolled back to must be at least this (earlier eigenvalues move with the warm-up)',
    }),
    dartsPlusSkips: z.number().int().nonnegative().default(2).meta({
      title: 'DARTS+ skip connections',
      description:
        'DARTS+: stop when the derived normal cell has at least 2 skip connections (criterion 1); 0 turns it off',
    }),
    dartsPlusStableEpochs: z.number().int().nonnegative().default(10).meta({
      title: 'DARTS+ stable ranking (epochs)',
      description:
        'DARTS+: stop when the ranking of α over the parameterised ops of every edge has not changed for this many epochs (criterion 2; the paper uses 10); 0 turns it off',
    }),
  };
}

/** The config the alarm reads (a strategy's config includes it). */
export type CollapseAlarmConfig = z.infer<z.ZodObject<ReturnType<typeof collapseAlarmFields>>>;

/** The chart keys of the dashboard's collapse-alarm panel (epoch metrics, x = epoch). */
export const COLLAPSE_CHARTS = { eigenvalue: 'collapse-eigenvalue', skips: 'collapse-skips' } as const;

/** Epoch-end metrics of the alarm on a space with these labels (declared in the strategy's spec). */
export function collapseMetrics(labels: readonly string[] = ['normal', 'reduce']): MetricSpec[] {
  return [
    {
      key: 'hessianEigenvalue',
      title: 'dominant eigenvalue of ∇²α L_val',
      chart: COLLAPSE_CHARTS.eigenvalue,
    },
    ...labels.map((l) => ({
      key: skipMetricKey(l),
      title: `skip connections (${l})`,
      chart: COLLAPSE_CHARTS.skips,
    })),
  ];
}

/** The epoch metric holding the skip-connection count of a label's derived cell ('skipsNormal'). */
export function skipMetricKey(label: string): string {
  return `skips${label.charAt(0).toUpperCase()}${label.slice(1)}`;
}

/**
 * Epoch metrics that mark an alarm (1 when the criterion holds at that epoch); `hessianStopEpoch` is
 * the epoch the Hessian rule rolls back to. The dashboard marks the first epoch of each.
 */
export const ALARM_KEYS = {
  hessian: 'alarmHessian',
  skips: 'alarmSkips',
  ranking: 'alarmRanking',
} as const;
