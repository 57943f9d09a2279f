import { useState } from 'react';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, instant, useFormWords } from '../change-admin/form-bits.tsx';

/** Adds a link as evidence of a control (online): the server names each refused field. */
export function EvidenceLinkForm({ controlId }: { controlId: string }) {
  const [title, setTitle] = useState('');
  const [url, setUrl] = useState('');
  const [expires, setExpires] = useState('');
  const { errors, setErrors, message, setMessage, formProps } = useFormWords();
  return (
    <form
      {...formProps}
      className="filters"
      aria-label="Add evidence link"
      onSubmit={(e) => {
        e.preventDefault();
        void bridge
          .call('evidence.addLink', { controlId, title, url, expiresAt: instant(expires) })
          .then((r) => {
            setErrors(r.ok ? {} : r.fieldErrors);
            setMessage(
              r.ok ? { ok: true, text: 'Evidence added.' } : { ok: false, text: `Not added: ${r.message}.` },
            );
            if (r.ok) {
              setTitle('');
              setUrl('');
            }
          });
      }}
    >
      <input
        aria-label="Evidence title"
        placeholder="Title"
        value={title}
        onChange={(e) => setTitle(e.target.value)}
      />
      <FieldError errors={errors} field="title" />
      <input
        aria-label="Evidence URL"
        placeholder="https://…"
        value={url}
        onChange={(e) => setUrl(e.target.value)}
      />
      <FieldError errors={errors} field="url" />
      <input
        aria-label="Evidence expires"
        type="datetime-local"
        value={expires}
        onChange={(e) => setExpires(e.target.value)}
      />
      <FieldError errors={errors} field="expiresAt" />
      <button type="submit">Add link</button>
      {message ? (
        <span role="status" className={message.ok ? 'ok' : 'bad'} data-testid="evidence-form-outcome">
          {message.text}
        </span>
      ) : null}
    </form>
  );
}
