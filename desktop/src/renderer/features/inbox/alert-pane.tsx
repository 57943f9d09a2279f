import { useEffect, useRef, useState } from 'react';
import type { AlertDetail } from '../../../bridge/contract.ts';
import { useStore } from '../../store.ts';

const WORDS: Record<AlertDetail['timeline'][number]['kind'], string> = {
  opened: 'Opened',
  paged: 'Paged',
  acknowledged: 'Acknowledged',
  comment: 'Comment',
  resolved: 'Resolved',
};

/** One alert's timeline and a comment box (c focuses it; Enter sends, Esc leaves it). */
export function AlertPane({ detail, canOperate }: { detail: AlertDetail; canOperate: boolean }) {
  const mode = useStore((s) => s.inboxMode);
  const [body, setBody] = useState('');
  const [refusal, setRefusal] = useState<string | undefined>();
  const box = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    if (mode === 'comment') box.current?.focus();
  }, [mode]);

  const acknowledged = detail.timeline.some((t) => t.kind === 'acknowledged');
  const done = () => {
    setBody('');
    useStore.getState().setInboxMode('move');
    box.current?.blur();
  };
  const send = () => {
    const text = body.trim();
    if (!text) return;
    void useStore.getState().act({ kind: 'alert.comment', args: { alertId: detail.id, body: text } });
    done();
  };
  // The note is optional (`a` in the list acknowledges without one); written here, it is kept
  // with the acknowledgement in the timeline.
  const acknowledge = () => {
    const note = body.trim();
    void useStore
      .getState()
      .act({ kind: 'alert.acknowledge', args: { alertId: detail.id, ...(note ? { note } : {}) } });
    done();
  };

  return (
    <aside className="pane" aria-label="Alert detail" data-testid="alert-pane">
      <header>
        <h2>{detail.title}</h2>
        <button aria-label="Close" onClick={() => useStore.getState().closeAlert()}>
          ✕
        </button>
      </header>
      <dl>
        <dt>Severity</dt>
        <dd className={`sev-${detail.severity}`}>{detail.severity}</dd>
        <dt>Host</dt>
        <dd>{detail.hostname ? `${detail.hostname}:${detail.port ?? 443}` : 'unknown'}</dd>
        <dt>Rule</dt>
        <dd>{detail.rule ?? 'unknown'}</dd>
        <dt>State</dt>
        <dd>{detail.state}</dd>
      </dl>
      {canOperate ? (
        <div className="actions">
          <button
            onClick={() =>
              void useStore
                .getState()
                .raiseIncident({ fromAlertId: detail.id })
                .then((r) => setRefusal(r.ok ? undefined : `No incident opened: ${r.message}.`))
            }
          >
            Open incident
          </button>
          {detail.renewable ? (
            <button
              onClick={() =>
                void useStore
                  .getState()
                  .draftRenewal(detail.id)
                  .then((r) => setRefusal(r.ok ? undefined : `No renewal drafted: ${r.message}.`))
              }
            >
              Draft renewal change
            </button>
          ) : null}
        </div>
      ) : null}
      {refusal ? (
        <p role="status" className="bad" data-testid="alert-action-result">
          {refusal}
        </p>
      ) : null}
      <ol className="timeline">
        {detail.timeline.map((t, i) => (
          <li
            key={`${t.kind}-${t.at}-${i}`}
            data-testid="timeline-entry"
            data-kind={t.kind}
            data-pending={t.pending}
          >
            <time dateTime={t.at}>{new Date(t.at).toLocaleString()}</time> <strong>{WORDS[t.kind]}</strong>
            {t.by ? <span className="muted"> by {t.by}</span> : null}
            {t.pending ? <span className="muted"> (sending…)</span> : null}
            {t.text ? <p>{t.text}</p> : null}
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
          <label htmlFor="comment-box">Comment</label>
          <textarea
            id="comment-box"
            ref={box}
            value={body}
            rows={3}
            maxLength={4000}
            onChange={(e) => setBody(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey) {
                e.preventDefault();
                send();
              } else if (e.key === 'Escape') {
                useStore.getState().setInboxMode('move');
                box.current?.blur();
              }
            }}
          />
          <button type="submit" disabled={!body.trim()}>
            Add comment
          </button>
          {acknowledged ? null : (
            <>
              {' '}
              <button type="button" onClick={acknowledge}>
                {body.trim() ? 'Acknowledge with this note' : 'Acknowledge (no note)'}
              </button>
              <p className="muted">
                A note is optional: write one above to keep it with the acknowledgement.
              </p>
            </>
          )}
        </form>
      ) : null}
    </aside>
  );
}
