/**
 * The app's colour tokens, one palette per theme. styles.css reads them as CSS custom properties
 * (--bg, --text, …, set on <html> by theme.ts); the charts read them through echarts-theme.ts. Every
 * text colour is checked against every background it sits on for WCAG AA (4.5:1) in tokens.test.ts.
 */
export type ThemeName = 'dark' | 'light';

export interface Palette {
  /** The page. */
  bg: string;
  /** Cards, panels, fieldsets. */
  surface: string;
  /** Buttons, zebra rows, code blocks: one step off the surface. */
  surface2: string;
  /** Hovered buttons. */
  surface3: string;
  border: string;
  borderStrong: string;
  text: string;
  /** Secondary text: the wizard's why lines, table headers, units. */
  muted: string;
  link: string;
  /** The primary button's fill and the selected tab's edge; accentText is the text on it. */
  accent: string;
  accentHover: string;
  accentText: string;
  /** The selected tab's fill (text colour on it: text). */
  accentWeak: string;
  danger: string;
  dangerFill: string;
  dangerText: string;
  warning: string;
  success: string;
  info: string;
  focus: string;
  inputBg: string;
  /** Series colours of the charts, in order. */
  series: string[];
}

export const PALETTES: Record<ThemeName, Palette> = {
  dark: {
    bg: '#0f141b',
    surface: '#161c26',
    surface2: '#1f2733',
    surface3: '#2a3442',
    border: '#2c3644',
    borderStrong: '#46546a',
    text: '#e6e9ef',
    muted: '#a6b0be',
    link: '#8ab4ff',
    accent: '#2563eb',
    accentHover: '#1d4ed8',
    accentText: '#ffffff',
    accentWeak: '#1c2c4d',
    danger: '#f98b8b',
    dangerFill: '#b91c1c',
    dangerText: '#ffffff',
    warning: '#fbbf24',
    success: '#4ade80',
    info: '#93c5fd',
    focus: '#93c5fd',
    inputBg: '#0b0f15',
    series: ['#60a5fa', '#facc15', '#34d399', '#f472b6', '#a78bfa', '#fb923c', '#22d3ee', '#f87171'],
  },
  light: {
    bg: '#f5f6f8',
    surface: '#ffffff',
    surface2: '#eef1f5',
    surface3: '#e2e7ee',
    border: '#d6dbe2',
    borderStrong: '#a9b3c1',
    text: '#1a202c',
    muted: '#4d5868',
    link: '#1d4ed8',
    accent: '#2563eb',
    accentHover: '#1d4ed8',
    accentText: '#ffffff',
    accentWeak: '#dbe6fd',
    danger: '#b91c1c',
    dangerFill: '#b91c1c',
    dangerText: '#ffffff',
    warning: '#8a4b00',
    success: '#166534',
    info: '#1e40af',
    focus: '#2563eb',
    inputBg: '#ffffff',
    series: ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#ea580c', '#0891b2', '#dc2626'],
  },
};

/** The CSS custom property of a palette key: accentHover → --accent-hover. */
export function cssVar(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function channels(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** WCAG 2 relative luminance of a #rrggbb colour. */
export function luminance(hex: string): number {
  const [r, g, b] = channels(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG 2 contrast ratio of two colours, 1 to 21. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `fg` drawn at `alpha` over `bg` (the secondary text the app dims with opacity), as #rrggbb. */
export function over(fg: string, alpha: number, bg: string): string {
  const f = channels(fg);
  const b = channels(bg);
  return `#${f
    .map((c, i) => Math.round(alpha * c + (1 - alpha) * b[i]))
    .map((c) => c.toString(16).padStart(2, '0'))
    .join('')}`;
}

/** The lowest opacity the app dims secondary text with (style={{ opacity: 0.7 }}). */
export const DIMMED_OPACITY = 0.7;

/** Every text colour and the backgrounds it is drawn on: each pair must reach 4.5:1. */
export function textPairs(p: Palette): Array<[name: string, fg: string, bg: string]> {
  const out: Array<[string, string, string]> = [];
  const backgrounds = { bg: p.bg, surface: p.surface, surface2: p.surface2 } as const;
  for (const [bgName, bg] of Object.entries(backgrounds)) {
    for (const key of ['text', 'muted', 'link', 'danger', 'warning', 'success', 'info'] as const)
      out.push([`${key} on ${bgName}`, p[key], bg]);
    out.push([`text at opacity ${DIMMED_OPACITY} on ${bgName}`, over(p.text, DIMMED_OPACITY, bg), bg]);
  }
  out.push(['text on surface3 (hovered button)', p.text, p.surface3]);
  out.push(['text on accentWeak (selected tab)', p.text, p.accentWeak]);
  out.push(['link on accentWeak', p.link, p.accentWeak]);
  out.push(['accentText on accent (primary button)', p.accentText, p.accent]);
  out.push(['accentText on accentHover', p.accentText, p.accentHover]);
  out.push(['dangerText on dangerFill (danger button)', p.dangerText, p.dangerFill]);
  out.push(['text on inputBg', p.text, p.inputBg]);
  out.push(['muted on inputBg', p.muted, p.inputBg]);
  return out;
}
