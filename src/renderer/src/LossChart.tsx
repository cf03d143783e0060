import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([LineChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);

/** Train and validation loss against the step; updates in place (no re-creation per point). */
export function LossChart({ train, val }: { train: Array<[number, number]>; val: Array<[number, number]> }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    chart.current = echarts.init(el.current, 'dark', { renderer: 'canvas' });
    return () => chart.current?.dispose();
  }, []);
  useEffect(() => {
    chart.current?.setOption({
      animation: false,
      backgroundColor: 'transparent',
      tooltip: { trigger: 'axis' },
      legend: { data: ['train loss', 'val loss'] },
      xAxis: { type: 'value', name: 'step' },
      yAxis: { type: 'value', name: 'loss', scale: true },
      series: [
        { name: 'train loss', type: 'line', showSymbol: false, data: train, sampling: 'lttb' },
        { name: 'val loss', type: 'line', showSymbol: false, data: val, sampling: 'lttb' },
      ],
    });
  }, [train, val]);
  return <div ref={el} role="img" aria-label="loss chart" style={{ width: '100%', height: 280 }} />;
}
