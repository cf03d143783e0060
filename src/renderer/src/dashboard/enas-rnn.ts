import { looseEnds, parseEnasRnn } from '../../../engine/spaces/enas-rnn/arch';

/**
 * An ENAS RNN cell laid out for drawing from its text notation (`n0=tanh(x,h) n1=ReLU(n0) …`,
 * spaces/enas-rnn/arch.ts): x_t and h_{t−1} on the left, each node one column right of the node it
 * reads (node 0 in the first column), nodes of a column stacked in index order, then the average of
 * the loose ends and the output h_t on the right.
 */
export interface RnnCellNode {
  id: string;
  label: string;
  /** The node's activation; null for x_t, h_{t−1}, the average and h_t. */
  activation: string | null;
  column: number;
  row: number;
}

export interface RnnCellLayout {
  nodes: RnnCellNode[];
  edges: Array<{ from: string; to: string }>;
  columns: number;
  /** Rows of the tallest column. */
  rows: number;
}

export function layoutRnnCell(text: string): RnnCellLayout {
  const terms = text.trim().split(/\s+/).filter(Boolean).length;
  const arch = parseEnasRnn(text, terms);
  const depth: number[] = [1];
  arch.inputs.forEach((i, k) => (depth[k + 1] = depth[i] + 1));
  const last = Math.max(...depth) + 1;
  const perColumn = new Map<number, number>();
  const place = (column: number) => {
    const r = perColumn.get(column) ?? 0;
    perColumn.set(column, r + 1);
    return r;
  };
  const nodes: RnnCellNode[] = [
    { id: 'x', label: 'x[t]', activation: null, column: 0, row: place(0) },
    { id: 'h', label: 'h[t−1]', activation: null, column: 0, row: place(0) },
  ];
  arch.activations.forEach((f, j) =>
    nodes.push({ id: `n${j}`, label: `n${j}\n${f}`, activation: f, column: depth[j], row: place(depth[j]) }),
  );
  nodes.push({ id: 'avg', label: 'avg', activation: null, column: last, row: place(last) });
  nodes.push({ id: 'out', label: 'h[t]', activation: null, column: last + 1, row: place(last + 1) });
  const edges = [
    { from: 'x', to: 'n0' },
    { from: 'h', to: 'n0' },
    ...arch.inputs.map((i, k) => ({ from: `n${i}`, to: `n${k + 1}` })),
    ...looseEnds(arch).map((j) => ({ from: `n${j}`, to: 'avg' })),
    { from: 'avg', to: 'out' },
  ];
  return { nodes, edges, columns: last + 2, rows: Math.max(...perColumn.values()) };
}
