import { instantOfWallClock, isTimeZone, parseHandoffTime } from '@vigilo/shared/rotation';
import { useState } from 'react';
import type { Person } from '../../../bridge/changes.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome, PeoplePicker } from '../change-admin/form-bits.tsx';

/** The viewer's own zone: the default for a new rotation's hand-off. */
export const myTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * The first hand-off: the hand-off time on the chosen date, on the wall clock of the rotation's
 * zone (the server anchors the phase on that local date). With a zone the runtime does not know,
 * noon UTC of the date, so the server's answer names the zone rather than the start.
 */
function startOf(date: string, handoffTime: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number);
  const minutes = parseHandoffTime(handoffTime);
  if (!y || !m || !d) return '';
  if (minutes === null || !isTimeZone(timeZone)) return `${date}T12:00:00.000Z`;
  return new Date(instantOfWallClock(Date.UTC(y, m - 1, d) + minutes * 60_000, timeZone)).toISOString();
}

/**
 * A schedule with one rotation layer in one go: who takes turns, how long a turn lasts, when the
 * hand-off happens on whose wall clock. The server names any bad field.
 */
export function RotationForm({ people, onDone }: { people: Person[]; onDone: () => void }) {
  const [d, setD] = useState({
    name: '',
    memberIds: [] as string[],
    length: 'weekly' as 'daily' | 'weekly' | 'hours',
    hours: 12,
    handoffTime: '09:00',
    timeZone: myTimeZone(),
    startDate: new Date().toISOString().slice(0, 10),
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  return (
    <form
      className="change-form"
      aria-label="New rotation"
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('oncall.createRotation', {
            name: d.name,
            memberIds: d.memberIds,
            length: d.length,
            ...(d.length === 'hours' ? { hours: d.hours } : {}),
            handoffTime: d.handoffTime,
            timeZone: d.timeZone,
            startsAt: startOf(d.startDate, d.handoffTime, d.timeZone),
          })
          .then((r) => {
            if (r.ok) {
              setErrors({});
              setMessage({ ok: true, text: 'Rotation created.' });
              onDone();
            } else {
              // The layer's fields come back as layers.0.<field>: shown under each input.
              setErrors(
                Object.fromEntries(
                  Object.entries(r.fieldErrors).map(([k, v]) => [k.replace(/^layers\.0\./, ''), v]),
                ),
              );
              setMessage({ ok: false, text: `Not created: ${r.message}.` });
            }
          });
      }}
    >
      <label>
        Schedule name
        <input value={d.name} onChange={(e) => setD({ ...d, name: e.target.value })} />
        <FieldError errors={errors} field="name" />
      </label>
      <label>
        Members, in turn order
        <PeoplePicker
          label="Rotation members"
          people={people}
          value={d.memberIds}
          onChange={(memberIds) => setD({ ...d, memberIds })}
        />
        <FieldError errors={errors} field="memberIds" />
      </label>
      <label>
        Turn length
        <select value={d.length} onChange={(e) => setD({ ...d, length: e.target.value as typeof d.length })}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="hours">Custom hours</option>
        </select>
        <FieldError errors={errors} field="length" />
      </label>
      {d.length === 'hours' ? (
        <label>
          Hours per turn
          <input
            type="number"
            min={1}
            value={d.hours}
            onChange={(e) => setD({ ...d, hours: Number(e.target.value) })}
          />
        </label>
      ) : null}
      <label>
        Hand-off time
        <input
          type="time"
          value={d.handoffTime}
          onChange={(e) => setD({ ...d, handoffTime: e.target.value })}
        />
        <FieldError errors={errors} field="handoffTime" />
      </label>
      <label>
        Time zone of the hand-off
        <input value={d.timeZone} onChange={(e) => setD({ ...d, timeZone: e.target.value })} />
        <FieldError errors={errors} field="timeZone" />
      </label>
      <label>
        First turn starts on
        <input type="date" value={d.startDate} onChange={(e) => setD({ ...d, startDate: e.target.value })} />
        <FieldError errors={errors} field="startsAt" />
      </label>
      <div className="actions">
        <button type="submit">Create rotation</button>
      </div>
      <Outcome message={message} testId="rotation-form-result" />
    </form>
  );
}
