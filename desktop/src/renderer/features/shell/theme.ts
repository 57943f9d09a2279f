/**
 * Light, dark, or the system's choice. Kept in localStorage (a display preference, not data) and
 * applied as `data-theme` on <html>, which styles.css reads.
 */
export type Theme = 'system' | 'light' | 'dark';
export const THEME_LABELS: Record<Theme, string> = {
  system: 'follow the system',
  light: 'light',
  dark: 'dark',
};
const KEY = 'vigilo-theme';
const ORDER: Theme[] = ['system', 'light', 'dark'];

export function currentTheme(): Theme {
  const saved = localStorage.getItem(KEY);
  return saved === 'light' || saved === 'dark' ? saved : 'system';
}

export function nextTheme(theme: Theme): Theme {
  return ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length] ?? 'system';
}

export function setTheme(theme: Theme): void {
  if (theme === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, theme);
  applyTheme();
}

export function applyTheme(): void {
  const theme = currentTheme();
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}
