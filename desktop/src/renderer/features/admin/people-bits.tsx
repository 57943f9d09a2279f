import { useState } from 'react';

/** An instant (ISO) as a datetime-local value in the person's own clock, or '' for none. */
export function localInput(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

/** A datetime-local value `ms` from now (a form's suggested default). */
export const localIn = (ms: number) => localInput(new Date(Date.now() + ms).toISOString());

/** Copies a secret shown once; says in words whether it worked (a browser tab may refuse). */
export function CopyButton(props: { text: string; label: string }) {
  const [copied, setCopied] = useState<string | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setCopied('Copied.');
    } catch {
      setCopied('Could not copy: select it and copy it by hand.');
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        {props.label}
      </button>
      {copied ? <span role="status"> {copied}</span> : null}
    </>
  );
}

/** Why a page shows the replica's copy read-only (offline), or nothing when live. */
export function OfflineNote(props: { note: string | undefined; testId: string }) {
  return props.note ? (
    <p role="status" className="bad" data-testid={props.testId}>
      {props.note}, shown read-only.
    </p>
  ) : null;
}
