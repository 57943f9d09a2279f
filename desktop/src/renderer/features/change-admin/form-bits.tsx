import { useCallback, useState } from 'react';
import type { Person } from '../../../bridge/changes.ts';

/** The outcome line of a form (or page): what the last call did, in words. */
export type FormMessage = { ok: boolean; text: string } | undefined;

/**
 * A form's words from its last answer: the server's per field, and the outcome line. They say
 * what happened to the input that was sent, so they go as soon as that input is no longer what
 * is on screen: a field changes, the form is sent again, or the browser refuses the input itself
 * (its own message then stands alone instead of beside an older answer). Spread `formProps` on
 * the form element; React's onChange on a form hears every field of it.
 */
export function useFormWords() {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<FormMessage>();
  const clear = useCallback(() => {
    setErrors({});
    setMessage(undefined);
  }, []);
  return {
    errors,
    setErrors,
    message,
    setMessage,
    clear,
    formProps: { onChange: clear, onInvalidCapture: clear, onSubmitCapture: clear },
  };
}

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
