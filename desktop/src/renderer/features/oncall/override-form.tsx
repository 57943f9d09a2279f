import { useState } from 'react';
import type { Person } from '../../../bridge/changes.ts';
import type { ScheduleSummary } from '../../../bridge/oncall.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, instant, Outcome } from '../change-admin/form-bits.tsx';

/** Someone covers a stretch of a schedule, for a colleague say; times in the viewer's own zone. */
export function OverrideForm(props: {
  schedules: ScheduleSummary[];
  people: Person[];
  me: string | undefined;
}) {
  const [d, setD] = useState({
    scheduleId: props.schedules[0]?.id ?? '',
    userId: props.me ?? '',
    startsAt: '',
    endsAt: '',
    reason: '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  return (
    <form
      className="change-form"
      aria-label="Cover a shift"
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('oncall.addOverride', {
            scheduleId: d.scheduleId || (props.schedules[0]?.id ?? ''),
            userId: d.userId,
            startsAt: instant(d.startsAt),
            endsAt: instant(d.endsAt),
            reason: d.reason,
          })
          .then((r) => {
            if (r.ok) {
              setErrors({});
              setMessage({ ok: true, text: 'Override added.' });
            } else {
              setErrors(r.fieldErrors);
              setMessage({ ok: false, text: `Not added: ${r.message}.` });
            }
          });
      }}
    >
      <label>
        Schedule
        <select value={d.scheduleId} onChange={(e) => setD({ ...d, scheduleId: e.target.value })}>
          {props.schedules.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Who covers
        <select value={d.userId} onChange={(e) => setD({ ...d, userId: e.target.value })}>
          <option value="">Choose a member</option>
          {props.people.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="userId" />
      </label>
      <label>
        From
        <input
          type="datetime-local"
          value={d.startsAt}
          onChange={(e) => setD({ ...d, startsAt: e.target.value })}
        />
        <FieldError errors={errors} field="startsAt" />
      </label>
      <label>
        Until
        <input
          type="datetime-local"
          value={d.endsAt}
          onChange={(e) => setD({ ...d, endsAt: e.target.value })}
        />
        <FieldError errors={errors} field="endsAt" />
      </label>
      <label>
        Reason
        <input value={d.reason} onChange={(e) => setD({ ...d, reason: e.target.value })} />
      </label>
      <div className="actions">
        <button type="submit">Add override</button>
      </div>
      <Outcome message={message} testId="override-form-result" />
    </form>
  );
}
