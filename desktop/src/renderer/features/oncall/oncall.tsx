import { useState } from 'react';
import type { OncallOverview, PolicySummary } from '../../../bridge/oncall.ts';
import { bridge } from '../../bridge/transport.ts';
import { when } from '../change-admin/form-bits.tsx';
import { useBridge } from '../compliance/use-bridge.ts';
import { useStore } from '../../store.ts';
import { useCan } from '../session/can.ts';
import { openTarget } from '../shell/deep-link.ts';
import { OverrideForm } from './override-form.tsx';
import { PolicyForm } from './policy-form.tsx';
import { RotationForm } from './rotation-form.tsx';

/** The replicated tables the page reads: it reloads when a pull changed any of them. */
const TABLES = [
  'schedules',
  'schedule_layers',
  'schedule_overrides',
  'escalation_policies',
  'alert_routes',
  'escalation_pages',
  'alert_rules',
  'channels',
  'memberships',
] as const;

/** Who is on call now in each schedule, with its layers, overrides, next shifts and gaps. */
function Schedules({ data, canOperate }: { data: OncallOverview; canOperate: boolean }) {
  if (data.schedules.length === 0) return <p className="muted">No schedules yet.</p>;
  return (
    <div className="oncall-schedules">
      {data.schedules.map((s) => (
        <article key={s.id} aria-label={`Schedule ${s.name}`} data-testid="oncall-schedule" className="card">
          <h3>{s.name}</h3>
          <p data-testid="oncall-now">
            On call now: <strong>{s.onCallNow?.name ?? 'nobody'}</strong>
            {s.onCallNow && s.onCallUntil ? (
              <span className="muted"> until {when(s.onCallUntil)}</span>
            ) : null}
          </p>
          {s.gaps.length > 0 ? (
            <p className="bad" role="note" data-testid="oncall-gap">
              Nobody on call from {when(s.gaps[0]?.start ?? '')} to {when(s.gaps[0]?.end ?? '')}
              {s.gaps.length > 1 ? ` (and ${s.gaps.length - 1} more gaps in two weeks)` : ''}
            </p>
          ) : null}
          <ul aria-label={`Layers of ${s.name}`}>
            {s.layers.map((l) => (
              <li key={l.id}>
                {l.name}: {l.members.map((m) => m.name).join(' → ')} · {l.length}, hand-off {l.handoffTime}{' '}
                {l.timeZone}
              </li>
            ))}
          </ul>
          {s.overrides.length > 0 ? (
            <ul aria-label={`Overrides of ${s.name}`}>
              {s.overrides.map((o) => (
                <li key={o.id} data-testid="oncall-override">
                  {o.who.name} covers {when(o.startsAt)} – {when(o.endsAt)}
                  {o.reason ? ` (${o.reason})` : ''}{' '}
                  {canOperate ? (
                    <button onClick={() => void bridge.call('oncall.removeOverride', { id: o.id })}>
                      Remove override
                    </button>
                  ) : null}
                </li>
              ))}
            </ul>
          ) : null}
          <details>
            <summary>Next shifts</summary>
            <ol>
              {s.upcoming.map((u) => (
                <li key={u.start}>
                  {u.name}: {when(u.start)} – {when(u.end)}
                </li>
              ))}
            </ol>
          </details>
        </article>
      ))}
    </div>
  );
}

/** Policies with their steps, each editable by an admin. */
function Policies({ data, canAdmin }: { data: OncallOverview; canAdmin: boolean }) {
  const [editing, setEditing] = useState<PolicySummary | 'new' | undefined>();
  return (
    <section aria-label="Escalation policies">
      <h2>Escalation policies</h2>
      {data.policies.length === 0 ? <p className="muted">No escalation policies yet.</p> : null}
      {data.policies.map((p) => (
        <article key={p.id} data-testid="oncall-policy" aria-label={`Policy ${p.name}`}>
          <h3>{p.name}</h3>
          <ol>
            {p.steps.map((s, i) => (
              <li key={i}>
                Notify {s.targets.join('; ')}, then wait {s.waitMinutes} min
              </li>
            ))}
          </ol>
          <p className="muted">
            {p.repeatCount > 0 ? `Repeats ${p.repeatCount} more time(s)` : 'Runs once'} until acknowledged.
          </p>
          {canAdmin ? (
            <>
              <button onClick={() => setEditing(p)}>Edit policy {p.name}</button>{' '}
              <button onClick={() => void bridge.call('oncall.removePolicy', { id: p.id })}>
                Remove policy {p.name}
              </button>
            </>
          ) : null}
        </article>
      ))}
      {canAdmin && editing === undefined ? (
        <button onClick={() => setEditing('new')}>New escalation policy</button>
      ) : null}
      {canAdmin && editing !== undefined ? (
        <PolicyForm
          key={editing === 'new' ? 'new' : editing.id}
          {...(editing === 'new' ? {} : { policy: editing })}
          schedules={data.schedules}
          people={data.people}
          channels={data.channels}
          onDone={() => setEditing(undefined)}
        />
      ) : null}
    </section>
  );
}

/** Where each alert rule's alerts escalate. */
function Routing({ data, canAdmin }: { data: OncallOverview; canAdmin: boolean }) {
  const [message, setMessage] = useState<string | undefined>();
  if (data.rules.length === 0) return null;
  return (
    <section aria-label="Alert routing">
      <h2>Alert routing</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Alert rule</th>
            <th scope="col">Escalation policy</th>
          </tr>
        </thead>
        <tbody>
          {data.rules.map((r) => (
            <tr key={r.id}>
              <td>{r.name}</td>
              <td>
                <select
                  aria-label={`Policy for ${r.name}`}
                  value={r.policyId ?? ''}
                  disabled={!canAdmin}
                  onChange={(e) =>
                    void bridge
                      .call('oncall.route', {
                        ruleId: r.id,
                        policyId: e.target.value || null,
                        channelIds: r.channelIds,
                      })
                      .then((res) => setMessage(res.ok ? undefined : res.message))
                  }
                >
                  <option value="">No escalation</option>
                  {data.policies.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {message ? (
        <p className="bad" role="status">
          {message}
        </p>
      ) : null}
    </section>
  );
}

/**
 * On-call: who is on call now in each schedule, my next shifts and pages, overrides, rotations,
 * escalation policies and where alert rules route. Read from the replica (it opens offline, read
 * only); times in the viewer's own zone; changes go to the server, which names any bad field.
 */
export function OnCall() {
  const { data } = useBridge('oncall.overview', {}, TABLES);
  const canOperate = useCan('operate');
  const canAdmin = useCan('administer');
  const [newRotation, setNewRotation] = useState(false);
  const slug = useStore((s) => s.sync?.workspace?.slug);
  const offline = useStore((s) => s.sync?.connection === 'offline' || s.sync?.connection === 'error');
  return (
    <section aria-label="On-call" data-testid="page-oncall">
      <h1>On-call</h1>
      {!data ? (
        <p className="muted">Open a workspace to see who is on call.</p>
      ) : (
        <>
          {offline ? (
            <p className="muted" role="note" data-testid="oncall-offline">
              Offline: this is what the desktop last synced, computed here; rotations, overrides and policies
              change only with a connection to the server.
            </p>
          ) : null}
          <section aria-label="On call now">
            <h2>On call now</h2>
            <Schedules data={data} canOperate={canOperate} />
            {canAdmin && !newRotation ? (
              <button onClick={() => setNewRotation(true)}>New rotation</button>
            ) : null}
            {canAdmin && newRotation ? (
              <RotationForm people={data.people} onDone={() => setNewRotation(false)} />
            ) : null}
          </section>
          <section aria-label="My next shifts">
            <h2>My next shifts</h2>
            {data.myShifts.length === 0 ? (
              <p className="muted">No shifts for you in the next months.</p>
            ) : null}
            <ol>
              {data.myShifts.map((s) => (
                <li key={`${s.schedule}-${s.start}`} data-testid="my-shift">
                  {s.schedule}: {when(s.start)} – {when(s.end)}
                </li>
              ))}
            </ol>
          </section>
          {data.myPages.length > 0 ? (
            <section aria-label="My pages">
              <h2>Pages for me</h2>
              <p className="muted">Acknowledging the alert stops its escalation.</p>
              <ul>
                {data.myPages.map((p) => (
                  <li key={p.id} data-testid="my-page">
                    {when(p.pagedAt)}: {p.summary}{' '}
                    {slug ? (
                      <button onClick={() => void openTarget(`vigilo://${slug}/alerts/${p.alertId}`)}>
                        Open alert
                      </button>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
          {canOperate && data.schedules.length > 0 ? (
            <section aria-label="Overrides">
              <h2>Cover a shift</h2>
              <OverrideForm schedules={data.schedules} people={data.people} me={data.me} />
            </section>
          ) : null}
          <Policies data={data} canAdmin={canAdmin} />
          <Routing data={data} canAdmin={canAdmin} />
        </>
      )}
    </section>
  );
}
