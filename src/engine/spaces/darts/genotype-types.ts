/**
 * A discrete DARTS cell pair, the result of a search. Mirrors the reference's namedtuple
 * `Genotype(normal=[(op, input), ...], normal_concat=[...], reduce=[...], reduce_concat=[...])`:
 * two (op, input) pairs per intermediate node, in node order; input 0 and 1 are the two cell inputs,
 * input k >= 2 is intermediate node k-2.
 *
 * A cell may also be sparse (FairDARTS' threshold derivation, SNAS's edge_all): then `normalNodes`
 * (`reduceNodes`) names the node each gene feeds, as a state index (2 = the first intermediate node),
 * and a node takes as many genes as name it, none included (the reference's FairDARTS `DCOCell` and
 * its genotypes of (op, to, from) triples). Without it a cell is dense: two genes per node, in node
 * order, as in the DARTS paper.
 */
export interface Genotype {
  normal: Array<[string, number]>;
  normalConcat: number[];
  reduce: Array<[string, number]>;
  reduceConcat: number[];
  /** Sparse normal cell: the node state (>= 2) each gene of `normal` feeds. */
  normalNodes?: number[];
  /** Sparse reduction cell: the node state (>= 2) each gene of `reduce` feeds. */
  reduceNodes?: number[];
}
