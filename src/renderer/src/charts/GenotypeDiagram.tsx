import { useMemo } from 'react';
import { EChart } from './EChart';

/**
 * One cell of a genotype drawn as the paper draws it: inputs c_{k-2} and c_{k-1} on the left, the
 * intermediate nodes in the middle, c_{k} (the concatenation) on the right, each kept edge labelled
 * with its op. Drawn as SVG so the labels are text in the page.
 */
export function GenotypeDiagram({
  title,
  gene,
  nodes: targets,
  concat,
}: {
  title: string;
  gene: Array<[string, number]>;
  /** Sparse cells: the node each gene feeds; otherwise two genes per node, in order. */
  nodes?: number[];
  concat: number[];
}) {
  const option = useMemo(() => {
    const target = (e: number) => targets?.[e] ?? Math.floor(e / 2) + 2;
    const steps = Math.max(1, ...gene.map((_, e) => target(e) - 1));
    // States numbered as the reference's genotype (and the α heatmaps' rows): inputs 0 and 1, nodes from 2.
    const name = (s: number) => (s === 0 ? 'c_{k-2}' : s === 1 ? 'c_{k-1}' : String(s));
    const nodes = [
      { name: name(0), x: 0, y: 60, itemStyle: { color: '#64748b' } },
      { name: name(1), x: 0, y: 240, itemStyle: { color: '#64748b' } },
      // Nodes alternate high and low so that consecutive nodes' edges do not run along one line.
      ...Array.from({ length: steps }, (_, i) => ({
        name: name(i + 2),
        x: 150 + i * 120,
        y: i % 2 ? 300 : 0,
        itemStyle: { color: '#3b82f6' },
      })),
      { name: 'c_{k}', x: 270 + steps * 120, y: 150, itemStyle: { color: '#f59e0b' } },
    ];
    const links = [
      ...gene.map(([op, input], e) => ({
        source: name(input),
        target: name(target(e)),
        label: {
          show: true,
          formatter: op,
          fontSize: 10,
          color: '#e2e8f0',
          backgroundColor: 'rgba(15, 23, 42, 0.8)',
          padding: [1, 3],
          borderRadius: 3,
        },
      })),
      ...concat.map((s) => ({
        source: name(s),
        target: 'c_{k}',
        lineStyle: { type: 'dashed', opacity: 0.5 },
      })),
    ];
    return {
      title: { text: title, textStyle: { fontSize: 13 } },
      series: [
        {
          type: 'graph',
          layout: 'none',
          symbolSize: 34,
          roam: false,
          label: { show: true, color: '#fff', fontSize: 11 },
          edgeSymbol: ['none', 'arrow'],
          edgeSymbolSize: 7,
          lineStyle: { color: '#94a3b8', width: 1.4, curveness: 0.15 },
          data: nodes,
          links,
          top: 50,
          bottom: 30,
          left: 30,
          right: 30,
          // Without it the view stretches x and y apart to fill the box, drawing nodes as ellipses.
          preserveAspect: 'contain',
        },
      ],
    };
  }, [title, gene, targets, concat]);
  return <EChart option={option} label={`${title} diagram`} renderer="svg" height={340} width="50%" />;
}
