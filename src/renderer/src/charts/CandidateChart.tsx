import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import type { CandidateSummary } from '../dashboard/candidates';
import { EChart } from './EChart';

/** Scored candidates: one colour per round, score against the step it was scored at, and the best so far. */
export function CandidateChart({ summary, scoreName }: { summary: CandidateSummary; scoreName: string }) {
  const ink = useChartInk();
  const option = useMemo(
    () => ({
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: number[] }) =>
          `${p.seriesName} · step ${p.value[0]}: ${p.value[1].toFixed(4)}`,
      },
      legend: { type: 'scroll', top: 0 },
      grid: { left: 72, right: 20, top: 34, bottom: 56 },
      xAxis: {
        type: 'value',
        name: 'step',
        nameLocation: 'middle',
        nameGap: 24,
        min: 'dataMin',
        max: 'dataMax',
      },
      yAxis: { type: 'value', name: scoreName, nameLocation: 'middle', nameGap: 56, scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 14, bottom: 4 }],
      series: [
        ...summary.rounds.map((r) => ({
          name: r.round,
          type: 'scatter',
          symbolSize: 6,
          data: r.points,
          large: r.points.length > 2000,
        })),
        {
          name: 'best so far',
          type: 'line',
          step: 'end',
          showSymbol: false,
          data: summary.bestSoFar,
          lineStyle: { width: 2, color: ink.strong },
          itemStyle: { color: ink.strong },
        },
      ],
    }),
    [summary, scoreName, ink],
  );
  const points = summary.rounds.reduce((n, r) => n + r.points.length, 0);
  return <EChart option={option} label="candidate scores chart" width="50%" height={300} points={points} />;
}
