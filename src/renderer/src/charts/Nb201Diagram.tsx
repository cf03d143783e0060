import { useMemo } from 'react';
import type { Nb201Edge } from '../dashboard/nb201';
import { EChart } from './EChart';

/** Where the four nodes sit: input left, output right, the two middle nodes high and low so no edge hides another. */
const POS: Array<[number, number]> = [
  [0, 120],
  [170, 10],
  [330, 230],
  [500, 120],
];

/**
 * An NAS-Bench-201 cell as its paper draws it: node 0 (the cell's input) to node 3 (its output), every
 * edge labelled with its op; 'none' edges (no connection) faint and dashed. SVG, so labels are text.
 */
export function Nb201Diagram({ title, edges }: { title: string; edges: Nb201Edge[] }) {
  const option = useMemo(() => {
    const nodes = POS.map(([x, y], i) => ({ name: String(i), x, y, itemStyle: { color: i === 0 ? '#64748b' : i === 3 ? '#f59e0b' : '#3b82f6' } }));
    const links = edges.map((e) => {
      const none = e.op === 'none';
      return {
        source: String(e.from),
        target: String(e.to),
        // The long 0 → 3 edge arcs under the middle nodes' edges instead of crossing them.
        lineStyle: { curveness: e.from === 0 && e.to === 3 ? 0.45 : 0.12, type: none ? 'dashed' : 'solid', opacity: none ? 0.35 : 1 },
        label: { show: true, formatter: e.op, fontSize: 11, color: none ? '#94a3b8' : '#e2e8f0', backgroundColor: 'rgba(15, 23, 42, 0.85)', padding: [1, 3], borderRadius: 3 },
      };
    });
    return {
      title: { text: title, textStyle: { fontSize: 13 } },
      series: [
        {
          type: 'graph',
          layout: 'none',
          symbolSize: 34,
          roam: false,
          label: { show: true, color: '#fff', fontSize: 12 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 8,
          lineStyle: { color: '#94a3b8', width: 1.4 },
          data: nodes,
          links,
          top: 40,
          bottom: 30,
          left: 40,
          right: 40,
        },
      ],
    };
  }, [title, edges]);
  return <EChart option={option} label={`${title} diagram`} renderer="svg" height={320} width="50%" />;
}
