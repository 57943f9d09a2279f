import { useState } from 'react';
import { useStore } from '../../store.ts';

/** Adds a host through the server (online only; offline the core says so in plain words). */
export function AddHostForm() {
  const add = useStore((s) => s.addHost);
  const [hostname, setHostname] = useState('');
  const [port, setPort] = useState('443');
  const [tags, setTags] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    setBusy(true);
    try {
      const result = await add({
        hostname,
        port: Number(port),
        tags: tags
          .split(/[\s,]+/)
          .map((t) => t.trim().toLowerCase())
          .filter(Boolean),
      });
      if (result.ok) {
        setMessage({ ok: true, text: `Added ${hostname}:${port}; it is scanned at its next turn.` });
        setHostname('');
        setTags('');
      } else {
        setMessage({ ok: false, text: `Not added: ${result.message}.` });
      }
    } catch (err) {
      setMessage({ ok: false, text: `Not added: ${(err as Error).message}.` });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="filters add-host"
      aria-label="Add host"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input
        aria-label="Hostname"
        placeholder="hostname"
        required
        value={hostname}
        onChange={(e) => setHostname(e.target.value)}
      />
      <input
        aria-label="Port"
        type="number"
        min={1}
        max={65535}
        value={port}
        onChange={(e) => setPort(e.target.value)}
      />
      <input
        aria-label="Tags"
        placeholder="tags, comma separated"
        value={tags}
        onChange={(e) => setTags(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Add host
      </button>
      {message ? (
        <span role="status" data-testid="add-host-result" className={message.ok ? 'ok' : 'bad'}>
          {message.text}
        </span>
      ) : null}
    </form>
  );
}
