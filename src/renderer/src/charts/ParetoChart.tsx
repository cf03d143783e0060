import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import { niceCeil } from '../dashboard/search-phase';
import { EChart } from './EChart';

/**
 * Score against a cost, one dot per architecture, with the Pareto front (the best score reachable at
 * each cost, drawn as a staircase) and the config's limit on that cost as a vertical line.
 */
export function ParetoChart({
  points,
  front,
  costName,
  scoreName,
  limit,
  limitLabel,
  width = '50%',
}: {
  points: Array<[number, number]>;
  front: Array<[number, number]>;
  costName: string;
  scoreName: string;
  /** The config's limit on the cost, if it sets one, and how its line is labelled. */
  limit?: number;
  limitLabel?: string;
  width?: string;
}) {
  const ink = useChartInk();
  const option = useMemo(
    () => ({
      tooltip: {
        trigger: 'item',
        formatter: (p: { seriesName: string; value: number[] }) =>
          `${p.seriesName}: ${costName} ${p.value[0].toPrecision(4)} · score ${p.value[1].toFixed(4)}`,
      },
      legend: { data: ['architectures', 'Pareto front'], top: 0 },
      grid: { left: 72, right: 28, top: 34, bottom: 44 },
      xAxis: {
        type: 'value',
        name: costName,
        nameLocation: 'middle',
        nameGap: 26,
        scale: true,
        // The limit stays in view even when every candidate is far below it.
        ...(limit !== undefined
          ? { max: (v: { max: number }) => niceCeil(Math.max(v.max, limit) * 1.02) }
          : {}),
      },
      yAxis: { type: 'value', name: scoreName, nameLocation: 'middle', nameGap: 56, scale: true },
      series: [
        {
          name: 'architectures',
          type: 'scatter',
          symbolSize: 6,
          itemStyle: { color: '#60a5fa', opacity: 0.8 },
          data: points,
          ...(limit !== undefined
            ? {
                markLine: {
                  silent: true,
                  symbol: 'none',
                  lineStyle: { color: ink.limit, type: 'dashed', width: 1.5 },
                  label: {
                    formatter: limitLabel ?? `limit ${limit}`,
                    color: ink.limit,
                    position: 'insideEndTop',
                    fontSize: 11,
                  },
                  data: [{ xAxis: limit }],
                },
              }
            : {}),
        },
        {
          name: 'Pareto front',
          type: 'line',
          step: 'end',
          data: front,
          lineStyle: { width: 2, color: '#fbbf24' },
          itemStyle: { color: '#fbbf24' },
          symbolSize: 8,
          z: 3,
        },
      ],
    }),
    [points, front, costName, scoreName, limit, limitLabel, ink],
  );
  return (
    <EChart
      option={option}
      label={`score against ${costName} chart`}
      width={width}
      height={300}
      points={points.length}
    />
  );
}
