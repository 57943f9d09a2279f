import { useEffect, useMemo, useRef, useState } from 'react';
import { useStore } from '../../store.ts';
import { currentTheme } from '../shell/theme.ts';
import { commandsFor, matchCommands } from './commands.ts';

/**
 * The command palette (Ctrl+K or ⌘K): type to filter, ↑/↓ to choose, Enter to run, Esc to close.
 * Also owns the app-wide `/`: it focuses the current page's search field (marked `data-search`).
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const commands = useMemo(
    () => (open ? matchCommands(commandsFor(useStore.getState(), currentTheme()), query) : []),
    [open, query],
  );

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setOpen((o) => !o);
        setQuery('');
        setActive(0);
        return;
      }
      const inField =
        e.target instanceof HTMLInputElement ||
        e.target instanceof HTMLTextAreaElement ||
        e.target instanceof HTMLSelectElement;
      if (e.key === '/' && !inField && !e.ctrlKey && !e.metaKey) {
        const search = document.querySelector<HTMLInputElement>('[data-search]');
        if (search) {
          e.preventDefault();
          search.focus();
          search.select();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  if (!open) return null;
  const close = () => setOpen(false);
  const run = (i: number) => {
    const c = commands[i];
    if (!c) return;
    close();
    void c.run();
  };
  return (
    <div className="palette-backdrop" onClick={close}>
      <div
        className="palette"
        role="dialog"
        aria-label="Command palette"
        data-testid="palette"
        onClick={(e) => e.stopPropagation()}
      >
        <input
          ref={input}
          aria-label="Command"
          placeholder="Type a command…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            // Keys typed here are the palette's, not the page's shortcuts.
            e.stopPropagation();
            if (e.key === 'Escape') close();
            else if (e.key === 'ArrowDown') setActive((a) => Math.min(a + 1, commands.length - 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(a - 1, 0));
            else if (e.key === 'Enter') run(active);
            else return;
            e.preventDefault();
          }}
        />
        <ul role="listbox" aria-label="Commands">
          {commands.length === 0 ? <li className="muted">No command matches.</li> : null}
          {commands.map((c, i) => (
            <li
              key={c.id}
              role="option"
              aria-selected={i === active}
              data-testid="palette-command"
              onMouseEnter={() => setActive(i)}
              onClick={() => run(i)}
            >
              <span>{c.label}</span>
              {c.hint ? <kbd>{c.hint}</kbd> : null}
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}
