import { useCallback, useEffect, useState } from 'react';
import type { HostChoice, MaintenanceView, SnoozeView } from '../../../bridge/people-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, instant, Outcome, when, words } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { useNewIntent } from './new-intent.ts';
import { localIn, localInput, OfflineNote } from './people-bits.tsx';

const HOUR = 3_600_000;

type Draft = {
  id: string | undefined;
  name: string;
  hostIds: string[];
  tags: string;
  startsAt: string;
  endsAt: string;
  /** '' for once, else every N days. */
  repeatDays: string;
};

const blank = (): Draft => ({
  id: undefined,
  name: '',
  hostIds: [],
  tags: '',
  startsAt: localIn(HOUR),
  endsAt: localIn(3 * HOUR),
  repeatDays: '',
});

const fromWindow = (w: MaintenanceView): Draft => ({
  id: w.id,
  name: w.name,
  hostIds: w.hostIds,
  tags: w.tags.join(', '),
  startsAt: localInput(w.startsAt),
  endsAt: localInput(w.endsAt),
  repeatDays: w.repeatDays === null ? '' : String(w.repeatDays),
});

/** How often a window comes back, in words. */
const repeatWords = (days: number | null) =>
  days === null ? 'once' : days === 1 ? 'every day' : days === 7 ? 'every week' : `every ${days} days`;

/** A typed whole number of days, or 0 for anything else (the server names the field). */
const days = (s: string) => (/^\s*\d{1,4}\s*$/.test(s) ? Number(s) : 0);

/** Creates a window, or edits the one it was opened with; the server's words beside each field. */
function WindowForm(props: {
  draft: Draft;
  hosts: HostChoice[];
  onDone: (saved: string | undefined) => void;
}) {
  const [d, setD] = useState(props.draft);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const save = async () => {
    const r = await bridge.call('maintenance.save', {
      ...(d.id ? { id: d.id } : {}),
      name: d.name,
      hostIds: d.hostIds,
      tags: words(d.tags),
      startsAt: instant(d.startsAt),
      endsAt: instant(d.endsAt),
      repeatDays: d.repeatDays.trim() ? days(d.repeatDays) : null,
    });
    if (r.ok) props.onDone(d.name);
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${r.message}.` });
    }
  };
  return (
    <form
      className="change-form"
      aria-label={d.id ? 'Edit maintenance window' : 'Schedule maintenance'}
      data-testid="maintenance-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        Window name
        <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} />
        <FieldError errors={errors} field="name" />
      </label>
      <label>
        Hosts
        <select
          multiple
          aria-label="Hosts"
          value={d.hostIds}
          onChange={(e) => setD({ ...d, hostIds: [...e.target.selectedOptions].map((o) => o.value) })}
        >
          {props.hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.label}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="hostIds" />
      </label>
      <label>
        Tags (hosts with any of them)
        <input
          aria-label="Tags"
          value={d.tags}
          placeholder="db, edge"
          onChange={(e) => setD({ ...d, tags: e.target.value })}
        />
        <FieldError errors={errors} field="tags" />
      </label>
      <label>
        Starts
        <input
          type="datetime-local"
          value={d.startsAt}
          onChange={(e) => setD({ ...d, startsAt: e.target.value })}
        />
        <FieldError errors={errors} field="startsAt" />
      </label>
      <label>
        Ends
        <input
          type="datetime-local"
          value={d.endsAt}
          onChange={(e) => setD({ ...d, endsAt: e.target.value })}
        />
        <FieldError errors={errors} field="endsAt" />
      </label>
      <label>
        Repeat every … days (empty: once)
        <input
          inputMode="numeric"
          value={d.repeatDays}
          onChange={(e) => setD({ ...d, repeatDays: e.target.value })}
        />
        <FieldError errors={errors} field="repeatDays" />
      </label>
      <div className="actions">
        <button type="submit">{d.id ? 'Save window' : 'Schedule'}</button>
        <button type="button" onClick={() => props.onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="maintenance-form-result" />
    </form>
  );
}

/** Snoozes in force, with un-snooze for those who may (operate). */
function Snoozes() {
  const canLift = useCan('operate');
  const [snoozes, setSnoozes] = useState<SnoozeView[]>([]);
  const [offline, setOffline] = useState<string | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('snoozes.list', {});
    if (list.ok) {
      setSnoozes(list.snoozes);
      setOffline(list.offline);
    } else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  const lift = async (s: SnoozeView) => {
    const r = await bridge.call('snoozes.lift', { id: s.id });
    setMessage(
      r.ok
        ? { ok: true, text: `Un-snoozed ${s.subject}: its alerts open and notify again.` }
        : { ok: false, text: `Not un-snoozed: ${r.message}.` },
    );
    await load();
  };
  return (
    <section aria-label="Snoozes" data-testid="snoozes">
      <h3>Snoozes</h3>
      <OfflineNote note={offline} testId="snoozes-offline" />
      <Outcome message={message} testId="snoozes-result" />
      {snoozes.length === 0 ? <p className="muted">Nothing is snoozed.</p> : null}
      <ul className="plain">
        {snoozes.map((s) => (
          <li key={s.id} data-testid="snooze-row">
            <strong>{s.subject}</strong> until {when(s.until)}
            {s.reason ? ` (${s.reason})` : ''} <span className="muted">by {s.createdBy}</span>{' '}
            {canLift && !offline ? <button onClick={() => void lift(s)}>Un-snooze</button> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * Settings › Maintenance: maintenance windows (while one is open its hosts raise no alert) and
 * the snoozes in force. Admins schedule, edit and cancel windows; members un-snooze. Windows live
 * on the server only; snoozes replicate, so offline they are listed read-only.
 */
export function MaintenanceAdmin() {
  const isAdmin = useCan('administer');
  const [windows, setWindows] = useState<MaintenanceView[]>([]);
  const [hosts, setHosts] = useState<HostChoice[]>([]);
  const [unavailable, setUnavailable] = useState<{ message: string; offline: boolean } | undefined>();
  const [editing, setEditing] = useState<Draft | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('maintenance.list', {});
    setHosts(list.hosts);
    if (list.ok) {
      setWindows(list.windows);
      setUnavailable(undefined);
    } else setUnavailable({ message: list.message, offline: list.reason === 'offline' });
  }, []);
  useEffect(() => void load(), [load]);
  // The command palette's action opens the create form once (its 'new' intent).
  useNewIntent(isAdmin, () => setEditing(blank()));
  const canEdit = isAdmin && !unavailable;
  const hostLabel = (id: string) => hosts.find((h) => h.id === id)?.label ?? 'a host no longer here';
  const cancel = async (w: MaintenanceView) => {
    setConfirming(undefined);
    const r = await bridge.call('maintenance.cancel', { id: w.id });
    setMessage(
      r.ok ? { ok: true, text: `Cancelled ${w.name}.` } : { ok: false, text: `Not cancelled: ${r.message}.` },
    );
    await load();
  };
  return (
    <section aria-label="Maintenance" data-testid="page-maintenance">
      <h2>
        Maintenance{' '}
        {canEdit && !editing ? (
          <button onClick={() => setEditing(blank())}>Schedule maintenance</button>
        ) : null}
      </h2>
      <p className="hint">
        While a window is open, its hosts (named, or carrying one of its tags) raise no alert. A repeating
        window comes back every so many days.
      </p>
      {unavailable ? (
        <p role="status" className="bad" data-testid="maintenance-offline">
          {unavailable.message}.
          {unavailable.offline
            ? ' Maintenance windows are kept on the server only: they show again once it can be reached.'
            : ''}
        </p>
      ) : null}
      {!isAdmin ? <p className="muted">Only admins can schedule, edit or cancel maintenance.</p> : null}
      {editing && canEdit ? (
        <WindowForm
          key={editing.id ?? 'new'}
          draft={editing}
          hosts={hosts}
          onDone={(saved) => {
            setEditing(undefined);
            if (saved) setMessage({ ok: true, text: `Saved ${saved}.` });
            void load();
          }}
        />
      ) : null}
      <Outcome message={message} testId="maintenance-result" />
      {!unavailable && windows.length === 0 ? <p className="muted">No maintenance window ahead.</p> : null}
      <ul className="plain">
        {windows.map((w) => (
          <li key={w.id} data-testid="maintenance-row" data-name={w.name}>
            <strong>{w.name}</strong> {w.inForce ? <span className="severity warning">in force</span> : null}
            <div className="muted">
              {when(w.startsAt)} – {when(w.endsAt)}, {repeatWords(w.repeatDays)} ·{' '}
              {[...w.hostIds.map(hostLabel), ...w.tags.map((t) => `tag ${t}`)].join(', ')}
              {w.changeId ? ' · opened by an approved change, which moves and removes it' : ''}
            </div>
            {canEdit && !w.changeId ? (
              confirming === w.id ? (
                <span className="actions" role="group" aria-label={`Cancel ${w.name}?`}>
                  Cancel {w.name}? Its hosts alert again at once.{' '}
                  <button onClick={() => void cancel(w)}>Yes, cancel it</button>{' '}
                  <button onClick={() => setConfirming(undefined)}>Keep it</button>
                </span>
              ) : (
                <span className="actions">
                  <button onClick={() => setEditing(fromWindow(w))}>Edit</button>{' '}
                  <button onClick={() => setConfirming(w.id)}>Cancel window</button>
                </span>
              )
            ) : null}
          </li>
        ))}
      </ul>
      <Snoozes />
    </section>
  );
}
