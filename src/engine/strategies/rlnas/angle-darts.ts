import type { Choices, SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { SearchNetwork } from '../../spaces/darts/supernet';
import { identityMatrix, poolingKernel, type RlnasSpaceParts, type VectorBlock } from './angle';

/** Edge index of node `to` (2.. in the cell's numbering, inputs 0 and 1) from state `from`. */
const edgeOf = (from: number, to: number) => ((to - 2) * (to + 1)) / 2 + from;

/**
 * Every path through a DARTS cell from one of its inputs (states 0, 1) along rising intermediate
 * nodes to any intermediate node, since every intermediate node is concatenated into the output: the
 * reference's 30 paths for 4 nodes (evolution_search/config.py `paths`), as node sequences.
 */
export function dartsPaths(nodes: number): number[][] {
  const out: number[][] = [];
  const walk = (path: number[]) => {
    const last = path[path.length - 1];
    for (let next = Math.max(2, last + 1); next < nodes + 2; next++) {
      const p = [...path, next];
      out.push(p);
      walk(p);
    }
  };
  walk([0]);
  walk([1]);
  return out;
}

/**
 * DARTS's weight vector (darts_search_space/cifar10/rlnas/evolution_search/test_server.py,
 * get_arch_vector): the stem's conv and BN, every cell's two input adapters (ReLU-conv-BN or
 * FactorizedReduce), the classifier's weight (not its bias, as the reference) and, for every path of
 * every cell (normal cells take the `normal` choices, reduction cells `reduce`), the parameters of the
 * ops along it: convolutions all their parameters (with affine BNs their γ and β — the reference reads
 * a dilated conv's BN bias from its `.weight`, a bug not copied here), pooling a [C, 3, 3] tensor of
 * 1/9 plus its BN's parameters, `skip_connect` eye(C) where it is the identity and the
 * FactorizedReduce's parameters on a reduction cell's stride-2 edges; a path through `none` or an
 * edge that is off is left out. The engine's search cells use non-affine BNs, so their BNs add nothing.
 */
export function dartsRlnas(net: Supernet, _space: SearchSpace): RlnasSpaceParts {
  if (!(net instanceof SearchNetwork)) throw new Error('the DARTS angle vector needs the DARTS supernet');
  const names = net.namedParameters().map(([n]) => n);
  const under = (prefix: string): VectorBlock[] =>
    names.filter((n) => n.startsWith(prefix)).map((name) => ({ kind: 'parameter', name }));
  const { nodes } = net.space;
  if (!names.includes('classifier.weight'))
    throw new Error("RLNAS angle (DARTS): the supernet has no parameter 'classifier.weight'");
  const fixed: VectorBlock[] = [
    ...under('stem.'),
    ...net.cells.items.flatMap((_, i) => [
      ...under(`cells.${i}.preprocess0.`),
      ...under(`cells.${i}.preprocess1.`),
    ]),
    { kind: 'parameter', name: 'classifier.weight' },
  ];
  // Per cell, edge and option: its blocks, or 'cut' for `none`.
  const optionBlocks = net.cells.items.map((cell, i) =>
    cell.edges.items.map((edge, e) =>
      edge.opNames.map((op): VectorBlock[] | 'cut' => {
        const own = under(`cells.${i}.edges.${e}.${op}.`);
        if (op === 'none') return 'cut';
        if (op === 'max_pool_3x3' || op === 'avg_pool_3x3') return [poolingKernel(cell.channels, 3), ...own];
        if (op === 'skip_connect') return own.length ? own : [identityMatrix(cell.channels)];
        return own;
      }),
    ),
  );
  const paths = dartsPaths(nodes).map((p) => p.slice(1).map((to, j) => edgeOf(p[j], to)));
  const labels = net.cells.items.map((c) => (c.reduction ? 'reduce' : 'normal'));

  return {
    blocks(choices: Choices): VectorBlock[] {
      const out = [...fixed];
      optionBlocks.forEach((cell, i) => {
        const row = choices[labels[i]];
        if (!row || row.length !== cell.length)
          throw new Error(`RLNAS angle (DARTS): choices need ${cell.length} edges for '${labels[i]}'`);
        for (const edges of paths) {
          if (!edges.every((e) => row[e] >= 0 && cell[e][row[e]] !== 'cut')) continue;
          for (const e of edges) out.push(...(cell[e][row[e]] as VectorBlock[]));
        }
      });
      return out;
    },
    trainable: (choices) => bothInputsLive(choices, net.space.ops),
    searchable: (choices) => bothInputsLive(choices, net.space.ops),
  };
}

/** The reference's check_cand: every node has exactly two inputs, neither of them `none`. */
function bothInputsLive(choices: Choices, ops: readonly string[]): boolean {
  return ['normal', 'reduce'].every((label) => choices[label].every((k) => k < 0 || ops[k] !== 'none'));
}
