import { useCallback, useEffect, useState } from 'react';
import type { HostRow } from '../../../bridge/inventory.ts';
import type { ComponentDraft, StatusPageSummary } from '../../../bridge/reliability.ts';
import { bridge } from '../../bridge/transport.ts';
import { FieldError, Outcome } from '../change-admin/form-bits.tsx';
import { useStore } from '../../store.ts';
import { useCan } from '../session/can.ts';
import { Notices } from './status-notices.tsx';

type Message = { ok: boolean; text: string } | undefined;

/** A new public page: its address (/status/<slug>) and title. */
function PageForm({ onDone }: { onDone: (m: Message) => void }) {
  const [f, setF] = useState({ slug: '', title: '', description: '' });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>();
  const save = async () => {
    const r = await bridge.call('statusPages.save', f);
    if (r.ok) onDone({ ok: true, text: `Created: ${r.url}` });
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not created: ${r.message}.` });
    }
  };
  const field = (key: keyof typeof f, label: string) => (
    <label>
      {label}
      <input value={f[key]} onChange={(e) => setF({ ...f, [key]: e.target.value })} />
      <FieldError errors={errors} field={key} />
    </label>
  );
  return (
    <form
      className="change-form"
      aria-label="New status page"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {field('slug', 'Address (/status/…)')}
      {field('title', 'Public title')}
      {field('description', 'Description')}
      <div className="actions">
        <button type="submit">Create status page</button>
        <button type="button" onClick={() => onDone(undefined)}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="status-page-form-result" />
    </form>
  );
}

type Row = { publicName: string; source: string };
/** A component's source as one select value: `host:<id>` or `tag:<tag>`. */
const sourceOf = (c: { hostId: string | null; tag: string | null }) =>
  c.hostId ? `host:${c.hostId}` : `tag:${c.tag ?? ''}`;

/** What a page shows: components, each a host or a tag under the name the public sees. */
function Components({
  page,
  hosts,
  onSaved,
}: {
  page: StatusPageSummary;
  hosts: HostRow[];
  onSaved: (m: Message) => void;
}) {
  const [rows, setRows] = useState<Row[]>(
    page.components.map((c) => ({ publicName: c.publicName, source: sourceOf(c) })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  // The page's own tags too: a tag no host carries now must still show as itself, or the select
  // would show (and a save would store) the first host in its place.
  const tags = [
    ...new Set([...hosts.flatMap((h) => h.tags), ...page.components.flatMap((c) => (c.tag ? [c.tag] : []))]),
  ].sort();
  const set = (i: number, patch: Partial<Row>) =>
    setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const save = async () => {
    const components: ComponentDraft[] = rows.map((r) =>
      r.source.startsWith('host:')
        ? { publicName: r.publicName, hostId: r.source.slice(5) }
        : { publicName: r.publicName, tag: r.source.slice(4) },
    );
    const r = await bridge.call('statusPages.setComponents', { id: page.id, components });
    setErrors(r.ok ? {} : r.fieldErrors);
    onSaved(r.ok ? { ok: true, text: `Saved what ${page.title} shows.` } : { ok: false, text: r.message });
  };
  return (
    <form
      aria-label={`Components of ${page.title}`}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <p className="muted">Only the public names show on the page: hostnames and tags stay private.</p>
      <ol className="plain">
        {rows.map((r, i) => (
          <li key={i} data-testid="component-row">
            <label>
              Public name
              <input value={r.publicName} onChange={(e) => set(i, { publicName: e.target.value })} />
              <FieldError errors={errors} field={`components.${i}.publicName`} />
            </label>{' '}
            <label>
              Shows
              <select value={r.source} onChange={(e) => set(i, { source: e.target.value })}>
                {hosts.map((h) => (
                  <option key={h.id} value={`host:${h.id}`}>
                    host {h.hostname}:{h.port}
                  </option>
                ))}
                {tags.map((t) => (
                  <option key={t} value={`tag:${t}`}>
                    every host tagged {t}
                  </option>
                ))}
              </select>
            </label>{' '}
            <button
              type="button"
              onClick={() => setRows(rows.filter((_, j) => j !== i))}
              aria-label={`Remove ${r.publicName || 'component'}`}
            >
              Remove
            </button>
          </li>
        ))}
      </ol>
      <div className="actions">
        <button
          type="button"
          disabled={hosts.length === 0}
          onClick={() =>
            setRows([...rows, { publicName: '', source: hosts[0] ? `host:${hosts[0].id}` : '' }])
          }
        >
          Add component
        </button>
        <button type="submit">Save components</button>
      </div>
    </form>
  );
}

/**
 * Public status pages: create one, choose what it shows, post incidents and maintenance with
 * their updates, open it as the public sees it. Online: pages live on the server only (they are
 * not replicated), so offline the page says why and shows what it last read, read-only.
 */
export function StatusPages() {
  const isAdmin = useCan('administer');
  const connection = useStore((s) => s.sync?.connection);
  const offline = connection === 'offline' || connection === 'error';
  const [pages, setPages] = useState<StatusPageSummary[]>([]);
  const [hosts, setHosts] = useState<HostRow[]>([]);
  const [adding, setAdding] = useState(false);
  const [unavailable, setUnavailable] = useState<{ message: string; offline: boolean } | undefined>();
  const [message, setMessage] = useState<Message>();
  const load = useCallback(async () => {
    const [r, h] = await Promise.all([bridge.call('statusPages.list', {}), bridge.call('hosts.list', {})]);
    setHosts(h);
    if (r.ok) {
      setPages(r.pages);
      setUnavailable(undefined);
    } else setUnavailable({ message: r.message, offline: r.reason === 'offline' });
  }, []);
  // Read again when the connection comes back, so the page is live (and editable) once more.
  const live = connection === 'online';
  useEffect(() => void load(), [load, live]);
  const canEdit = isAdmin && !unavailable && !offline;
  const after = (m: Message) => {
    setMessage(m);
    void load();
  };
  return (
    <section aria-labelledby="status-pages-heading" data-testid="page-status-pages">
      <h2 id="status-pages-heading">
        Status pages{' '}
        {canEdit && !adding ? <button onClick={() => setAdding(true)}>New status page</button> : null}
      </h2>
      {unavailable ? (
        <p role="status" className="bad" data-testid="status-pages-offline">
          {unavailable.message}.
          {unavailable.offline
            ? ' Status pages and their notices are kept on the server only: they can be read and posted to again once it can be reached.'
            : ''}
        </p>
      ) : offline ? (
        <p role="status" className="bad" data-testid="status-pages-offline">
          Offline: this is what the desktop last read from the server, shown read-only. Notices can be posted
          again once it can be reached.
        </p>
      ) : null}
      {!isAdmin ? (
        <p className="muted">
          Only admins can change status pages or post incidents and maintenance on them.
        </p>
      ) : null}
      {adding && canEdit ? (
        <PageForm
          onDone={(m) => {
            setAdding(false);
            after(m);
          }}
        />
      ) : null}
      <Outcome message={message} testId="status-pages-result" />
      {!unavailable && pages.length === 0 ? <p className="muted">No status pages yet.</p> : null}
      {pages.map((p) => (
        <article key={p.id} data-testid="status-page" aria-labelledby={`sp-${p.id}`}>
          <h3 id={`sp-${p.id}`}>
            {p.title}{' '}
            <a href={p.url} target="_blank" rel="noopener noreferrer">
              Preview {p.url}
            </a>
          </h3>
          <p className="muted" data-testid="status-page-summary">
            {p.components.length} component{p.components.length === 1 ? '' : 's'} · {p.activeNotices} active
            notice{p.activeNotices === 1 ? '' : 's'}
          </p>
          <Notices page={p} canEdit={canEdit} onChanged={() => void load()} />
          {canEdit ? (
            <>
              <Components page={p} hosts={hosts} onSaved={after} />
              <button
                onClick={() =>
                  void bridge
                    .call('statusPages.remove', { id: p.id })
                    .then((r) =>
                      after(
                        r.ok ? { ok: true, text: `Removed ${p.title}.` } : { ok: false, text: r.message },
                      ),
                    )
                }
              >
                Remove {p.title}
              </button>
            </>
          ) : null}
        </article>
      ))}
    </section>
  );
}
