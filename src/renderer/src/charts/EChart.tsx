import { useEffect, useRef } from 'react';
import * as echarts from 'echarts/core';
import { BoxplotChart, GraphChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
import { echartsTheme, echartsThemeName } from '../theme/echarts-theme';
import { useTheme } from '../theme/theme';

echarts.use([
  LineChart,
  HeatmapChart,
  GraphChart,
  ScatterChart,
  BoxplotChart,
  GridComponent,
  MarkLineComponent,
  LegendComponent,
  TooltipComponent,
  TitleComponent,
  VisualMapComponent,
  DataZoomComponent,
  CanvasRenderer,
  SVGRenderer,
]);
echarts.registerTheme(echartsThemeName('dark'), echartsTheme('dark'));
echarts.registerTheme(echartsThemeName('light'), echartsTheme('light'));

export type EChartsOption = echarts.EChartsCoreOption;

/**
 * One ECharts instance bound to a div: created once, updated in place with setOption (never
 * re-created per point; re-created when the app's theme changes, as ECharts themes are fixed at
 * init), resized with its container, disposed on unmount. `renderer: 'svg'` puts the
 * drawing's text in the DOM (the genotype diagram, so tests and screen readers can read it).
 */
export function EChart(props: {
  option: EChartsOption;
  label: string;
  height?: number;
  width?: string;
  renderer?: 'canvas' | 'svg';
  points?: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const { renderer = 'canvas', points = 0 } = props;
  const shownPoints = useRef(0);
  const theme = useTheme();
  useEffect(() => {
    const div = el.current;
    if (!div) return;
    const c = echarts.init(div, echartsThemeName(theme), { renderer });
    chart.current = c;
    // data-rendered-points: how many points the last finished drawing holds (tests and timing).
    c.on('finished', () => div.setAttribute('data-rendered-points', String(shownPoints.current)));
    const observer = new ResizeObserver(() => c.resize());
    observer.observe(div);
    return () => {
      observer.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, [renderer, theme]);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    shownPoints.current = points;
    c.setOption(
      { animation: false, backgroundColor: 'transparent', ...props.option },
      { replaceMerge: ['series'] },
    );
    // theme: a new instance (above) starts empty and takes the option again.
  }, [props.option, points, theme]);
  return (
    <div
      ref={el}
      role="img"
      aria-label={props.label}
      data-points={points}
      style={{
        width: props.width ?? '100%',
        height: props.height ?? 260,
        display: 'inline-block',
        // Charts of different heights side by side line up at the top.
        verticalAlign: 'top',
      }}
    />
  );
}
