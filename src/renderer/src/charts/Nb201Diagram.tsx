import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import type { Nb201Edge } from '../dashboard/nb201';
import { EChart } from './EChart';

/**
 * The four nodes on one line, input (0) left and output (3) right: edges between neighbours run
 * straight, 0 → 2 and 1 → 3 arc above and 0 → 3 arcs below, so that no two labels meet.
 */
const X_STEP = 160;
function curveness(e: Nb201Edge): number {
  const span = e.to - e.from;
  return span === 1 ? 0 : span === 2 ? 0.5 : -0.4;
}

/**
 * An NAS-Bench-201 cell as its paper draws it: node 0 (the cell's input) to node 3 (its output), every
 * edge labelled with its op; 'none' edges (no connection) faint and dashed. SVG, so labels are text.
 */
export function Nb201Diagram({ title, edges }: { title: string; edges: Nb201Edge[] }) {
  const ink = useChartInk();
  const option = useMemo(() => {
    const nodes = [0, 1, 2, 3].map((i) => ({
      name: String(i),
      x: i * X_STEP,
      y: 0,
      itemStyle: { color: i === 0 ? '#64748b' : i === 3 ? '#f59e0b' : '#3b82f6' },
    }));
    const links = edges.map((e) => {
      const none = e.op === 'none';
      return {
        source: String(e.from),
        target: String(e.to),
        lineStyle: { curveness: curveness(e), type: none ? 'dashed' : 'solid', opacity: none ? 0.55 : 1 },
        label: {
          show: true,
          formatter: e.op,
          fontSize: 11,
          // A halo in the page's colour where the label crosses its line (a label background in
          // ECharts' SVG renderer covers half the text's height).
          color: none ? ink.muted : ink.strong,
          textBorderColor: ink.gap,
          textBorderWidth: 3,
        },
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
          // The nodes sit on one line (the view's height is nil): the box's middle, arcs above and below.
          top: 'middle',
          height: 2,
          left: 40,
          right: 40,
        },
      ],
    };
  }, [title, edges, ink]);
  return <EChart option={option} label={`${title} diagram`} renderer="svg" height={300} width="50%" />;
}
