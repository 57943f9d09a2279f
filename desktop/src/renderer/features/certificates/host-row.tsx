import type { HostRow } from '../../../bridge/inventory.ts';

/** The days-left figure, coloured by its expiry band (styles.css: green, amber, red, dark red). */
export function DaysLeft({ row }: { row: HostRow }) {
  const text =
    row.daysLeft === null
      ? 'no certificate'
      : row.band === 'expired'
        ? row.daysLeft === 0
          ? 'expired today'
          : `expired ${-row.daysLeft} d ago`
        : `${row.daysLeft} d left`;
  return (
    <span className={`days band-${row.band}`} data-testid="days-left">
      {text}
    </span>
  );
}

/** Paused, snoozed, unreachable and open alerts, in a few words. */
export function describeStatus(row: HostRow): string {
  const parts: string[] = [];
  // Nobody scans a host without an agent: say so before anything its old scans may show.
  if (row.unassigned) parts.push('no agent: not scanned');
  if (row.paused) parts.push('paused');
  if (row.snoozedUntil) parts.push(`snoozed until ${new Date(row.snoozedUntil).toLocaleString()}`);
  if (row.reachable === false) parts.push('unreachable');
  if (row.openAlerts > 0) parts.push(`${row.openAlerts} open alert${row.openAlerts === 1 ? '' : 's'}`);
  if (row.pending) parts.push('sending…');
  return parts.join(' · ') || (row.reachable === null ? 'not scanned yet' : 'ok');
}

/** One line of the virtualised list. */
export function HostLine({
  row,
  selected,
  top,
  onSelect,
  onOpen,
}: {
  row: HostRow;
  selected: boolean;
  top: number;
  onSelect: () => void;
  onOpen: () => void;
}) {
  return (
    <div
      role="option"
      aria-selected={selected}
      data-testid="host-row"
      data-host={`${row.hostname}:${row.port}`}
      data-band={row.band}
      data-grade={row.grade ?? ''}
      data-paused={row.paused}
      data-pending={row.pending}
      data-unassigned={row.unassigned}
      className={`row host-line ${selected ? 'selected' : ''} ${row.paused ? 'paused' : ''} ${row.unassigned ? 'unassigned' : ''}`}
      style={{ position: 'absolute', top: 0, transform: `translateY(${top}px)`, width: '100%' }}
      onClick={onSelect}
      onDoubleClick={onOpen}
    >
      <span className="grade" data-grade={row.grade ?? ''}>
        {row.grade ?? '—'}
      </span>
      <span className="title">
        {row.hostname}:{row.port}
      </span>
      <DaysLeft row={row} />
      <span className="tags">
        {row.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
      </span>
      <span className="state">{describeStatus(row)}</span>
    </div>
  );
}
