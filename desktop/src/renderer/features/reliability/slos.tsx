import { useCallback, useEffect, useState } from 'react';
import type { HostRow } from '../../../bridge/inventory.ts';
import type { PolicyChoice, SloView } from '../../../bridge/reliability.ts';
import { bridge } from '../../bridge/transport.ts';
import { OfflineNote } from '../admin/people-bits.tsx';
import { FieldError, Outcome, when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { attainmentWords, budgetWords, burning } from './slo-words.ts';

type Message = { ok: boolean; text: string } | undefined;
const WINDOWS = [7, 28, 30] as const;

/** Creates an SLO, or edits one (its kind and what it covers stay as created). */
function SloForm({
  slo,
  hosts,
  policies,
  onDone,
}: {
  slo?: SloView | undefined;
  hosts: HostRow[];
  policies: PolicyChoice[];
  onDone: () => void;
}) {
  const [f, setF] = useState({
    name: slo?.name ?? '',
    kind: slo?.kind ?? 'availability',
    scope: slo?.tag !== null && slo?.tag !== undefined ? 'tag' : 'host',
    hostId: slo?.hostId ?? hosts[0]?.id ?? '',
    tag: slo?.tag ?? '',
    objective: String(slo?.objective ?? '99.9'),
    windowDays: String(slo?.windowDays ?? 28),
    thresholdMs: String(slo?.thresholdMs ?? '500'),
    escalationPolicyId: slo?.escalationPolicyId ?? '',
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>();
  const set = (patch: Partial<typeof f>) => setF({ ...f, ...patch });
  const save = async () => {
    const r = await bridge.call('slos.save', {
      ...(slo ? { id: slo.id } : {}),
      name: f.name,
      kind: f.kind,
      hostId: f.scope === 'host' ? f.hostId : '',
      tag: f.scope === 'tag' ? f.tag : '',
      objective: Number(f.objective),
      windowDays: Number(f.windowDays),
      thresholdMs: f.kind === 'latency' ? Number(f.thresholdMs) : null,
      escalationPolicyId: f.escalationPolicyId,
    });
    if (r.ok) onDone();
    else {
      setErrors(r.fieldErrors);
      setMessage({ ok: false, text: `Not saved: ${r.message}.` });
    }
  };
  return (
    <form
      className="change-form"
      aria-label={slo ? `Edit SLO ${slo.name}` : 'New SLO'}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        SLO name
        <input value={f.name} onChange={(e) => set({ name: e.target.value })} />
        <FieldError errors={errors} field="name" />
      </label>
      {slo ? null : (
        <>
          <label>
            Measures
            <select
              value={f.kind}
              onChange={(e) => set({ kind: e.target.value as 'availability' | 'latency' })}
            >
              <option value="availability">Availability (share of successful scans)</option>
              <option value="latency">Latency (share of handshakes under a threshold)</option>
            </select>
          </label>
          <label>
            Covers
            <select value={f.scope} onChange={(e) => set({ scope: e.target.value })}>
              <option value="host">One host</option>
              <option value="tag">Every host with a tag</option>
            </select>
          </label>
          {f.scope === 'host' ? (
            <label>
              Host
              <select value={f.hostId} onChange={(e) => set({ hostId: e.target.value })}>
                {hosts.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.hostname}:{h.port}
                  </option>
                ))}
              </select>
              <FieldError errors={errors} field="scope" />
            </label>
          ) : (
            <label>
              Tag
              <input value={f.tag} onChange={(e) => set({ tag: e.target.value })} />
              <FieldError errors={errors} field="scope" />
            </label>
          )}
        </>
      )}
      <label>
        Objective (%)
        <input
          type="number"
          step="any"
          inputMode="decimal"
          value={f.objective}
          onChange={(e) => set({ objective: e.target.value })}
        />
        <FieldError errors={errors} field="objective" />
      </label>
      <label>
        Rolling window
        <select value={f.windowDays} onChange={(e) => set({ windowDays: e.target.value })}>
          {WINDOWS.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="windowDays" />
      </label>
      {f.kind === 'latency' ? (
        <label>
          Handshake under (ms)
          <input type="number" value={f.thresholdMs} onChange={(e) => set({ thresholdMs: e.target.value })} />
          <FieldError errors={errors} field="thresholdMs" />
        </label>
      ) : null}
      <label>
        Burn-rate alerts page
        <select value={f.escalationPolicyId} onChange={(e) => set({ escalationPolicyId: e.target.value })}>
          {/* Without a policy of its own, an SLO's alerts route like any alert (server/src/oncall/). */}
          <option value="">
            {f.scope === 'tag' ? 'The policy its tag routes to' : "The policy its host's tags route to"}
          </option>
          {policies.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="escalationPolicyId" />
      </label>
      <div className="actions">
        <button type="submit">{slo ? 'Save SLO' : 'Add SLO'}</button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
      <Outcome message={message} testId="slo-form-result" />
    </form>
  );
}

/**
 * SLOs with their error budget and burn rates; admins add, edit and remove them online. Offline
 * the replica's SLOs are shown read-only, each as of its last evaluation.
 */
export function Slos() {
  const isAdmin = useCan('administer');
  const [offline, setOffline] = useState<string | undefined>();
  const canEdit = isAdmin && !offline;
  const [slos, setSlos] = useState<SloView[]>([]);
  const [hosts, setHosts] = useState<HostRow[]>([]);
  const [policies, setPolicies] = useState<PolicyChoice[]>([]);
  const [editing, setEditing] = useState<SloView | 'new' | undefined>();
  const [message, setMessage] = useState<Message>();
  const load = useCallback(async () => {
    const [r, h] = await Promise.all([bridge.call('slos.list', {}), bridge.call('hosts.list', {})]);
    setHosts(h);
    if (r.ok) {
      setSlos(r.slos);
      setPolicies(r.policies);
      setOffline(r.offline);
      // Read-only offline: a form left open could only be refused.
      if (r.offline) setEditing(undefined);
    } else setMessage({ ok: false, text: r.message });
  }, []);
  useEffect(() => void load(), [load]);
  const done = () => {
    setEditing(undefined);
    void load();
  };
  return (
    <section aria-labelledby="slos-heading" data-testid="page-slos">
      <h2 id="slos-heading">
        SLOs {canEdit && !editing ? <button onClick={() => setEditing('new')}>New SLO</button> : null}
      </h2>
      {editing ? (
        <SloForm
          slo={editing === 'new' ? undefined : editing}
          hosts={hosts}
          policies={policies}
          onDone={done}
        />
      ) : null}
      <OfflineNote note={offline} testId="slos-offline" />
      <Outcome message={message} testId="slos-result" />
      {slos.length === 0 ? <p className="muted">No SLOs yet.</p> : null}
      <table className="audit">
        <thead>
          <tr>
            <th scope="col">SLO</th>
            <th scope="col">Covers</th>
            <th scope="col">Objective</th>
            <th scope="col">Attainment</th>
            <th scope="col">Error budget</th>
            <th scope="col">Burn 1 h / 6 h</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {slos.map((s) => (
            <tr key={s.id} data-testid="slo-row" className={burning(s) ? 'burning' : undefined}>
              <td>
                <strong>{s.name}</strong>{' '}
                <span className="muted">
                  {s.kind === 'latency' ? `handshakes under ${s.thresholdMs} ms` : 'availability'}
                  {s.escalationPolicyId
                    ? ` · pages ${policies.find((p) => p.id === s.escalationPolicyId)?.name ?? 'a policy'}`
                    : ''}
                </span>
              </td>
              <td>{s.scope}</td>
              <td>
                {s.objective} % over {s.windowDays} days
              </td>
              <td>{attainmentWords(s)}</td>
              <td className={s.budgetRemaining < 0.25 ? 'bad' : undefined}>
                {budgetWords(s)}
                {offline ? <span className="muted"> as of {when(s.evaluatedAt)}</span> : null}
              </td>
              <td>
                {s.burnRates['60'].toFixed(1)}× / {s.burnRates['360'].toFixed(1)}×
                {s.firing.length ? <strong className="bad"> {s.firing.join(', ')}</strong> : null}
              </td>
              <td>
                {canEdit ? (
                  <>
                    <button onClick={() => setEditing(s)} aria-label={`Edit ${s.name}`}>
                      Edit
                    </button>{' '}
                    <button
                      aria-label={`Remove ${s.name}`}
                      onClick={() =>
                        void bridge.call('slos.remove', { id: s.id }).then((r) => {
                          setMessage(
                            r.ok ? { ok: true, text: `Removed ${s.name}.` } : { ok: false, text: r.message },
                          );
                          void load();
                        })
                      }
                    >
                      Remove
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
