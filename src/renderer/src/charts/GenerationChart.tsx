import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import type { GenerationStats } from '../dashboard/search-phase';
import { EChart } from './EChart';

/**
 * An evolution's fitness by generation: each generation's scores as a box (quartiles, whiskers to the
 * extremes) with every candidate as a dot over it, and the best score so far as a line.
 */
export function GenerationChart({ stats, scoreName }: { stats: GenerationStats[]; scoreName: string }) {
  const ink = useChartInk();
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'item' },
      legend: { data: ['quartiles', 'candidates', 'best so far'], top: 0 },
      grid: { left: 72, right: 20, top: 34, bottom: 44 },
      xAxis: {
        type: 'category',
        name: 'generation',
        nameLocation: 'middle',
        nameGap: 26,
        data: stats.map((s) => String(s.generation)),
      },
      yAxis: { type: 'value', name: scoreName, nameLocation: 'middle', nameGap: 56, scale: true },
      series: [
        {
          name: 'quartiles',
          type: 'boxplot',
          data: stats.map((s) => s.box),
          itemStyle: { color: 'rgba(59, 130, 246, 0.18)', borderColor: '#60a5fa' },
          tooltip: {
            formatter: (p: { name: string; data: number[] }) => {
              const [, min, q1, med, q3, max] = p.data;
              return `generation ${p.name}<br/>min ${min.toFixed(4)} · Q1 ${q1.toFixed(4)} · median ${med.toFixed(4)}<br/>Q3 ${q3.toFixed(4)} · max ${max.toFixed(4)}`;
            },
          },
        },
        {
          name: 'candidates',
          type: 'scatter',
          symbolSize: 5,
          itemStyle: { color: '#fbbf24', opacity: 0.75 },
          data: stats.flatMap((s, i) => s.scores.map((v) => [i, v])),
          tooltip: {
            formatter: (p: { value: number[] }) =>
              `generation ${stats[p.value[0]].generation}: ${p.value[1].toFixed(4)}`,
          },
        },
        {
          name: 'best so far',
          type: 'line',
          data: stats.map((s, i) => [i, s.bestSoFar]),
          lineStyle: { width: 2, color: ink.strong },
          itemStyle: { color: ink.strong },
          symbolSize: 5,
        },
      ],
    }),
    [stats, scoreName, ink],
  );
  const points = stats.reduce((n, s) => n + s.scores.length, 0);
  return (
    <EChart option={option} label="fitness by generation chart" width="50%" height={300} points={points} />
  );
}
