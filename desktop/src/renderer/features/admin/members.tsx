import { roleAtMost, WORKSPACE_ROLES, type WorkspaceRole } from '@vigilo/shared/roles';
import { useCallback, useEffect, useState } from 'react';
import type { InvitationSetup, MemberView } from '../../../bridge/people-admin.ts';
import { bridge } from '../../bridge/transport.ts';
import { useStore } from '../../store.ts';
import { FieldError, instant, Outcome, when } from '../change-admin/form-bits.tsx';
import { useCan } from '../session/can.ts';
import { useNewIntent } from './new-intent.ts';
import { CopyButton, localInput, OfflineNote } from './people-bits.tsx';

/** The roles someone holding `mine` may grant: none above their own. */
export const grantable = (mine: WorkspaceRole | undefined): WorkspaceRole[] =>
  mine ? WORKSPACE_ROLES.filter((r) => roleAtMost(r, mine)) : [];

type Draft = { email: string; role: WorkspaceRole; expiresAt: string };

/** Email, role and (for the time-boxed auditor role) when it ends, with the server's words. */
function GrantFields(props: {
  d: Draft;
  set: (d: Draft) => void;
  roles: WorkspaceRole[];
  errors: Record<string, string>;
  emailEditable: boolean;
}) {
  const { d, set, errors } = props;
  return (
    <>
      {props.emailEditable ? (
        <label>
          Email
          <input
            type="email"
            aria-label="Email"
            value={d.email}
            autoComplete="off"
            onChange={(e) => set({ ...d, email: e.target.value })}
          />
          <FieldError errors={errors} field="email" />
        </label>
      ) : null}
      <label>
        Role
        <select
          aria-label="Role"
          value={d.role}
          onChange={(e) => set({ ...d, role: e.target.value as WorkspaceRole })}
        >
          {props.roles.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <FieldError errors={errors} field="role" />
      </label>
      {d.role === 'auditor' ? (
        <label>
          Access ends
          <input
            type="datetime-local"
            aria-label="Access ends"
            value={d.expiresAt}
            onChange={(e) => set({ ...d, expiresAt: e.target.value })}
          />
          <FieldError errors={errors} field="expiresAt" />
        </label>
      ) : null}
    </>
  );
}

/** What to hand the invitee: the one-time code and where to use it, shown once. */
function SetupCard(props: { email: string; setup: InvitationSetup; onDone: () => void }) {
  const { setup } = props;
  return (
    <div className="secret-once" role="region" aria-label="One-time setup code" data-testid="invite-setup">
      <p>
        Give <strong>{props.email}</strong> this one-time code. They open <code>{setup.url}</code>, enter it
        with a password of their own, then sign in to Vigilo. It is shown only now and works until{' '}
        {when(setup.expiresAt)}.
      </p>
      <p>
        <code data-testid="invite-code">{setup.code}</code> <CopyButton text={setup.code} label="Copy code" />
      </p>
      <button onClick={props.onDone}>Done</button>
    </div>
  );
}

/**
 * Settings › Members: members and open invitations; admins invite by email (a person who has
 * never signed in too), change roles and remove people, online. Offline the replica's members
 * are listed read-only with the reason.
 */
export function MembersAdmin() {
  const isAdmin = useCan('administer');
  const myRole = useStore((s) => s.sync?.workspace?.role);
  const roles = grantable(myRole);
  const blank = (): Draft => ({ email: '', role: 'member', expiresAt: '' });
  const [members, setMembers] = useState<MemberView[]>([]);
  const [offline, setOffline] = useState<string | undefined>();
  const [inviting, setInviting] = useState<Draft | undefined>();
  const [editing, setEditing] = useState<Draft | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [setup, setSetup] = useState<{ email: string; setup: InvitationSetup } | undefined>();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>();
  const load = useCallback(async () => {
    const list = await bridge.call('members.list', {});
    if (list.ok) {
      setMembers(list.members);
      setOffline(list.offline);
    } else setMessage({ ok: false, text: list.message });
  }, []);
  useEffect(() => void load(), [load]);
  // The command palette's action opens the create form once (its 'new' intent).
  useNewIntent(isAdmin, () => setInviting(blank()));
  const canEdit = isAdmin && !offline;
  const grant = (d: Draft) => ({ email: d.email, role: d.role, expiresAt: instant(d.expiresAt) });

  const invite = async (d: Draft) => {
    const r = await bridge.call('members.invite', grant(d));
    setErrors(r.ok ? {} : r.fieldErrors);
    if (!r.ok) return setMessage({ ok: false, text: `Not invited: ${r.message}.` });
    setInviting(undefined);
    setMessage({
      ok: true,
      text: `Invited ${r.email} as ${d.role}: they become a member when they next sign in.`,
    });
    if (r.setup) setSetup({ email: r.email, setup: r.setup });
    await load();
  };
  const changeRole = async (d: Draft) => {
    const r = await bridge.call('members.setRole', grant(d));
    setErrors(r.ok ? {} : r.fieldErrors);
    if (!r.ok) return setMessage({ ok: false, text: `Role not changed: ${r.message}.` });
    setEditing(undefined);
    setMessage({ ok: true, text: `${d.email} is now ${d.role}.` });
    await load();
  };
  const remove = async (m: MemberView) => {
    setConfirming(undefined);
    const email = m.email ?? '';
    const r = await bridge.call('members.remove', { email });
    setMessage(
      r.ok
        ? {
            ok: true,
            text: r.status === 'withdrawn' ? `Invitation of ${email} withdrawn.` : `Removed ${email}.`,
          }
        : { ok: false, text: `Not removed: ${r.message}.` },
    );
    await load();
  };

  return (
    <section aria-label="Members" data-testid="page-members">
      <h2>
        Members{' '}
        {canEdit && !inviting ? (
          <button onClick={() => (setErrors({}), setInviting(blank()))}>Invite member</button>
        ) : null}
      </h2>
      <OfflineNote note={offline} testId="members-offline" />
      {!isAdmin ? <p className="muted">Only admins can invite, change roles or remove members.</p> : null}
      {inviting && canEdit ? (
        <form
          className="change-form"
          aria-label="Invite member"
          data-testid="invite-form"
          onSubmit={(e) => {
            e.preventDefault();
            void invite(inviting);
          }}
        >
          <GrantFields d={inviting} set={setInviting} roles={roles} errors={errors} emailEditable />
          <div className="actions">
            <button type="submit">Invite</button>
            <button type="button" onClick={() => setInviting(undefined)}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {setup ? (
        <SetupCard email={setup.email} setup={setup.setup} onDone={() => setSetup(undefined)} />
      ) : null}
      <Outcome message={message} testId="members-result" />
      <table className="audit" aria-label="Members and invitations">
        <thead>
          <tr>
            <th scope="col">Person</th>
            <th scope="col">Role</th>
            <th scope="col">Ends</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const key = `${m.status}:${m.email ?? m.userId}`;
            const mayTouch = canEdit && m.email !== null && roleAtMost(m.role, myRole ?? 'viewer');
            return (
              <tr key={key} data-testid="member-row" data-email={m.email ?? ''} data-status={m.status}>
                <td>
                  {m.name ? `${m.name} ` : ''}
                  <span className="muted">{m.email ?? m.userId}</span>
                </td>
                <td data-testid="member-role">{m.role}</td>
                <td>{m.expiresAt ? when(m.expiresAt) : '—'}</td>
                <td>{m.status === 'invited' ? 'invited, not signed in yet' : 'member'}</td>
                <td>
                  {editing && editing.email === m.email ? (
                    <form
                      className="inline-form"
                      aria-label={`Change the role of ${m.email}`}
                      onSubmit={(e) => {
                        e.preventDefault();
                        void changeRole(editing);
                      }}
                    >
                      <GrantFields
                        d={editing}
                        set={setEditing}
                        roles={roles}
                        errors={errors}
                        emailEditable={false}
                      />
                      <button type="submit">Save role</button>{' '}
                      <button type="button" onClick={() => setEditing(undefined)}>
                        Cancel
                      </button>
                    </form>
                  ) : mayTouch ? (
                    confirming === key ? (
                      <span className="actions" role="group" aria-label={`Remove ${m.email}?`}>
                        {m.status === 'invited'
                          ? 'Withdraw the invitation?'
                          : `Remove ${m.email} from the workspace?`}{' '}
                        <button onClick={() => void remove(m)}>Yes, remove</button>{' '}
                        <button onClick={() => setConfirming(undefined)}>Keep</button>
                      </span>
                    ) : (
                      <span className="actions">
                        {m.status === 'member' ? (
                          <button
                            onClick={() => {
                              setErrors({});
                              setEditing({
                                email: m.email ?? '',
                                role: m.role,
                                expiresAt: localInput(m.expiresAt),
                              });
                            }}
                          >
                            Change role
                          </button>
                        ) : null}{' '}
                        <button onClick={() => setConfirming(key)}>
                          {m.status === 'invited' ? 'Withdraw' : 'Remove'}
                        </button>
                      </span>
                    )
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
