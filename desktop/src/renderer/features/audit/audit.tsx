import { useState } from 'react';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';

/** Audit review over the local replica: filter, text search, local chain verification, export. */
export function AuditReview() {
  const rows = useStore((s) => s.audit);
  const chain = useStore((s) => s.chain);
  const search = useStore((s) => s.searchAudit);
  const verify = useStore((s) => s.verifyChain);
  const [text, setText] = useState('');
  const [action, setAction] = useState('');
  const [actorId, setActorId] = useState('');
  const [targetId, setTargetId] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  // Days are UTC days, like the log's timestamps: from the first to the last millisecond.
  const query = {
    ...(text ? { text } : {}),
    ...(action ? { action } : {}),
    ...(actorId ? { actorId } : {}),
    ...(targetId ? { targetId } : {}),
    ...(from ? { from: `${from}T00:00:00.000Z` } : {}),
    ...(to ? { to: `${to}T23:59:59.999Z` } : {}),
  };
  /** One target's whole story: filter to it alone (the timeline per target). */
  const timelineOf = (id: string) => {
    setText('');
    setAction('');
    setActorId('');
    setFrom('');
    setTo('');
    setTargetId(id);
    void search({ targetId: id });
  };

  const exportRows = async (format: 'csv' | 'jsonl') => {
    const file = await bridge.call('audit.export', { ...query, format });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([file.body], { type: file.mime }));
    a.download = file.filename;
    a.click();
  };

  return (
    <section aria-label="Audit review">
      <h1>Audit log</h1>
      <form
        className="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void search(query);
        }}
      >
        <input
          id="audit-search"
          aria-label="Search text"
          data-search
          placeholder="Search…"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <input
          aria-label="Action"
          placeholder="action, e.g. member.*"
          value={action}
          onChange={(e) => setAction(e.target.value)}
        />
        <input
          aria-label="Actor"
          placeholder="actor id"
          value={actorId}
          onChange={(e) => setActorId(e.target.value)}
        />
        <input
          aria-label="Target"
          placeholder="target id"
          value={targetId}
          onChange={(e) => setTargetId(e.target.value)}
        />
        <label>
          From{' '}
          <input type="date" aria-label="From (UTC)" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          to <input type="date" aria-label="To (UTC)" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => void verify()}>
          Verify chain
        </button>
        <button type="button" onClick={() => void exportRows('csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => void exportRows('jsonl')}>
          Export JSONL
        </button>
      </form>
      {chain ? (
        <p data-testid="chain-result" className={chain.ok ? 'ok' : 'bad'}>
          {chain.ok
            ? `Chain verified: ${chain.checked} rows, unbroken.`
            : `Chain broken at row ${chain.broken?.seq}: ${chain.broken?.detail}`}
        </p>
      ) : null}
      <table className="audit">
        <thead>
          <tr>
            <th>#</th>
            <th>When</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Summary</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.seq} data-testid="audit-row">
              <td>{r.seq}</td>
              <td>{new Date(r.occurredAt).toLocaleString()}</td>
              <td>
                {r.actorType}:{r.actorId.slice(0, 8)}
              </td>
              <td>{r.action}</td>
              <td>
                <button
                  className="link"
                  title={`Everything that happened to ${r.targetType} ${r.targetId}`}
                  onClick={() => timelineOf(r.targetId)}
                >
                  {r.targetType}:{r.targetId.slice(0, 12)}
                </button>
              </td>
              <td className="muted summary">{r.summary}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
