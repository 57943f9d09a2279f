import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import { useStore } from '../../store.ts';
import { AddHostForm } from './add-host.tsx';
import { FilterBar } from './filter-bar.tsx';
import { HostDetailPanel } from './host-detail.tsx';
import { HostLine } from './host-row.tsx';

/** Keys typed into a field are text, not shortcuts. */
const typing = (t: EventTarget | null) =>
  t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement;

/**
 * Certificates and hosts: every monitored host with its grade and days left (soonest expiry
 * first), filters, and the host detail. Keyboard-first: j / k move, Enter opens, Escape closes,
 * p pauses or resumes, s snoozes for a day. Virtualised so thousands of hosts scroll like ten.
 */
export function Certificates() {
  const hosts = useStore((s) => s.hosts);
  const selected = useStore((s) => s.hostSelected);
  const detail = useStore((s) => s.hostDetail);
  const filter = useStore((s) => s.hostFilter);
  const hostsError = useStore((s) => s.hostsError);
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: hosts.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 44,
  });
  // The filter menus offer what the listed hosts carry, plus the current choice, so a chosen
  // tag or grade never disappears from its own menu.
  const facets = useMemo(() => {
    const tags = new Set(hosts.flatMap((h) => h.tags));
    const grades = new Set(hosts.flatMap((h) => (h.grade ? [h.grade] : [])));
    if (filter.tag) tags.add(filter.tag);
    if (filter.grade) grades.add(filter.grade);
    return { tags: [...tags].sort(), grades: [...grades].sort() };
  }, [hosts, filter.tag, filter.grade]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e.target) || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = useStore.getState();
      const host = s.hosts[s.hostSelected];
      if (e.key === 'j') s.moveHost(1);
      else if (e.key === 'k') s.moveHost(-1);
      else if (e.key === 'Enter' && host) void s.openHost(host.id);
      else if (e.key === 'Escape' && s.hostDetail) s.closeHost();
      else if (e.key === 'p' && host)
        void s.hostAct({ kind: host.paused ? 'host.resume' : 'host.pause', args: { hostId: host.id } });
      else if (e.key === 's' && host)
        void s.hostAct({ kind: 'host.snooze', args: { hostId: host.id, duration: '1d' } });
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => rows.scrollToIndex(selected), [selected, rows]);

  const counts = {
    expired: hosts.filter((h) => h.band === 'expired').length,
    soon: hosts.filter((h) => h.band === 'under-7').length,
    unassigned: hosts.filter((h) => h.unassigned).length,
  };

  return (
    <section aria-label="Certificates and hosts" className="certificates">
      <div className="certs-main">
        <h1>
          Certificates and hosts <span className="badge">{hosts.length}</span>
          {counts.expired ? <span className="badge band-expired-bg">{counts.expired} expired</span> : null}
          {counts.soon ? <span className="badge band-under-7-bg">{counts.soon} under 7 days</span> : null}
          {counts.unassigned ? (
            <span
              className="badge unassigned-bg"
              data-testid="unassigned-count"
              title="No agent scans these hosts: move them to an agent in Settings › Agents"
            >
              {counts.unassigned} without an agent
            </span>
          ) : null}
        </h1>
        <p className="hint">
          j / k to move · Enter for detail · p to pause or resume · s to snooze a day · / to filter
        </p>
        <FilterBar tags={facets.tags} grades={facets.grades} />
        {hostsError ? <p className="muted">{hostsError}</p> : null}
        {hosts.length === 0 && !hostsError ? <p className="muted">No hosts match.</p> : null}
        <div ref={parent} className="list" role="listbox" aria-label="Hosts" data-empty={hosts.length === 0}>
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {rows.getVirtualItems().map((v) => {
              const row = hosts[v.index];
              if (!row) return null;
              return (
                <HostLine
                  key={row.id}
                  row={row}
                  selected={v.index === selected}
                  top={v.start}
                  onSelect={() => useStore.setState({ hostSelected: v.index })}
                  onOpen={() => void useStore.getState().openHost(row.id)}
                />
              );
            })}
          </div>
        </div>
        <AddHostForm />
      </div>
      {detail ? <HostDetailPanel host={detail} /> : null}
    </section>
  );
}
