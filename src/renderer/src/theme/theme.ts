import { useSyncExternalStore } from 'react';
import { PALETTES, cssVar, type ThemeName } from './tokens';

/**
 * Which theme the app shows: the person's choice when they made one (kept in localStorage), else the
 * system's (prefers-color-scheme), followed live. The palette is written onto <html> as CSS custom
 * properties, so styles.css and every inline `var(--…)` follow it; charts subscribe with useTheme.
 */
export const THEME_STORAGE_KEY = 'nas-studio.theme';

/** The theme to show: a stored 'dark' or 'light' wins; anything else follows the system. */
export function resolveTheme(stored: string | null, systemPrefersLight: boolean): ThemeName {
  if (stored === 'dark' || stored === 'light') return stored;
  return systemPrefersLight ? 'light' : 'dark';
}

const listeners = new Set<() => void>();
const lightQuery = () =>
  typeof window !== 'undefined' && window.matchMedia
    ? window.matchMedia('(prefers-color-scheme: light)')
    : null;

function stored(): string | null {
  try {
    return window.localStorage.getItem(THEME_STORAGE_KEY);
  } catch {
    // Storage refused (a locked-down profile): the system's scheme still applies.
    return null;
  }
}

export function currentTheme(): ThemeName {
  return resolveTheme(stored(), lightQuery()?.matches ?? false);
}

/** Writes the theme's palette onto <html>. */
export function applyTheme(name: ThemeName = currentTheme()): void {
  const root = document.documentElement;
  const palette = PALETTES[name];
  for (const [key, value] of Object.entries(palette))
    if (typeof value === 'string') root.style.setProperty(cssVar(key), value);
  root.dataset.theme = name;
  // Native widgets (scrollbars, date pickers, the select's list) in the same scheme.
  root.style.colorScheme = name;
}

function changed(): void {
  applyTheme();
  for (const l of listeners) l();
}

/** Stores the person's choice (null: follow the system again) and applies it. */
export function setThemeChoice(name: ThemeName | null): void {
  try {
    if (name) window.localStorage.setItem(THEME_STORAGE_KEY, name);
    else window.localStorage.removeItem(THEME_STORAGE_KEY);
  } catch {
    // Storage refused: the choice holds for this page only.
    applyTheme(name ?? currentTheme());
    for (const l of listeners) l();
    return;
  }
  changed();
}

/** Applies the theme now and follows the system's scheme from here on. Call once at start. */
export function startTheme(): void {
  applyTheme();
  lightQuery()?.addEventListener('change', changed);
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** The theme shown now; re-renders the caller when it changes. */
export function useTheme(): ThemeName {
  return useSyncExternalStore(subscribe, () => document.documentElement.dataset.theme as ThemeName);
}
