import type { IncidentState } from '@vigilo/shared/incident-states';
import { useEffect, useRef, useState } from 'react';
import type { IncidentDetail } from '../../../bridge/incidents.ts';
import { useStore } from '../../store.ts';

const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString() : '');

const MOVE_WORDS: Record<IncidentState, string> = {
  investigating: 'Back to investigating',
  identified: 'Cause identified',
  monitoring: 'Fix in, monitoring',
  resolved: 'Resolved',
  closed: 'Close',
};

/**
 * One incident: its state with the moves allowed from it, what it is linked to, its tasks and
 * postmortem, and the timeline with a note box (n focuses it; Enter adds the note). Notes and
 * moves go through the outbox: they show at once, offline too.
 */
export function IncidentPane({ detail, canOperate }: { detail: IncidentDetail; canOperate: boolean }) {
  const [note, setNote] = useState('');
  const box = useRef<HTMLTextAreaElement>(null);
  const s = useStore.getState();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'n' || !canOperate || e.target instanceof HTMLTextAreaElement) return;
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
      e.preventDefault();
      box.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [canOperate]);
  const send = () => {
    if (!note.trim()) return;
    void s.noteIncident(note);
    setNote('');
  };
  const linked = (label: string, items: Array<{ id: string; name: string }>) =>
    items.length ? (
      <>
        <dt>{label}</dt>
        <dd>{items.map((i) => i.name).join(', ')}</dd>
      </>
    ) : null;

  return (
    <aside className="pane" aria-label={`Incident ${detail.title}`} data-testid="incident-detail">
      <header>
        <h2>{detail.title}</h2>
        <button aria-label="Close" onClick={() => s.closeIncident()}>
          ✕
        </button>
      </header>
      <dl>
        <dt>Severity</dt>
        <dd className={`sev-${detail.severity}`}>{detail.severity}</dd>
        <dt>State</dt>
        <dd data-testid="incident-state" data-pending={detail.pending}>
          {detail.state}
          {detail.pending ? ' (waiting to send)' : ''}
        </dd>
        <dt>Commander</dt>
        <dd>{detail.commander?.name ?? 'nobody yet'}</dd>
        <dt>Opened</dt>
        <dd>{when(detail.openedAt)}</dd>
        {linked('Hosts', detail.hosts)}
        {linked('Alerts', detail.alerts)}
        {linked('Changes', detail.changes)}
      </dl>
      {detail.summary ? <p className="plan">{detail.summary}</p> : null}
      {canOperate ? (
        <div className="actions" data-testid="incident-moves">
          {detail.allowedTransitions.map((to) => (
            <button key={to} onClick={() => void s.moveIncidentTo(to)}>
              {MOVE_WORDS[to]}
            </button>
          ))}
        </div>
      ) : null}
      {detail.tasks.length ? (
        <>
          <h3>Tasks</h3>
          <ul>
            {detail.tasks.map((t) => (
              <li key={t.id}>
                {t.title} <span className="muted">· {t.status.replace('_', ' ')}</span>
                {t.assignee ? <span className="muted"> · {t.assignee.name}</span> : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {detail.postmortem ? (
        <>
          <h3>Postmortem</h3>
          <p className="plan">{detail.postmortem.summary}</p>
          {detail.postmortem.rootCause ? (
            <p className="plan">Root cause: {detail.postmortem.rootCause}</p>
          ) : null}
        </>
      ) : null}
      <h3>Timeline</h3>
      <ol className="timeline" data-testid="incident-timeline">
        {detail.timeline.map((t) => (
          <li key={t.id} data-testid="incident-event" data-kind={t.kind} data-pending={t.pending}>
            <time dateTime={t.at}>{when(t.at)}</time> <strong>{t.what}</strong>
            <span className="muted"> by {t.by}</span>
            {t.pending ? <span className="muted"> (waiting to send)</span> : null}
            {t.body ? <p>{t.body}</p> : null}
          </li>
        ))}
      </ol>
      {canOperate ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            send();
          }}
        >
          <label htmlFor="incident-note">Note</label>
          <textarea
            id="incident-note"
            ref={box}
            rows={3}
            maxLength={4000}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                send();
              } else if (e.key === 'Escape') box.current?.blur();
            }}
          />
          <button type="submit" disabled={!note.trim()}>
            Add note
          </button>
        </form>
      ) : null}
    </aside>
  );
}
