import { useMemo } from 'react';
import { useChartInk } from '../theme/use-chart-ink';
import { hoverRows, type CurveLine, type EpochSpan } from '../dashboard/curves';
import { EChart } from './EChart';
import { yLabelFormatter, type XMark } from './SeriesChart';

/** Line colours, fixed per line so that a line's raw, smoothed and epoch-mean series share one. */

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * Step curves as TensorBoard draws them: each logged metric smoothed (when smoothing is on) with its
 * raw values faint behind, its epoch means as dots on a dashed line at each epoch's last step, and a
 * hover that names the step, its epoch and every value there. The three series of a metric share its
 * name, so its legend entry shows or hides them together. data-rendered-points counts the logged
 * points only (what a drawing of the raw data holds), not the derived ones.
 */
export function CurveChart(props: {
  label: string;
  lines: CurveLine[];
  spans: readonly EpochSpan[];
  xName: string;
  yName: string;
  log?: boolean;
  marks?: XMark[];
  width?: string;
  height?: number;
}) {
  const { lines, spans, xName, yName, log, marks } = props;
  const ink = useChartInk();
  const palette = ink.series;
  const yLabel = useMemo(
    () =>
      yLabelFormatter(
        lines.map((l) => ({ name: l.title, points: l.raw })),
        !!log,
      ),
    [lines, log],
  );
  const option = useMemo(() => {
    const series: object[] = [];
    // Three series per line, always (empty when off): ECharts keeps a shown tooltip's series by index,
    // and removing one under it (smoothing set to 0 while hovering) breaks its next redraw.
    lines.forEach((l, i) => {
      const color = palette[i % palette.length];
      const base = { name: l.title, type: 'line', sampling: 'lttb', large: true, color };
      // The smoothed line first: the legend takes a name's colour from its first series.
      series.push({
        ...base,
        id: `${l.key}:smoothed`,
        data: l.smoothed ?? [],
        showSymbol: false,
        z: 3,
        lineStyle: { width: 2 },
      });
      series.push({
        ...base,
        id: `${l.key}:raw`,
        data: l.raw,
        showSymbol: l.raw.length < 50,
        z: 2,
        // Faint behind its smoothed line, as TensorBoard shows it.
        lineStyle: l.smoothed ? { width: 1, opacity: 0.25 } : { width: 1.5, opacity: 1 },
        itemStyle: { opacity: l.smoothed ? 0.25 : 1 },
      });
      series.push({
        ...base,
        id: `${l.key}:means`,
        data: l.means.map((m) => [m.x, m.mean]),
        sampling: undefined,
        showSymbol: true,
        symbol: 'circle',
        symbolSize: 7,
        z: 4,
        lineStyle: { width: 1, type: 'dashed' },
      });
    });
    if (marks?.length && series.length)
      Object.assign(series[0], {
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { color: ink.markLine, type: 'dashed' },
          label: { formatter: '{b}', color: ink.markLabel, position: 'insideEndTop', fontSize: 10 },
          data: marks.map((m) => ({ name: m.label, xAxis: m.x })),
        },
      });
    const colorOf = new Map(lines.map((l, i) => [l.title, palette[i % palette.length]]));
    return {
      tooltip: {
        trigger: 'axis',
        axisPointer: { type: 'line' },
        // Inside the chart: beside the left edge it would be cut off by the page.
        confine: true,
        // From the chart's own data, not ECharts' nearest points: exact values at the hovered step.
        formatter: (params: Array<{ axisValue: number }> | { axisValue: number }) => {
          const first = Array.isArray(params) ? params[0] : params;
          if (!first) return '';
          const x = Math.round(Number(first.axisValue));
          const { header, rows } = hoverRows(x, lines, spans);
          return [
            `<b>${escapeHtml(header)}</b>`,
            ...rows.map(
              (r) =>
                `<span style="color:${colorOf.get(r.title)}">●</span> ${escapeHtml(r.title)}: ${escapeHtml(r.text)}`,
            ),
          ].join('<br/>');
        },
      },
      legend: { type: 'scroll', data: lines.map((l) => l.title), top: 0 },
      grid: { left: 72, right: 20, top: 34, bottom: 56 },
      xAxis: {
        type: 'value',
        name: xName,
        nameLocation: 'middle',
        nameGap: 24,
        min: 'dataMin',
        max: 'dataMax',
        minInterval: 1,
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
      series,
    };
  }, [lines, spans, xName, yName, log, marks, yLabel, ink, palette]);
  const points = lines.reduce((n, l) => n + l.raw.length, 0);
  return (
    <EChart option={option} label={props.label} height={props.height} width={props.width} points={points} />
  );
}
