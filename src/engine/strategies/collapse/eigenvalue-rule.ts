/**
 * The DARTS-ES stop rule on a sequence of dominant-eigenvalue readings, as automl/RobustDARTS
 * src/utils.py (EVLocalAvg.update / early_stop) computes it, tfjs-free:
 * - readings come every `every` epochs (and at the last epoch);
 * - from the ⌈w/2⌉-th reading on, each reading adds a local average: the mean of the last min(n, w)
 *   readings, which the reference assigns to the reading ⌊w/2⌋ before the newest (a centred window,
 *   truncated at the start);
 * - before the last epoch, once the reading `delta` before that centre is at an epoch ≥ `startEpoch`,
 *   the rule fires when la(centre) / la(centre − delta) > factor, and the search returns the genotype
 *   of the reading centre − delta (its epoch is the stop epoch).
 * Deviation: the reference also divides by a local average ≤ 0; a growth factor of a non-positive
 * baseline means nothing, so no stop is taken there. Epochs are those of the readings themselves,
 * which equals the reference's `epoch − ev_freq·⌊w/2⌋` arithmetic whenever readings are regular.
 */
export interface EigenvalueRuleConfig {
  window: number;
  delta: number;
  factor: number;
  startEpoch: number;
}

export interface EigenReading {
  epoch: number;
  value: number;
}

/** The rule's state, plain JSON (checkpointed). */
export interface EigenvalueRuleState {
  readings: EigenReading[];
  /** Local averages, one per reading from the ⌈w/2⌉-th on (entry i belongs to reading i + ⌈w/2⌉ − 1 − ⌊w/2⌋). */
  localAverages: number[];
}

export interface EigenvalueVerdict {
  /** The local average added by this reading and the reading it belongs to (absent early on and at the last epoch). */
  localAverage?: number;
  centreEpoch?: number;
  /** Set when the rule fires: the epoch whose genotype the search returns, and the growth seen. */
  stop?: { epoch: number; ratio: number };
}

export function emptyRuleState(): EigenvalueRuleState {
  return { readings: [], localAverages: [] };
}

/** Adds one reading (mutating `state`) and says whether the rule fires. */
export function addReading(
  state: EigenvalueRuleState,
  cfg: EigenvalueRuleConfig,
  reading: EigenReading,
  lastEpoch: boolean,
): EigenvalueVerdict {
  state.readings.push(reading);
  const n = state.readings.length;
  // The reference adds no local average at the last epoch here (it flushes the trailing, shrinking
  // windows for its plots) and never stops there.
  if (lastEpoch || n < Math.ceil(cfg.window / 2)) return {};
  const recent = state.readings.slice(Math.max(0, n - cfg.window)).map((r) => r.value);
  const la = recent.reduce((a, b) => a + b, 0) / recent.length;
  state.localAverages.push(la);
  // The reading this average is centred on; with an even window the first one falls before reading 0.
  const centre = n - 1 - Math.floor(cfg.window / 2);
  const verdict: EigenvalueVerdict = { localAverage: la };
  if (centre >= 0) verdict.centreEpoch = state.readings[centre].epoch;
  const base = centre - cfg.delta;
  const previousIndex = state.localAverages.length - 1 - cfg.delta;
  if (base < 0 || previousIndex < 0 || state.readings[base].epoch < cfg.startEpoch) return verdict;
  const previous = state.localAverages[previousIndex];
  if (!(previous > 0)) return verdict;
  const ratio = la / previous;
  if (ratio > cfg.factor) verdict.stop = { epoch: state.readings[base].epoch, ratio };
  return verdict;
}
