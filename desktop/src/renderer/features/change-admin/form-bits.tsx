import type { Person } from '../../../bridge/changes.ts';

/** The server's words for one field (or the first of its sub-fields), under it. */
export function FieldError({ errors, field }: { errors: Record<string, string>; field: string }) {
  const words = Object.entries(errors).find(([k]) => k === field || k.startsWith(`${field}.`))?.[1];
  return words ? (
    <span className="bad field-error" data-testid={`field-error-${field}`}>
      {words}
    </span>
  ) : null;
}

/** A datetime-local value (the person's own clock) as an instant, or '' for none. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : '');

/** An instant in the person's own words. */
export const when = (iso: string) => (iso ? new Date(iso).toLocaleString() : '—');

/** Comma- or space-separated words as a list. */
export const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

export const peopleNames = (people: Person[]) => people.map((p) => p.name).join(', ');

/** The outcome of the last call, in words. */
export function Outcome({
  message,
  testId,
}: {
  message: { ok: boolean; text: string } | undefined;
  testId: string;
}) {
  return message ? (
    <p role="status" className={message.ok ? 'ok' : 'bad'} data-testid={testId}>
      {message.text}
    </p>
  ) : null;
}

/** A multi-select of members. */
export function PeoplePicker(props: {
  label: string;
  people: Person[];
  value: string[];
  onChange: (ids: string[]) => void;
}) {
  return (
    <select
      multiple
      aria-label={props.label}
      value={props.value}
      onChange={(e) => props.onChange([...e.target.selectedOptions].map((o) => o.value))}
    >
      {props.people.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}
