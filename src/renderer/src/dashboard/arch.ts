import type { LabelSnapshot, SnapshotKind } from '../../../engine/search/strategy';

/** How each kind of snapshot is named above its heatmap. */
export const KIND_TITLES: Record<SnapshotKind, string> = {
  softmax: 'softmax(α)',
  sigmoid: 'σ(α)',
  sampling: 'sampling frequency',
  controller: 'controller probability',
};

/** Shannon entropy (nats) of one row's distribution: ln(#options) when undecided, 0 when one option has won. */
export function entropy(p: number[]): number {
  // Clamped: rounding can make a decided row's entropy a hair below zero (or -0).
  return Math.max(0, -p.reduce((h, v) => (v > 0 ? h + v * Math.log(v) : h), 0));
}

/** Binary entropy (nats) of one independent probability: ln 2 at 0.5, 0 at 0 or 1. */
function binaryEntropy(v: number): number {
  return entropy([v, 1 - v]);
}

/**
 * How undecided one row still is. Softmax, sampling and controller rows are distributions over the
 * options; σ(α) rows (FairDARTS) are independent per option, so their mean binary entropy is used.
 */
export function rowEntropy(kind: SnapshotKind, row: number[]): number {
  if (kind === 'sigmoid')
    return row.length
      ? row.reduce((s, v) => s + binaryEntropy(Math.min(1, Math.max(0, v))), 0) / row.length
      : 0;
  return entropy(row);
}

/** Per row, the option with the largest weight (first on ties): what the snapshot would choose now. */
export function argmaxChoices(s: LabelSnapshot): Array<{ row: string; option: string; value: number }> {
  return s.values.map((vals, r) => {
    let k = 0;
    for (let j = 1; j < vals.length; j++) if (vals[j] > vals[k]) k = j;
    return { row: s.rows[r] ?? String(r), option: s.options[k] ?? String(k), value: vals[k] };
  });
}
