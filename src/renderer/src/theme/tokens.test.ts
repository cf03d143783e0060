import { describe, expect, it } from 'vitest';
import { PALETTES, contrast, cssVar, luminance, over, textPairs } from './tokens';

describe('colour tokens', () => {
  it('computes WCAG 2 luminance and contrast as the definition gives them', () => {
    // Black and white: luminance 0 and 1, ratio (1 + 0.05) / (0 + 0.05) = 21.
    expect(luminance('#000000')).toBe(0);
    expect(luminance('#ffffff')).toBeCloseTo(1, 12);
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 10);
    expect(contrast('#ffffff', '#000000')).toBeCloseTo(21, 10);
    // Mid grey #777777: channel 119/255 = 0.46667, ((0.46667 + 0.055) / 1.055)^2.4 = 0.18447 (by hand);
    // against white (1.05) / (0.23447) = 4.478, the well-known "#777 just fails AA on white".
    expect(luminance('#777777')).toBeCloseTo(0.18447, 4);
    expect(contrast('#777777', '#ffffff')).toBeCloseTo(4.478, 2);
    // Pure green's luminance is its coefficient in the sRGB formula.
    expect(luminance('#00ff00')).toBeCloseTo(0.7152, 10);
  });

  it('blends a dimmed colour over its background channel by channel', () => {
    expect(over('#ffffff', 0.5, '#000000')).toBe('#808080');
    expect(over('#ff0000', 0.7, '#0000ff')).toBe('#b3004d');
    expect(() => over('red', 1, '#000000')).toThrow(/not a #rrggbb colour: red/);
  });

  it('names CSS custom properties from palette keys', () => {
    expect(cssVar('accentHover')).toBe('--accent-hover');
    expect(cssVar('bg')).toBe('--bg');
  });

  for (const [theme, palette] of Object.entries(PALETTES))
    it(`every text colour of the ${theme} theme reaches WCAG AA (4.5:1) on each background it sits on`, () => {
      const failing = textPairs(palette)
        .map(([name, fg, bg]) => ({ name, ratio: Number(contrast(fg, bg).toFixed(2)) }))
        .filter((p) => p.ratio < 4.5);
      expect(failing).toEqual([]);
      // The pairs cover every text token on every background (7 tokens + dimmed text, 3 backgrounds, 8 more).
      expect(textPairs(palette)).toHaveLength(3 * 8 + 8);
    });

  it('both themes define the same tokens', () => {
    expect(Object.keys(PALETTES.light).sort()).toEqual(Object.keys(PALETTES.dark).sort());
  });
});
