import { useCallback, useEffect, useRef, useState } from 'react';
import type { AgentsOverview, EnrollmentTokenShown } from '../../../bridge/agents-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';
import { FieldError, Outcome, when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';

type Message = { ok: boolean; text: string } | undefined;

/** "no agent" in the pickers (hosts scanned by nobody). */
const NONE = '';

const agentName = (o: AgentsOverview, id: string | null) =>
  id === null ? 'no agent' : (o.agents.find((a) => a.id === id)?.name ?? 'an unknown agent');

/**
 * Settings › Agents: the workspace's agents with their version, last contact, spool depth and
 * hosts; a one-time enrollment token shown once with the command to run on the agent's host;
 * revoking; the default agent new hosts get; moving hosts between agents. Agents live on the
 * server only (not in the replica), so offline the page says it needs the server. Writes are for
 * admins.
 */
export function AgentsAdmin() {
  const isAdmin = useCan('administer');
  const intent = useStore((s) => s.settingsIntent);
  const clearIntent = useStore((s) => s.clearSettingsIntent);
  const [overview, setOverview] = useState<AgentsOverview | undefined>();
  const [unavailable, setUnavailable] = useState<string | undefined>();
  const [message, setMessage] = useState<Message>();
  const tokenName = useRef<HTMLInputElement>(null);

  const load = useCallback(async () => {
    const r = await bridge.call('agents.overview', {});
    if (r.ok) {
      setOverview({ agents: r.agents, hosts: r.hosts, defaultAgentId: r.defaultAgentId });
      setUnavailable(undefined);
    } else setUnavailable(r.message);
  }, []);
  useEffect(() => void load(), [load]);

  // The command palette's "enroll agent" (intent 'new') lands in the token form, once.
  useEffect(() => {
    if (intent !== 'new') return;
    clearIntent();
    if (isAdmin) tokenName.current?.focus();
  }, [intent, clearIntent, isAdmin]);

  const live = overview?.agents.filter((a) => !a.revokedAt) ?? [];

  return (
    <section aria-label="Agents" data-testid="page-agents">
      <h2>
        Agents{' '}
        <button onClick={() => void load()} aria-label="Refresh agents">
          Refresh
        </button>
      </h2>
      {unavailable ? (
        <p className="muted" data-testid="agents-unavailable">
          Agents are kept on the server, not in this desktop&apos;s copy: {unavailable}.
        </p>
      ) : null}
      {overview ? (
        <AgentTable overview={overview} isAdmin={isAdmin} onChanged={load} onMessage={setMessage} />
      ) : null}
      <Outcome message={message} testId="agents-result" />
      {isAdmin && !unavailable ? (
        <>
          <EnrollForm nameRef={tokenName} />
          {overview ? (
            <>
              <DefaultAgentForm overview={overview} live={live} onChanged={load} />
              <MoveHostsForm overview={overview} live={live} onChanged={load} />
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function AgentTable(props: {
  overview: AgentsOverview;
  isAdmin: boolean;
  onChanged: () => Promise<void>;
  onMessage: (m: Message) => void;
}) {
  const { overview, isAdmin } = props;
  const revoke = async (id: string, name: string) => {
    const r = await bridge.call('agents.revoke', { id });
    props.onMessage(
      r.ok
        ? {
            ok: true,
            text:
              r.hosts === 0
                ? `Revoked ${name}.`
                : r.hostsMovedTo
                  ? `Revoked ${name}; its ${r.hosts} hosts moved to ${agentName(overview, r.hostsMovedTo)}.`
                  : `Revoked ${name}; its ${r.hosts} hosts have no agent now: move them to one.`,
          }
        : { ok: false, text: `Not revoked: ${r.message}.` },
    );
    if (r.ok) await props.onChanged();
  };
  if (overview.agents.length === 0)
    return <p className="muted">No agent enrolled yet: create an enrollment token below.</p>;
  return (
    <table className="grid" aria-label="Agents list">
      <thead>
        <tr>
          <th>Agent</th>
          <th>Version</th>
          <th>Last seen</th>
          <th>Spool</th>
          <th>Hosts</th>
          <th>Status</th>
          {isAdmin ? <th>Actions</th> : null}
        </tr>
      </thead>
      <tbody>
        {overview.agents.map((a) => (
          <tr key={a.id} data-testid="agent-row" data-agent={a.name}>
            <td>
              {a.name}
              {a.platform ? <span className="muted"> · {a.platform}</span> : null}
            </td>
            <td data-testid="agent-version">{a.version ?? '—'}</td>
            <td>{a.lastSeenAt ? when(a.lastSeenAt) : 'never'}</td>
            <td data-testid="agent-spool">{a.spoolDepth ?? '—'}</td>
            <td data-testid="agent-hosts">{a.hosts}</td>
            <td>
              {a.revokedAt ? (
                `revoked ${when(a.revokedAt)}`
              ) : a.isDefault ? (
                <strong>default</strong>
              ) : (
                'active'
              )}
            </td>
            {isAdmin ? (
              <td>
                {a.revokedAt ? null : (
                  <button aria-label={`Revoke ${a.name}`} onClick={() => void revoke(a.id, a.name)}>
                    Revoke
                  </button>
                )}
              </td>
            ) : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A one-time enrollment token, shown once with the exact commands to run on the agent's host. */
function EnrollForm({ nameRef }: { nameRef: React.RefObject<HTMLInputElement | null> }) {
  const [name, setName] = useState('');
  const [hours, setHours] = useState('24');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>();
  const [shown, setShown] = useState<EnrollmentTokenShown | undefined>();
  const create = async () => {
    const r = await bridge.call('agents.createToken', { name, ttlHours: Number(hours) });
    setErrors(r.ok ? {} : r.fieldErrors);
    setMessage(r.ok ? undefined : { ok: false, text: `No token made: ${r.message}.` });
    setShown(r.ok ? r : undefined);
    if (r.ok) setName('');
  };
  return (
    <form
      className="change-form"
      aria-label="Enroll an agent"
      onSubmit={(e) => {
        e.preventDefault();
        void create();
      }}
    >
      <h3>Enroll an agent</h3>
      <label>
        Token name
        <input ref={nameRef} aria-label="Token name" value={name} onChange={(e) => setName(e.target.value)} />
        <FieldError errors={errors} field="name" />
      </label>
      <label>
        Valid for (hours)
        <input
          aria-label="Valid for (hours)"
          type="number"
          min={1}
          max={720}
          value={hours}
          onChange={(e) => setHours(e.target.value)}
        />
        <FieldError errors={errors} field="ttlHours" />
      </label>
      <div className="actions">
        <button type="submit">Create enrollment token</button>
      </div>
      <Outcome message={message} testId="enroll-result" />
      {shown ? (
        <div role="status" className="ok" data-testid="enroll-token">
          <p>Shown once, valid until {when(shown.expiresAt)}. On the agent&apos;s host, run:</p>
          <pre>
            <code data-testid="enroll-command">{shown.command}</code>
          </pre>
          <p>then start it (for example as a service):</p>
          <pre>
            <code data-testid="enroll-run">{shown.runCommand}</code>
          </pre>
        </div>
      ) : null}
    </form>
  );
}

function DefaultAgentForm(props: {
  overview: AgentsOverview;
  live: AgentsOverview['agents'];
  onChanged: () => Promise<void>;
}) {
  const [choice, setChoice] = useState(props.overview.defaultAgentId ?? NONE);
  const [message, setMessage] = useState<Message>();
  useEffect(() => setChoice(props.overview.defaultAgentId ?? NONE), [props.overview.defaultAgentId]);
  const save = async () => {
    const r = await bridge.call('agents.setDefault', { agentId: choice || null });
    setMessage(
      r.ok
        ? {
            ok: true,
            text: choice
              ? `New hosts now go to ${agentName(props.overview, choice)}.`
              : 'No default agent: new hosts go to the only agent, if there is exactly one.',
          }
        : { ok: false, text: `Not saved: ${r.message}.` },
    );
    if (r.ok) await props.onChanged();
  };
  return (
    <form
      className="change-form"
      aria-label="Default agent"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <h3>Default agent</h3>
      <p className="muted">Hosts added without choosing an agent are scanned by this one.</p>
      <label>
        Default agent
        <select aria-label="Default agent" value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value={NONE}>None</option>
          {props.live.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <div className="actions">
        <button type="submit">Set default agent</button>
      </div>
      <Outcome message={message} testId="default-agent-result" />
    </form>
  );
}

/** Moves the chosen hosts of one agent (or all of them) to another. */
function MoveHostsForm(props: {
  overview: AgentsOverview;
  live: AgentsOverview['agents'];
  onChanged: () => Promise<void>;
}) {
  const [from, setFrom] = useState(NONE);
  const [to, setTo] = useState(props.live[0]?.id ?? NONE);
  const [picked, setPicked] = useState<string[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<Message>();
  const hosts = props.overview.hosts.filter((h) => (h.agentId ?? NONE) === from);
  const move = async () => {
    const r = await bridge.call(
      'agents.moveHosts',
      picked.length > 0
        ? { hostIds: picked, toAgentId: to || null }
        : { fromAgentId: from || null, toAgentId: to || null },
    );
    setErrors(r.ok ? {} : r.fieldErrors);
    setMessage(
      r.ok
        ? {
            ok: true,
            text: `Moved ${r.moved} host${r.moved === 1 ? '' : 's'} to ${agentName(props.overview, to || null)}.`,
          }
        : { ok: false, text: `Not moved: ${r.message}.` },
    );
    if (r.ok) {
      setPicked([]);
      await props.onChanged();
    }
  };
  return (
    <form
      className="change-form"
      aria-label="Move hosts"
      onSubmit={(e) => {
        e.preventDefault();
        void move();
      }}
    >
      <h3>Move hosts</h3>
      <label>
        From
        <select
          aria-label="Move from"
          value={from}
          onChange={(e) => {
            setFrom(e.target.value);
            setPicked([]);
          }}
        >
          <option value={NONE}>No agent</option>
          {props.overview.agents.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Hosts (none chosen: all {hosts.length})
        <select
          multiple
          aria-label="Hosts to move"
          value={picked}
          onChange={(e) => setPicked([...e.target.selectedOptions].map((o) => o.value))}
        >
          {hosts.map((h) => (
            <option key={h.id} value={h.id}>
              {h.hostname}:{h.port}
            </option>
          ))}
        </select>
        <FieldError errors={errors} field="hostIds" />
      </label>
      <label>
        To
        <select aria-label="Move to" value={to} onChange={(e) => setTo(e.target.value)}>
          {props.live.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
          <option value={NONE}>No agent</option>
        </select>
        <FieldError errors={errors} field="toAgentId" />
      </label>
      <div className="actions">
        <button type="submit" disabled={hosts.length === 0}>
          Move hosts
        </button>
      </div>
      <Outcome message={message} testId="move-hosts-result" />
    </form>
  );
}
