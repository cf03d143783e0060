/**
 * NAS-Bench-201 cells in their text notation (Dong & Yang, ICLR 2020; D-X-Y/AutoDL-Projects
 * CellStructure.str): `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, one '+'-separated group per node 1..3,
 * listing each edge into it as op~source. Parsed here only to draw the cell.
 */
export interface Nb201Edge {
  from: number;
  to: number;
  op: string;
}

/** The six edges of an NB201 cell string, in the string's order; throws an Error saying what is wrong. */
export function parseNb201(text: string): Nb201Edge[] {
  const groups = text.trim().split('+');
  if (groups.length !== 3)
    throw new Error(
      `an NB201 cell has 3 nodes after the input ('+'-separated groups), got ${groups.length} in '${text}'`,
    );
  const edges: Nb201Edge[] = [];
  groups.forEach((g, k) => {
    const to = k + 1;
    const parts = g.split('|').filter((p) => p.length);
    if (parts.length !== to)
      throw new Error(`NB201 node ${to} takes ${to} inputs, got ${parts.length} ('${g}')`);
    parts.forEach((p, j) => {
      const m = /^([A-Za-z0-9_]+)~(\d+)$/.exec(p);
      if (!m) throw new Error(`NB201 edge '${p}' is not op~source`);
      const from = Number(m[2]);
      if (from !== j)
        throw new Error(`NB201 node ${to}'s input ${j + 1} should come from node ${j}, got ~${from}`);
      edges.push({ from, to, op: m[1] });
    });
  });
  return edges;
}
