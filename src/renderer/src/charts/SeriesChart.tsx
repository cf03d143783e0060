import { useMemo } from 'react';
import { EChart } from './EChart';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/**
 * Lines against a shared x axis (steps or epochs). Long series are drawn downsampled (LTTB keeps the
 * shape of 100k points at a few thousand on screen) and can be zoomed; no per-point symbols.
 */
export function SeriesChart(props: { label: string; series: Series[]; xName: string; yName: string; height?: number; width?: string; log?: boolean }) {
  const { series, xName, yName, log } = props;
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', data: series.map((s) => s.name), top: 0 },
      // The y name runs along the axis: at the top it would collide with a long legend.
      grid: { left: 72, right: 20, top: 34, bottom: 56 },
      xAxis: { type: 'value', name: xName, nameLocation: 'middle', nameGap: 24, min: 'dataMin', max: 'dataMax' },
      yAxis: { type: log ? 'log' : 'value', name: yName, nameLocation: 'middle', nameGap: 56, scale: true },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 14, bottom: 4 }],
      series: series.map((s) => ({ name: s.name, type: 'line', showSymbol: s.points.length < 50, data: s.points, sampling: 'lttb', large: true })),
    }),
    [series, xName, yName, log],
  );
  const points = series.reduce((n, s) => n + s.points.length, 0);
  return <EChart option={option} label={props.label} height={props.height} width={props.width} points={points} />;
}
