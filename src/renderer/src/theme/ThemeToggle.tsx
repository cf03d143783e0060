import { setThemeChoice, useTheme } from './theme';

/** Switches between the dark and the light theme; the choice is kept (localStorage) over the system's. */
export function ThemeToggle() {
  const theme = useTheme();
  const other = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      className="theme-toggle"
      aria-label={`switch to the ${other} theme`}
      title={`switch to the ${other} theme (kept for next time)`}
      onClick={() => setThemeChoice(other)}
    >
      {theme === 'dark' ? '☀ Light theme' : '☾ Dark theme'}
    </button>
  );
}
