import { useCallback, useEffect, useState } from 'react';
import type { CabMeetingView, FreezeView } from '../../../bridge/change-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, instant, Outcome, peopleNames, useFormWords, when, words } from './form-bits.tsx';
import { useCan } from '../session/can.ts';

type Message = { ok: boolean; text: string } | undefined;

/** Adds a freeze window (workspace-wide, or for some tags). */
function FreezeForm({ onDone }: { onDone: () => void }) {
  const [f, setF] = useState({ name: '', reason: '', startsAt: '', endsAt: '', tags: '' });
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const save = async () => {
    const r = await bridge.call('freezeWindows.create', {
      name: f.name,
      reason: f.reason,
      startsAt: instant(f.startsAt),
      endsAt: instant(f.endsAt),
      tags: words(f.tags),
    });
    if (r.ok) onDone();
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not added: ${r.message}.` });
    }
  };
  const field = (key: keyof typeof f, label: string, type = 'text') => (
    <label>
      {label}
      <input type={type} value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} />
      <FieldError errors={errors} field={key} />
    </label>
  );
  return (
    <form
      {...formProps}
      className="change-form"
      aria-label="New freeze window"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {field('name', 'Freeze name')}
      {field('reason', 'Reason')}
      {field('startsAt', 'Starts', 'datetime-local')}
      {field('endsAt', 'Ends', 'datetime-local')}
      {field('tags', 'Tags (none: the whole workspace)')}
      <div className="actions">
        <button type="submit">Add freeze window</button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="freeze-form-result" />
    </form>
  );
}

/** One change of a meeting's agenda with the board's decision, or the buttons to record it. */
function AgendaItem(props: {
  meeting: CabMeetingView;
  item: CabMeetingView['agenda'][number];
  canDecide: boolean;
  onDecided: (m: Message) => void;
}) {
  const { item } = props;
  const [comment, setComment] = useState('');
  const decide = async (decision: 'approve' | 'reject') => {
    const r = await bridge.call('cab.decide', {
      meetingId: props.meeting.id,
      changeId: item.changeId,
      decision,
      comment,
    });
    props.onDecided(
      r.ok ? { ok: true, text: `Recorded: ${decision} ${item.title}.` } : { ok: false, text: r.message },
    );
  };
  return (
    <li data-testid="cab-item" data-change={item.changeId}>
      {item.title}{' '}
      <span className="muted">
        ({item.type}, {item.risk} risk, {item.state})
      </span>{' '}
      {item.decision ? (
        <strong>
          {item.decision === 'approve' ? 'approved' : 'rejected'}
          {item.decidedBy ? ` by ${item.decidedBy.name}` : ''}
          {item.comment ? `: ${item.comment}` : ''}
        </strong>
      ) : props.canDecide && props.meeting.state === 'planned' ? (
        <span className="actions">
          <input
            aria-label="CAB comment"
            placeholder="Comment"
            value={comment}
            onChange={(e) => setComment(e.target.value)}
          />
          <button onClick={() => void decide('approve')}>Approve</button>
          <button onClick={() => void decide('reject')}>Reject</button>
        </span>
      ) : null}
    </li>
  );
}

/**
 * The change calendar's rules: freeze windows (no change scheduled inside, unless an emergency)
 * and CAB meetings with their agenda and the board's decision per change. Online.
 */
export function Calendar() {
  const canEdit = useCan('approve');
  const [windows, setWindows] = useState<FreezeView[]>([]);
  const [meetings, setMeetings] = useState<CabMeetingView[]>([]);
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<Message>();
  const load = useCallback(async () => {
    const [w, m] = await Promise.all([bridge.call('freezeWindows.list', {}), bridge.call('cab.list', {})]);
    if (w.ok) setWindows(w.windows);
    if (m.ok) setMeetings(m.meetings);
    if (!w.ok || !m.ok) setMessage({ ok: false, text: w.ok ? (m.ok ? '' : m.message) : w.message });
  }, []);
  useEffect(() => void load(), [load]);
  const after = (m: Message) => {
    setMessage(m);
    void load();
  };
  return (
    <section aria-label="Freeze windows and CAB" data-testid="page-calendar">
      <h2>
        Freeze windows{' '}
        {canEdit && !adding ? <button onClick={() => setAdding(true)}>New freeze window</button> : null}
      </h2>
      {adding ? (
        <FreezeForm
          onDone={() => {
            setAdding(false);
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="calendar-result" />
      {windows.length === 0 ? <p className="muted">No freeze windows ahead.</p> : null}
      <ul className="plain">
        {windows.map((w) => (
          <li key={w.id} data-testid="freeze-row">
            <strong>{w.name}</strong> {when(w.startsAt)} – {when(w.endsAt)}{' '}
            <span className="muted">
              {w.tags.length ? `tags ${w.tags.join(', ')}` : 'whole workspace'}
              {w.reason ? ` · ${w.reason}` : ''}
            </span>{' '}
            {canEdit ? (
              <button
                onClick={() =>
                  void bridge
                    .call('freezeWindows.remove', { id: w.id })
                    .then((r) =>
                      after(r.ok ? { ok: true, text: `Removed ${w.name}.` } : { ok: false, text: r.message }),
                    )
                }
              >
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <h2>CAB meetings</h2>
      {meetings.length === 0 ? <p className="muted">No CAB meetings.</p> : null}
      {meetings.map((m) => (
        <div key={m.id} data-testid="cab-meeting">
          <h3>
            {m.title}{' '}
            <span className="muted">
              {when(m.startsAt)} · {m.state}
            </span>
          </h3>
          <p className="muted">Attendees: {peopleNames(m.attendees) || 'none'}</p>
          {m.agenda.length === 0 ? <p className="muted">Nothing on the agenda.</p> : null}
          <ol>
            {m.agenda.map((item) => (
              <AgendaItem key={item.changeId} meeting={m} item={item} canDecide={canEdit} onDecided={after} />
            ))}
          </ol>
        </div>
      ))}
    </section>
  );
}
