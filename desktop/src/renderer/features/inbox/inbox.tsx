import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import { type InboxItem, needsMe } from '../../../bridge/contract.ts';
import { useStore } from '../../store.ts';
import { AlertPane } from './alert-pane.tsx';
import { useCan } from '../session/can.ts';
import { useBridgeLink } from '../../bridge/link.ts';
import { BurningSlos } from '../reliability/burning-slos.tsx';

const SNOOZE_KEYS = { '1': '1h', '2': '1d', '3': '1w' } as const;

/** True when a key press belongs to a text field, not to the inbox's shortcuts. */
const typing = (e: KeyboardEvent) =>
  e.target instanceof HTMLInputElement ||
  e.target instanceof HTMLTextAreaElement ||
  e.target instanceof HTMLSelectElement;

/**
 * The triage inbox: approvals waiting on me, then alerts most severe and newest first,
 * keyboard-first — j/k to move, Enter (or y / n) on an approval decides it on the Approvals
 * page; on an alert a to
 * acknowledge, s then 1/2/3 to snooze for an hour/day/week, r to resolve, c to comment, Enter to
 * open the timeline, Esc to close it. Virtualised so ten thousand items scroll like ten. Every
 * action goes through the outbox: it shows at once, online or not.
 */
export function Inbox() {
  const items = useStore((s) => s.inbox);
  const selected = useStore((s) => s.selected);
  const mode = useStore((s) => s.inboxMode);
  const detail = useStore((s) => s.alertDetail);
  const canOperate = useCan('operate');
  // No role known yet (starting, or this page lost its desktop): say that, not "your role…".
  const role = useStore((s) => s.sync?.workspace?.role);
  const refused = useBridgeLink((l) => l.refused);
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({
    count: items.length,
    getScrollElement: () => parent.current,
    estimateSize: () => 44,
  });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (typing(e) || e.metaKey || e.ctrlKey || e.altKey) return;
      const s = useStore.getState();
      const current: InboxItem | undefined = s.inbox[s.selected];
      // An approval is decided on the Approvals page: Enter (or y / n) takes it there.
      if (current?.kind === 'approval' && ['Enter', 'o', 'y', 'n'].includes(e.key)) {
        e.preventDefault();
        const draft = e.key === 'y' || e.key === 'n' ? e.key : undefined;
        void s.showApprovalOf(current.changeId).then(() => {
          if (draft) s.setDecisionDraft({ decision: draft === 'y' ? 'approve' : 'reject' });
        });
        return;
      }
      const item = current?.kind === 'alert' ? current : undefined;
      if (s.inboxMode === 'snooze') {
        const duration = SNOOZE_KEYS[e.key as keyof typeof SNOOZE_KEYS];
        if (duration && item) void s.act({ kind: 'alert.snooze', args: { alertId: item.id, duration } });
        if (duration || e.key === 'Escape') s.setInboxMode('move');
        e.preventDefault();
        return;
      }
      if (e.key === 'j') s.move(1);
      else if (e.key === 'k') s.move(-1);
      else if (e.key === 'Enter' || e.key === 'o') {
        if (item) void s.openAlert(item.id);
      } else if (e.key === 'Escape') s.closeAlert();
      else if (canOperate && item && e.key === 'a') {
        if (!item.acknowledged) void s.act({ kind: 'alert.acknowledge', args: { alertId: item.id } });
      } else if (canOperate && item && e.key === 's') s.setInboxMode('snooze');
      else if (canOperate && item && e.key === 'r')
        void s.act({ kind: 'alert.resolve', args: { alertId: item.id } });
      else if (canOperate && item && e.key === 'c') {
        void s.openAlert(item.id).then(() => s.setInboxMode('comment'));
      } else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canOperate]);

  useEffect(() => rows.scrollToIndex(selected), [selected, rows]);

  return (
    <div className={detail ? 'inbox with-pane' : 'inbox'}>
      <section aria-label="Triage inbox">
        <h1>
          Inbox{' '}
          <span className="badge" data-testid="inbox-count">
            {items.filter(needsMe).length}
          </span>
        </h1>
        <p className="hint" data-testid="inbox-hint">
          {mode === 'snooze'
            ? 'Snooze for: 1 an hour · 2 a day · 3 a week · Esc cancel'
            : canOperate
              ? 'j / k move · a acknowledge (no note needed; Enter to add one) · s snooze · r resolve · c comment · Enter open · approvals: y / n decide'
              : refused
                ? 'not connected to the running desktop: open the address it printed'
                : role === undefined
                  ? 'j / k move · Enter open · actions appear once the workspace is open'
                  : 'j / k move · Enter open · your role can read, not act'}
        </p>
        <BurningSlos />
        {items.length === 0 ? <p className="muted">Nothing needs you right now.</p> : null}
        <div
          ref={parent}
          className="list"
          role="listbox"
          aria-label="Open items"
          data-empty={items.length === 0}
        >
          <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
            {rows.getVirtualItems().map((v) => {
              const item = items[v.index];
              if (!item) return null;
              if (item.kind === 'approval')
                return (
                  <div
                    key={item.id}
                    role="option"
                    aria-selected={v.index === selected}
                    data-testid="inbox-item"
                    data-kind="approval"
                    data-id={item.id}
                    data-pending={item.pending}
                    className={`row approval ${v.index === selected ? 'selected' : ''}`}
                    style={{
                      position: 'absolute',
                      top: 0,
                      transform: `translateY(${v.start}px)`,
                      width: '100%',
                    }}
                    onClick={() => useStore.setState({ selected: v.index })}
                    onDoubleClick={() => void useStore.getState().showApprovalOf(item.changeId)}
                  >
                    <span className="sev">approval</span>
                    <span className="title">{item.title}</span>
                    <span className="muted host">
                      {item.stepName} · {item.risk} risk · by {item.requester.name}
                    </span>
                    <span className="state">
                      {item.myDecision
                        ? `${item.myDecision === 'approve' ? 'approved' : 'rejected'}${item.pending ? ' (sending…)' : ''}`
                        : 'waiting on you'}
                    </span>
                  </div>
                );
              return (
                <div
                  key={item.id}
                  role="option"
                  aria-selected={v.index === selected}
                  data-testid="inbox-item"
                  data-kind="alert"
                  data-id={item.id}
                  data-acknowledged={item.acknowledged}
                  data-pending={item.pending}
                  className={`row ${v.index === selected ? 'selected' : ''} sev-${item.severity}`}
                  style={{
                    position: 'absolute',
                    top: 0,
                    transform: `translateY(${v.start}px)`,
                    width: '100%',
                  }}
                  onClick={() => useStore.setState({ selected: v.index })}
                  onDoubleClick={() => void useStore.getState().openAlert(item.id)}
                >
                  <span className="sev">{item.severity}</span>
                  <span className="title">{item.title}</span>
                  <span className="muted host" data-testid="inbox-host">
                    {item.hostname === undefined
                      ? ''
                      : `${item.hostname}${item.port === undefined ? '' : `:${item.port}`}`}
                  </span>
                  {item.comments > 0 ? (
                    <span className="muted">
                      {item.comments} {item.comments === 1 ? 'comment' : 'comments'}
                    </span>
                  ) : null}
                  <span className="state">
                    {item.acknowledged ? (item.pending ? 'acknowledged (sending…)' : 'acknowledged') : 'open'}
                  </span>
                </div>
              );
            })}
          </div>
        </div>
      </section>
      {detail ? <AlertPane detail={detail} canOperate={canOperate} /> : null}
    </div>
  );
}
