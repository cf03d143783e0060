import { describe, expect, it } from 'vitest';
import { resolveTheme } from './theme';
import { echartsTheme } from './echarts-theme';
import { PALETTES } from './tokens';

describe('theme choice', () => {
  it('a stored choice wins over the system; anything else follows prefers-color-scheme', () => {
    expect(resolveTheme('light', false)).toBe('light');
    expect(resolveTheme('dark', true)).toBe('dark');
    expect(resolveTheme(null, true)).toBe('light');
    expect(resolveTheme(null, false)).toBe('dark');
    expect(resolveTheme('purple', true)).toBe('light');
  });

  it('the charts take their axis and text colours from the theme’s palette', () => {
    for (const name of ['dark', 'light'] as const) {
      const t = echartsTheme(name) as {
        textStyle: { color: string };
        valueAxis: { axisLabel: { color: string }; splitLine: { lineStyle: { color: string } } };
        legend: { textStyle: { color: string } };
      };
      expect(t.textStyle.color).toBe(PALETTES[name].text);
      expect(t.valueAxis.axisLabel.color).toBe(PALETTES[name].muted);
      expect(t.valueAxis.splitLine.lineStyle.color).toBe(PALETTES[name].border);
      expect(t.legend.textStyle.color).toBe(PALETTES[name].text);
    }
    expect(echartsTheme('dark')).not.toEqual(echartsTheme('light'));
  });
});
