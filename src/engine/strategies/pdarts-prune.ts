/**
 * P-DARTS's discrete decisions on plain numbers (tfjs-free, so that they are tested on hand-made α):
 * which ops an edge drops at the end of a stage, and the final cell — one op per edge, the top two
 * edges per node, at most a few skip connections in the normal cell. Semantics of the reference,
 * chenxin061/pdarts train_search.py (get_min_k, get_min_k_no_zero, keep_1_on, keep_2_branches,
 * check_sk_number, delete_min_sk_prob); every probability row is softmax(α) over the edge's ops.
 */

/**
 * Repeatedly the lowest entry of `probs` not yet taken, `count` times (ties: the first index, as
 * np.argmin), skipping `exclude`: the reference's get_min_k, which marks a taken entry with 1.
 */
function lowest(probs: readonly number[], count: number, exclude: ReadonlySet<number>): number[] {
  const taken = new Set(exclude);
  const out: number[] = [];
  for (let n = 0; n < count; n++) {
    let best = -1;
    for (let i = 0; i < probs.length; i++)
      if (!taken.has(i) && (best === -1 || probs[i] < probs[best])) best = i;
    if (best === -1) break;
    taken.add(best);
    out.push(best);
  }
  return out;
}

/**
 * The ops (indices into the edge's list) an edge drops: the `drop` lowest by probability. With
 * `noneFirst` (the reference's last stage, get_min_k_no_zero) 'none' goes first whatever its weight,
 * then the `drop − 1` lowest of the others.
 */
export function opsToDrop(
  probs: readonly number[],
  names: readonly string[],
  drop: number,
  noneFirst: boolean,
): number[] {
  if (probs.length !== names.length)
    throw new Error(`an edge has ${names.length} ops but ${probs.length} probabilities`);
  const none = names.indexOf('none');
  if (!noneFirst || none === -1 || drop <= 0) return lowest(probs, drop, new Set());
  return [none, ...lowest(probs, drop - 1, new Set([none]))];
}

/**
 * The end of a (not final) stage: each edge keeps its `keep` strongest ops, in their order ('none'
 * is an op like the others here; the reference drops it only in the last stage).
 */
export function pruneEdgeOps(
  edgeOps: ReadonlyArray<readonly string[]>,
  probs: ReadonlyArray<readonly number[]>,
  keep: number,
): string[][] {
  return edgeOps.map((names, e) => {
    if (names.length <= keep)
      throw new Error(`edge ${e} has ${names.length} ops, so it cannot drop to ${keep}`);
    const dropped = new Set(opsToDrop(probs[e], names, names.length - keep, false));
    return names.filter((_, i) => !dropped.has(i));
  });
}

/**
 * The op an edge keeps at the end of the search (keep_1_on): all but one dropped, 'none' first; the
 * survivor is the strongest other op, the last of them on a tie. -1 when the edge has only 'none'.
 */
export function survivingOp(probs: readonly number[], names: readonly string[]): number {
  const dropped = new Set(opsToDrop(probs, names, names.length - 1, true));
  const left = names.findIndex((_, i) => !dropped.has(i));
  return left === -1 || names[left] === 'none' ? -1 : left;
}

/** A derived cell: per edge the index (into that edge's ops) of its op, -1 for edges not kept. */
export type CellPick = number[];

/**
 * One op per edge (survivingOp), then per node the two edges whose op is strongest (keep_2_branches:
 * a stable ascending sort, the last two taken, so a tie keeps the later edge). Node i owns the i+2
 * edges after the nodes before it. `probs` have 'none' already zeroed where the caller wants it so.
 */
function pickCell(
  probs: ReadonlyArray<readonly number[]>,
  edgeOps: ReadonlyArray<readonly string[]>,
  nodes: number,
): CellPick {
  const op = probs.map((p, e) => survivingOp(p, edgeOps[e]));
  const strength = op.map((k, e) => (k === -1 ? -1 : probs[e][k]));
  const pick: CellPick = op.map(() => -1);
  let start = 0;
  for (let i = 0; i < nodes; i++) {
    const n = i + 2;
    const ranked = Array.from({ length: n }, (_, j) => start + j).sort((a, b) => strength[a] - strength[b]);
    for (const e of ranked.slice(-2)) {
      if (op[e] === -1)
        throw new Error(`node ${i + 2} has fewer than two edges with an op other than 'none'`);
      pick[e] = op[e];
    }
    start += n;
  }
  return pick;
}

/** Edges of a pick whose op is the skip connection. */
function skipEdges(pick: CellPick, edgeOps: ReadonlyArray<readonly string[]>): number[] {
  return pick.flatMap((k, e) => (k !== -1 && edgeOps[e][k] === 'skip_connect' ? [e] : []));
}

/**
 * The final cell of P-DARTS from its last stage's probabilities: 'none' is zeroed, each edge keeps
 * its strongest other op, each node its two strongest edges; then, while more than `maxSkips` kept
 * edges are skip connections, the weakest of those skips (by probability; the first edge on a tie)
 * is zeroed and ops and edges are chosen again (delete_min_sk_prob, keep_1_on, keep_2_branches).
 * `maxSkips` null: no limit (the reduction cell).
 */
export function pdartsCell(
  probs: ReadonlyArray<readonly number[]>,
  edgeOps: ReadonlyArray<readonly string[]>,
  nodes: number,
  maxSkips: number | null,
): CellPick {
  const p = probs.map((row, e) => row.map((v, k) => (edgeOps[e][k] === 'none' ? 0 : v)));
  let pick = pickCell(p, edgeOps, nodes);
  if (maxSkips === null) return pick;
  for (let skips = skipEdges(pick, edgeOps); skips.length > maxSkips; skips = skipEdges(pick, edgeOps)) {
    const probOf = (e: number) => p[e][pick[e]];
    const weakest = skips.reduce((a, b) => (probOf(b) < probOf(a) ? b : a));
    p[weakest][pick[weakest]] = 0;
    pick = pickCell(p, edgeOps, nodes);
  }
  return pick;
}

/**
 * P-DARTS's skip dropout rate in an epoch (train_search.py): from `rate`, linearly down over the
 * warm-up, p = rate·(E − e − 1)/E for e < warm-up; then from `rate` again, decaying exponentially,
 * p = rate·exp(−(e − warm-up)·decay).
 */
export function skipDropoutRate(
  rate: number,
  epoch: number,
  epochs: number,
  warmupEpochs: number,
  decay: number,
): number {
  return epoch < warmupEpochs
    ? (rate * (epochs - epoch - 1)) / epochs
    : rate * Math.exp(-(epoch - warmupEpochs) * decay);
}
