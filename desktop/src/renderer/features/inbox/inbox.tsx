import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { useStore } from '../../store.ts';

/**
 * The triage inbox: most severe and newest first, keyboard-first (j/k to move, a to
 * acknowledge). Virtualised so ten thousand items scroll like ten.
 */
export function Inbox() {
  const items = useStore((s) => s.inbox);
  const selected = useStore((s) => s.selected);
  const act = useStore((s) => s.act);
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: items.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 44,
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.target instanceof HTMLInputElement || e.metaKey || e.ctrlKey) return;
      const { move, inbox, selected: i } = useStore.getState();
      if (e.key === 'j') move(1);
      else if (e.key === 'k') move(-1);
      else if (e.key === 'a') {
        const item = inbox[i];
        if (item && !item.acknowledged) void act({ kind: 'alert.acknowledge', args: { alertId: item.id } });
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act]);

  useEffect(() => rows.scrollToIndex(selected), [selected, rows]);

  return (
    <section aria-label="Triage inbox">
      <h1>
        Inbox{' '}
        <span className="badge" data-testid="inbox-count">
          {items.filter((i) => !i.acknowledged).length}
        </span>
      </h1>
      <p className="hint">j / k to move · a to acknowledge</p>
      {items.length === 0 ? <p className="muted">Nothing needs you right now.</p> : null}
      <div ref={parent} className="list" role="listbox" aria-label="Open items">
        <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
          {rows.getVirtualItems().map((v) => {
            const item = items[v.index];
            if (!item) return null;
            return (
              <div
                key={item.id}
                role="option"
                aria-selected={v.index === selected}
                data-testid="inbox-item"
                data-acknowledged={item.acknowledged}
                data-pending={item.pending}
                className={`row ${v.index === selected ? 'selected' : ''} sev-${item.severity}`}
                style={{ position: 'absolute', top: 0, transform: `translateY(${v.start}px)`, width: '100%' }}
                onClick={() => useStore.setState({ selected: v.index })}
              >
                <span className="sev">{item.severity}</span>
                <span className="title">{item.title}</span>
                <span className="state">
                  {item.acknowledged ? (item.pending ? 'acknowledged (sending…)' : 'acknowledged') : 'open'}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </section>
  );
}
