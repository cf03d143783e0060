import { useMemo } from 'react';
import { EChart } from './EChart';

/** softmax(α) of one cell type as a heatmap: edges down, candidate ops across. */
export function AlphaHeatmap({ title, ops, rows, edgeNames }: { title: string; ops: string[]; rows: number[][]; edgeNames: string[] }) {
  const option = useMemo(() => {
    const data = rows.flatMap((r, e) => r.map((v, k) => [k, e, Number(v.toFixed(4))]));
    // Early in a search softmax(α) is nearly uniform: scale colours to the values' own range.
    const values = rows.flat();
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    return {
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { formatter: (p: { value: number[] }) => `${edgeNames[p.value[1]]}, ${ops[p.value[0]]}: ${p.value[2]}` },
      grid: { left: 70, right: 16, top: 30, bottom: 90 },
      xAxis: { type: 'category', data: ops, axisLabel: { rotate: 45 } },
      yAxis: { type: 'category', data: edgeNames, inverse: true },
      visualMap: { min: lo, max: hi > lo ? hi : lo + 1e-6, show: false, inRange: { color: ['#1e293b', '#3b82f6', '#f59e0b'] } },
      series: [{ type: 'heatmap', data }],
    };
  }, [title, ops, rows, edgeNames]);
  return <EChart option={option} label={`${title} heatmap`} height={380} width="50%" />;
}
