import { useState } from 'react';
import { currentTheme, nextTheme, setTheme, THEME_LABELS } from './theme.ts';

/** The header's theme switch: system → light → dark (also in the command palette). */
export function ThemeToggle() {
  const [theme, setShown] = useState(currentTheme);
  const next = nextTheme(theme);
  return (
    <button
      className="link"
      data-testid="theme-toggle"
      title={`Theme: ${THEME_LABELS[theme]} (click for ${THEME_LABELS[next]})`}
      onClick={() => {
        setTheme(next);
        setShown(next);
      }}
    >
      {theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}
    </button>
  );
}
