import type { Choices, ChoiceWeights, SearchSpace } from '../search/space';

/**
 * NASP's proximal step: the projection of α onto the discrete architectures of the space, i.e. the
 * space's own discretisation applied to α itself (not to a softmax of it). On DARTS cells that is the
 * reference's proximal_step: each edge keeps its largest α (the first on ties, as numpy's argmax; 'none'
 * never, as in the DARTS rule — the reference's op lists have no 'none'), and each node keeps the two
 * input edges whose kept α is largest (ties: the lower input, as Python's stable sort); the node's
 * other edges are off (−1). On NAS-Bench-201 every edge keeps its largest α ('none' included, the first
 * on ties). The rule lives in the space (`derive`), so any space gets its own projection.
 */
export function proximalChoices(space: SearchSpace, alpha: ChoiceWeights): Choices {
  return space.choices(space.derive(alpha));
}

/**
 * The discrete α of one label: row e is the one-hot of option ops[e], or all zeros where the row is off
 * (−1) — the values the reference's binarization() writes into α.
 */
export function oneHotRows(ops: readonly number[], options: number): number[][] {
  return ops.map((k, e) => {
    if (!(Number.isInteger(k) && k >= -1 && k < options))
      throw new Error(`row ${e}: option ${k} is not one of 0..${options - 1} (or −1, off)`);
    return Array.from({ length: options }, (_, j) => (j === k ? 1 : 0));
  });
}

/**
 * The size penalty's per-option weights: each option's parameter count over the sum of its row's (the
 * reference's PARAMS[op]/Σ PARAMS); a row of parameter-free options weighs nothing.
 */
export function sizeBurden(paramCounts: readonly (readonly number[])[]): number[][] {
  return paramCounts.map((row) => {
    const total = row.reduce((s, v) => s + v, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
}
