import { useMemo } from 'react';
import { chartInk, type ChartInk } from './echarts-theme';
import { useTheme } from './theme';

/** The colours chart options name themselves, for the theme shown now: one object per theme (memo-safe). */
export function useChartInk(): ChartInk {
  const theme = useTheme();
  return useMemo(() => chartInk(theme), [theme]);
}
