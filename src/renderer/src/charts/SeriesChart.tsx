import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import { EChart } from './EChart';

export interface Series {
  name: string;
  points: Array<[number, number]>;
}

/** A vertical line across the chart at x (a phase starting), labelled. */
export interface XMark {
  x: number;
  label: string;
}

/**
 * Y tick labels with as many decimals as the data's range needs: entropies that differ in the sixth
 * digit get six, losses two; a flat series (one point) gets five significant digits instead of the
 * seventeen ECharts would print. Log axes (learning rates) keep three significant digits.
 */
export function yLabelFormatter(series: Series[], log: boolean): (v: number) => string {
  if (log) return (v) => String(Number(v.toPrecision(3)));
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series)
    for (const [, y] of s.points) {
      if (y < lo) lo = y;
      if (y > hi) hi = y;
    }
  const range = hi - lo;
  if (!(range > 0) || !Number.isFinite(range)) return (v) => String(Number(v.toPrecision(5)));
  const decimals = Math.min(12, Math.max(0, Math.ceil(-Math.log10(range)) + 1));
  return (v) => v.toFixed(decimals);
}

/**
 * Lines against a shared x axis (steps or epochs). Long series are drawn downsampled (LTTB keeps the
 * shape of 100k points at a few thousand on screen) and can be zoomed; no per-point symbols.
 */
export function SeriesChart(props: {
  label: string;
  series: Series[];
  xName: string;
  yName: string;
  height?: number;
  width?: string;
  log?: boolean;
  marks?: XMark[];
  integerX?: boolean;
}) {
  const { series, xName, yName, log, marks, integerX } = props;
  const ink = useChartInk();
  const yLabel = useMemo(() => yLabelFormatter(series, !!log), [series, log]);
  const option = useMemo(
    () => ({
      tooltip: { trigger: 'axis' },
      legend: { type: 'scroll', data: series.map((s) => s.name), top: 0 },
      // The y name runs along the axis: at the top it would collide with a long legend.
      grid: { left: 72, right: 20, top: 34, bottom: 56 },
      xAxis: {
        type: 'value',
        name: xName,
        nameLocation: 'middle',
        nameGap: 24,
        min: 'dataMin',
        max: 'dataMax',
        ...(integerX ? { minInterval: 1 } : {}),
      },
      yAxis: {
        type: log ? 'log' : 'value',
        name: yName,
        nameLocation: 'middle',
        nameGap: 56,
        scale: true,
        axisLabel: { formatter: yLabel },
      },
      dataZoom: [{ type: 'inside' }, { type: 'slider', height: 14, bottom: 4 }],
      series: series.map((s, i) => ({
        name: s.name,
        type: 'line',
        showSymbol: s.points.length < 50,
        data: s.points,
        sampling: 'lttb',
        large: true,
        // Marks ride on the first line (a mark line belongs to a series in ECharts).
        ...(i === 0 && marks?.length
          ? {
              markLine: {
                silent: true,
                symbol: 'none',
                lineStyle: { color: ink.markLine, type: 'dashed' },
                label: { formatter: '{b}', color: ink.markLabel, position: 'insideEndTop', fontSize: 10 },
                data: marks.map((m) => ({ name: m.label, xAxis: m.x })),
              },
            }
          : {}),
      })),
    }),
    [series, xName, yName, log, marks, integerX, yLabel, ink],
  );
  const points = series.reduce((n, s) => n + s.points.length, 0);
  return (
    <EChart option={option} label={props.label} height={props.height} width={props.width} points={points} />
  );
}
