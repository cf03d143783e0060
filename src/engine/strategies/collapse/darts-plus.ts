import type { ChoiceWeights, SearchSpace } from '../../search/space';

/** The op DARTS+ counts (its name in the DARTS and NAS-Bench-201 op sets). */
export const SKIP_OP = 'skip_connect';

/**
 * Skip connections per label of a derived architecture. A DARTS genotype is read gene by gene
 * ([op, input] pairs), so that a derivation keeping two ops of one input (GDAS's) counts both; any
 * other space through its option indices (`space.choices`).
 */
export function skipCounts(space: SearchSpace, arch: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  const genes = arch as Record<string, unknown> | null;
  let choices: Record<string, number[]> | null = null;
  for (const cp of space.choicePoints) {
    const cell = genes?.[cp.label];
    if (Array.isArray(cell) && cell.every((g) => Array.isArray(g) && typeof g[0] === 'string')) {
      out[cp.label] = (cell as Array<[string, number]>).filter(([op]) => op === SKIP_OP).length;
      continue;
    }
    choices ??= space.choices(arch);
    out[cp.label] = (choices[cp.label] ?? []).filter((k) => k >= 0 && cp.options[k] === SKIP_OP).length;
  }
  return out;
}

/**
 * The labels DARTS+'s skip criterion watches: its "normal cell" is every cell but the reduction
 * cell (DARTS: 'normal'; NAS-Bench-201's one cell: 'cell').
 */
export function watchedLabels(space: SearchSpace): string[] {
  return space.choicePoints.map((cp) => cp.label).filter((l) => l !== 'reduce');
}

/**
 * Per label and row, the parameterised options of that row ordered by weight, strongest first (ties
 * keep the earlier option). DARTS+'s second criterion watches this ranking: "learnable operations"
 * are the options that own parameters in that row (`parameterised[label][row]`: option indices), so
 * 'none', pools and an identity skip are left out, while a reduction edge's skip (a factorized
 * reduce, which has weights) is ranked.
 */
export function learnableRanking(
  weights: ChoiceWeights,
  parameterised: Record<string, number[][]>,
): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const [label, rows] of Object.entries(parameterised))
    out[label] = rows.map((options, r) =>
      [...options].sort((a, b) => weights[label][r][b] - weights[label][r][a] || a - b),
    );
  return out;
}

export function sameRanking(a: Record<string, number[][]>, b: Record<string, number[][]>): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
