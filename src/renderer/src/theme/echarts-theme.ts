import { PALETTES, type Palette, type ThemeName } from './tokens';

/**
 * ECharts themes made from the app's palettes (registered as 'nas-dark' and 'nas-light' by
 * EChart.tsx): axis labels and names in the muted text colour, axis lines and grid in the border
 * colours, legends and titles in the text colour, tooltips on the surface, the series palette.
 */
export function echartsThemeName(name: ThemeName): string {
  return `nas-${name}`;
}

function axis(p: Palette) {
  return {
    axisLine: { lineStyle: { color: p.borderStrong } },
    axisTick: { lineStyle: { color: p.borderStrong } },
    axisLabel: { color: p.muted },
    nameTextStyle: { color: p.muted },
    splitLine: { lineStyle: { color: p.border } },
    splitArea: { show: false },
  };
}

export function echartsTheme(name: ThemeName): Record<string, unknown> {
  const p = PALETTES[name];
  return {
    color: p.series,
    backgroundColor: 'transparent',
    textStyle: { color: p.text },
    title: { textStyle: { color: p.text }, subtextStyle: { color: p.muted } },
    legend: {
      textStyle: { color: p.text },
      pageTextStyle: { color: p.muted },
      inactiveColor: p.borderStrong,
    },
    tooltip: {
      backgroundColor: p.surface,
      borderColor: p.borderStrong,
      textStyle: { color: p.text },
      axisPointer: { lineStyle: { color: p.borderStrong }, crossStyle: { color: p.borderStrong } },
    },
    categoryAxis: axis(p),
    valueAxis: axis(p),
    logAxis: axis(p),
    timeAxis: axis(p),
    visualMap: { textStyle: { color: p.muted } },
    dataZoom: {
      borderColor: p.border,
      fillerColor: name === 'dark' ? 'rgba(96, 165, 250, 0.2)' : 'rgba(37, 99, 235, 0.15)',
      handleStyle: { color: p.surface3, borderColor: p.borderStrong },
      moveHandleStyle: { color: p.borderStrong },
      textStyle: { color: p.muted },
      dataBackground: { lineStyle: { color: p.borderStrong }, areaStyle: { color: p.surface3 } },
      selectedDataBackground: { lineStyle: { color: p.accent }, areaStyle: { color: p.accentWeak } },
    },
    graph: { label: { color: p.text } },
    markLine: { label: { color: p.muted } },
  };
}

/** Colours a chart option names itself (beyond what the theme sets): a line drawn "in the text colour". */
export interface ChartInk {
  /** A line that must stand out from every series (best so far): the text colour. */
  strong: string;
  muted: string;
  /** The gaps between heatmap cells: the page's colour. */
  gap: string;
  /** Dashed event marks (phase boundaries) and their labels. */
  markLine: string;
  markLabel: string;
  /** A limit (a FLOPs bound) and its label. */
  limit: string;
  series: string[];
}

export function chartInk(name: ThemeName): ChartInk {
  const p = PALETTES[name];
  const dark = name === 'dark';
  return {
    strong: p.text,
    muted: p.muted,
    gap: p.bg,
    markLine: dark ? '#a78bfa' : '#7c3aed',
    markLabel: dark ? '#c4b5fd' : '#6d28d9',
    limit: p.danger,
    series: p.series,
  };
}
