import { useMemo } from 'react';
import type { RnnCellLayout } from '../dashboard/enas-rnn';
import { EChart } from './EChart';

const COLUMN = 120;
const ROW = 70;
/** One colour per activation (ENAS-pytorch's four), grey for the cell's inputs, amber for its output. */
const COLOURS: Record<string, string> = {
  tanh: '#3b82f6',
  ReLU: '#ef4444',
  identity: '#22c55e',
  sigmoid: '#a855f7',
};

/**
 * An ENAS recurrent cell as a graph: x[t] and h[t−1] feed node 0, every node is labelled with its
 * activation and coloured by it, each reads one earlier node, the loose ends are averaged into h[t].
 * SVG, so the labels are text in the page.
 */
export function RnnCellDiagram({ title, layout }: { title: string; layout: RnnCellLayout }) {
  const option = useMemo(() => {
    const data = layout.nodes.map((n) => ({
      name: n.id,
      x: n.column * COLUMN,
      y: n.row * ROW,
      symbol: n.activation ? 'circle' : 'roundRect',
      symbolSize: n.activation ? 46 : [54, 28],
      label: { formatter: n.label },
      itemStyle: {
        color: n.activation ? (COLOURS[n.activation] ?? '#64748b') : n.id === 'out' ? '#f59e0b' : '#475569',
      },
    }));
    return {
      // Left, above the nodes: centred, it would sit on the top row's edges.
      title: { text: title, left: 0, top: 0, textStyle: { fontSize: 13 } },
      series: [
        {
          type: 'graph',
          layout: 'none',
          roam: false,
          label: { show: true, color: '#fff', fontSize: 11, lineHeight: 13 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          lineStyle: { color: '#94a3b8', width: 1.4, curveness: 0.15 },
          data,
          links: layout.edges.map((e) => ({ source: e.from, target: e.to })),
          // A chain of nodes (one row) has no height: drawn on the box's middle line.
          ...(layout.rows === 1 ? { top: 'middle', height: 2 } : { top: 64, bottom: 30 }),
          left: 50,
          right: 50,
        },
      ],
    };
  }, [title, layout]);
  const height = 120 + Math.max(1, layout.rows) * ROW;
  return <EChart option={option} label={`${title} diagram`} renderer="svg" height={height} width="100%" />;
}
