import { useCallback, useEffect, useState } from 'react';
import type { DelegationView } from '../../../bridge/change-admin.ts';
import type { Person } from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, instant, Outcome, useFormWords, when } from './form-bits.tsx';
import { useCan } from '../session/can.ts';

/**
 * "I'm away": names a delegate who also receives my approvals between two instants; lists the
 * delegations not over yet (mine can be removed). Approvers only; online.
 */
export function Away() {
  const canDelegate = useCan('approve');
  const [list, setList] = useState<DelegationView[]>([]);
  const [people, setPeople] = useState<Person[]>([]);
  const [d, setD] = useState({ delegateId: '', startsAt: '', endsAt: '', reason: '' });
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  const load = useCallback(async () => {
    const [delegations, members] = await Promise.all([
      bridge.call('delegations.list', {}),
      bridge.call('people.list', {}),
    ]);
    setPeople(members);
    if (delegations.ok) setList(delegations.delegations);
    else setMessage({ ok: false, text: delegations.message });
  }, []);
  useEffect(() => void load(), [load]);
  const create = async () => {
    const r = await bridge.call('delegations.create', {
      ...d,
      startsAt: instant(d.startsAt),
      endsAt: instant(d.endsAt),
    });
    setErrors(r.ok ? {} : r.fieldErrors);
    setMessage(
      r.ok ? { ok: true, text: 'Delegate named.' } : { ok: false, text: `Not saved: ${r.message}.` },
    );
    if (r.ok) await load();
  };
  return (
    <section aria-label="Delegations" data-testid="page-away">
      <h2>I'm away</h2>
      {canDelegate ? (
        <form
          {...formProps}
          className="change-form"
          aria-label="Name a delegate"
          onSubmit={(e) => {
            e.preventDefault();
            void create();
          }}
        >
          <label>
            Delegate
            <select
              aria-label="Delegate"
              value={d.delegateId}
              onChange={(e) => setD({ ...d, delegateId: e.target.value })}
            >
              <option value="">Pick a member</option>
              {people.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
            </select>
            <FieldError errors={errors} field="delegateId" />
          </label>
          <label>
            From
            <input
              type="datetime-local"
              aria-label="From"
              value={d.startsAt}
              onChange={(e) => setD({ ...d, startsAt: e.target.value })}
            />
            <FieldError errors={errors} field="startsAt" />
          </label>
          <label>
            Until
            <input
              type="datetime-local"
              aria-label="Until"
              value={d.endsAt}
              onChange={(e) => setD({ ...d, endsAt: e.target.value })}
            />
            <FieldError errors={errors} field="endsAt" />
          </label>
          <label>
            Reason
            <input
              aria-label="Reason"
              value={d.reason}
              onChange={(e) => setD({ ...d, reason: e.target.value })}
            />
            <FieldError errors={errors} field="reason" />
          </label>
          <div className="actions">
            <button type="submit">Name delegate</button>
          </div>
        </form>
      ) : null}
      <Outcome message={message} testId="away-result" />
      {list.length === 0 ? <p className="muted">No delegations.</p> : null}
      <ul className="plain">
        {list.map((x) => (
          <li key={x.id} data-testid="delegation-row">
            {x.approver.name} → {x.delegate.name}, {when(x.startsAt)} – {when(x.endsAt)}
            {x.reason ? ` (${x.reason})` : ''}{' '}
            {x.mine ? (
              <button onClick={() => void bridge.call('delegations.remove', { id: x.id }).then(load)}>
                Remove
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}
