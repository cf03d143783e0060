import type { Choices, SearchSpace } from '../../search/space';
import type { Supernet } from '../../search/supernet';
import { NB201_EDGES, NB201_NODES, nb201EdgeIndex, type Nb201Op } from '../../spaces/nb201/search-space';
import { Nb201Supernet, Nb201SearchCell } from '../../spaces/nb201/supernet';
import { NB201_LABEL } from '../../spaces/nb201/space';
import { poolingKernel, type RlnasSpaceParts, type VectorBlock } from './angle';

/**
 * Every path from a cell's input (node 0) to its output (node 3), as node sequences: the reference's
 * [[0,3],[0,2,3],[0,1,2,3],[0,1,3]] (weight_angle.py), built here for the space's 4 nodes.
 */
export function nb201Paths(nodes = NB201_NODES): number[][] {
  const out: number[][] = [];
  const walk = (path: number[]) => {
    const last = path[path.length - 1];
    if (last === nodes - 1) return void out.push(path);
    for (let next = last + 1; next < nodes; next++) walk([...path, next]);
  };
  walk([0]);
  return out;
}

/**
 * NB201's weight vector (weight_angle.py, get_arch_angle): the fixed parts — stem conv and BN, the
 * two residual blocks (their convs and BNs and the shortcut's 1×1 conv), the last BN and the
 * classifier — and, for every path of every search cell, the parameters of the ops along it:
 * `nor_conv_k×k` its conv kernel (`op.1.weight`; the search conv's bias is not on the reference's
 * vector), `avg_pool_3x3` a [C, 3, 3] tensor of 1/9, `skip_connect` nothing; a path through `none`
 * (or an edge that is off) is left out, and a candidate whose every path is cut has the angle 0.
 */
export function nb201Rlnas(net: Supernet, _space: SearchSpace): RlnasSpaceParts {
  if (!(net instanceof Nb201Supernet)) throw new Error('the NB201 angle vector needs the NB201 supernet');
  const { ops, channels, cellsPerStage } = net.space;
  const names = new Set(net.namedParameters().map(([n]) => n));
  const need = (name: string) => {
    if (!names.has(name))
      throw new Error(`RLNAS angle (NB201): the supernet has no parameter '${name}' (its layout changed?)`);
    return name;
  };
  const searchCells = net.cells.items.flatMap((cell, i) => (cell instanceof Nb201SearchCell ? [i] : []));
  const inSearchCell = new Set(searchCells.map((i) => `cells.${i}.`));
  const fixed: VectorBlock[] = [...names]
    .filter((n) => ![...inSearchCell].some((p) => n.startsWith(p)))
    .map((name) => ({ kind: 'parameter', name }));

  // The blocks of option k on edge e of the search cell at position i of `cells` (stage s: C·2^s channels).
  const optionBlocks = searchCells.map((ci, position) => {
    const C = channels * 2 ** Math.floor(position / cellsPerStage);
    return NB201_EDGES.map(({ node, input }) =>
      ops.map((op: Nb201Op, k): VectorBlock[] | 'cut' => {
        switch (op) {
          case 'none':
            return 'cut';
          case 'skip_connect':
            return [];
          case 'avg_pool_3x3':
            return [poolingKernel(C, 3)];
          case 'nor_conv_1x1':
          case 'nor_conv_3x3':
            return [
              { kind: 'parameter', name: need(`cells.${ci}.edges.${node}<-${input}.${k}.op.1.weight`) },
            ];
        }
      }),
    );
  });
  const paths = nb201Paths().map((p) => p.slice(1).map((node, i) => nb201EdgeIndex(node, p[i])));

  return {
    blocks(choices: Choices): VectorBlock[] | null {
      const row = choices[NB201_LABEL];
      if (!row || row.length !== NB201_EDGES.length)
        throw new Error(`RLNAS angle (NB201): choices need ${NB201_EDGES.length} ops for '${NB201_LABEL}'`);
      const open = paths.filter((edges) => edges.every((e) => row[e] >= 0 && ops[row[e]] !== 'none'));
      if (open.length === 0) return null;
      const out = [...fixed];
      for (const cell of optionBlocks)
        for (const edges of open) for (const e of edges) out.push(...(cell[e][row[e]] as VectorBlock[]));
      return out;
    },
    trainable: everyNodeFed(ops),
  };
}

/** The reference trains with AutoDL's 'urs' sampling: a node's input ops are redrawn while all are `none`. */
function everyNodeFed(ops: readonly string[]) {
  return (choices: Choices): boolean => {
    const row = choices[NB201_LABEL];
    for (let node = 1; node < NB201_NODES; node++) {
      let fed = false;
      for (let input = 0; input < node; input++) {
        const k = row[nb201EdgeIndex(node, input)];
        if (k >= 0 && ops[k] !== 'none') fed = true;
      }
      if (!fed) return false;
    }
    return true;
  };
}
