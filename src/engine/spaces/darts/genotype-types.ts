/**
 * A discrete DARTS cell pair, the result of a search. Mirrors the reference's namedtuple
 * `Genotype(normal=[(op, input), ...], normal_concat=[...], reduce=[...], reduce_concat=[...])`:
 * two (op, input) pairs per intermediate node, in node order; input 0 and 1 are the two cell inputs,
 * input k >= 2 is intermediate node k-2.
 */
export interface Genotype {
  normal: Array<[string, number]>;
  normalConcat: number[];
  reduce: Array<[string, number]>;
  reduceConcat: number[];
}
