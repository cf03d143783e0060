import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { HeatmapChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([HeatmapChart, GridComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);

/** softmax(α) of one cell type as a heatmap: edges down, candidate ops across. */
export function AlphaHeatmap({ title, ops, rows }: { title: string; ops: string[]; rows: number[][] }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    chart.current = echarts.init(el.current, 'dark');
    return () => chart.current?.dispose();
  }, []);
  useEffect(() => {
    const data = rows.flatMap((r, e) => r.map((v, k) => [k, e, Number(v.toFixed(4))]));
    // Early in a search softmax(α) is nearly uniform: scale colours to the values' own range.
    const values = rows.flat();
    const [lo, hi] = [Math.min(...values), Math.max(...values)];
    chart.current?.setOption({
      animation: false,
      backgroundColor: 'transparent',
      title: { text: title, textStyle: { fontSize: 13 } },
      tooltip: { formatter: (p: { value: number[] }) => `edge ${p.value[1]}, ${ops[p.value[0]]}: ${p.value[2]}` },
      grid: { left: 60, right: 20, top: 30, bottom: 90 },
      xAxis: { type: 'category', data: ops, axisLabel: { rotate: 45 } },
      yAxis: { type: 'category', data: rows.map((_, e) => `edge ${e}`), inverse: true },
      visualMap: { min: lo, max: hi > lo ? hi : lo + 1e-6, show: false, inRange: { color: ['#1e293b', '#3b82f6', '#f59e0b'] } },
      series: [{ type: 'heatmap', data }],
    });
  }, [title, ops, rows]);
  return <div ref={el} role="img" aria-label={`${title} heatmap`} style={{ width: '50%', height: 360, display: 'inline-block' }} />;
}
