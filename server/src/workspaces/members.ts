import { roleAtMost, type WorkspaceRole } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import {
  closeInvitation,
  createInvitation,
  listInvitations,
  newSetupCode,
  recordWithdrawal,
  takeInvitation,
} from './invitations.ts';

/**
 * Who belongs to a workspace and with which role. Each change writes its audit row and event in
 * the caller's transaction. A granter (the caller's role) grants, changes and removes no role
 * above its own, and a workspace always keeps an owner.
 *
 * Two ways in: the members.* procedures invite (inviteMember: the same answer for every email,
 * see invitations.ts), and the invitee becomes a member on reaching the workspace
 * (joinByInvitation); the CLI, an operator of the server who sees its users anyway, adds a
 * member directly as the system (addMember, no granter). Every lookup by email here stays inside
 * the workspace (row security shows only its members' user rows): no answer depends on whether
 * the email has an account elsewhere on the server.
 */

/** A person as a direct add names them: their email, and the user found for it. */
export type MemberRef = { email: string; userId: string };

/** What a grant gives: a role, and when a time-boxed one (auditor) ends. */
export type Grant = { role: WorkspaceRole; expiresAt?: Date | undefined };

/** A row of the members list: a member, or an open invitation (only what the admin typed). */
export type MemberListing =
  | {
      status: 'member';
      userId: string;
      email: string | null;
      name: string | null;
      role: WorkspaceRole;
      expiresAt: Date | null;
    }
  | {
      status: 'invited';
      userId: null;
      email: string;
      name: null;
      role: WorkspaceRole;
      expiresAt: Date | null;
    };

/**
 * Every member, then every open invitation, by email. An invitation's row carries only what the
 * admin typed (no user id, no name), so it looks the same whether or not the email has an account.
 */
export async function listMembers(tx: WorkspaceTx, now: Date): Promise<MemberListing[]> {
  const { rows } = await tx.query<{
    user_id: string;
    email: string | null;
    name: string | null;
    role: WorkspaceRole;
    expires_at: Date | null;
  }>(
    `SELECT m.user_id, u.email, u.name, m.role, m.expires_at FROM memberships m JOIN users u ON u.id = m.user_id
     ORDER BY u.email`,
  );
  const invitations = await listInvitations(tx, now);
  return [
    ...rows.map((r) => ({
      status: 'member' as const,
      userId: r.user_id,
      email: r.email,
      name: r.name,
      role: r.role,
      expiresAt: r.expires_at,
    })),
    ...invitations.map((i) => ({
      status: 'invited' as const,
      userId: null,
      email: i.email,
      name: null,
      role: i.role,
      expiresAt: i.expiresAt,
    })),
  ];
}

/**
 * Invites an email with a role: the answer is the same whether or not anyone with that email has
 * signed in here. Refused only for what the workspace already shows its admins: the email is a
 * member, or is invited.
 */
export async function inviteMember(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  email: string,
  grant: Grant,
  now: Date,
  /**
   * With the built-in provider: give the invitation a one-time setup code, returned here once,
   * with which a person without an account chooses a password (identity/welcome.ts). Every email
   * gets one, so the answer still does not say whether the email has an account.
   */
  opts: { setupCode?: boolean } = {},
): Promise<{
  email: string;
  role: WorkspaceRole;
  status: 'invited';
  setupCode?: { code: string; expiresAt: Date };
}> {
  assertCanGrant(granter, grant.role);
  if (await findMember(tx, email)) throw new ActionRefused('conflict', `${email} is already a member`);
  const setup = opts.setupCode ? newSetupCode(now) : undefined;
  const invited = await createInvitation(
    tx,
    email,
    { role: grant.role, expiresAt: grant.expiresAt ?? null },
    now,
    setup,
  );
  if (!invited) throw new ActionRefused('conflict', `${email} is already invited`);
  return {
    email,
    role: grant.role,
    status: 'invited',
    ...(setup ? { setupCode: { code: setup.code, expiresAt: setup.expiresAt } } : {}),
  };
}

/**
 * Makes the open invitation of the invitee's email here their membership, recorded as theirs
 * (the transaction's actor is the invitee). False when there is none, when they are a member
 * already, or when the time-boxed grant it carries has ended; the invitation is used up either way.
 */
export async function joinByInvitation(tx: WorkspaceTx, invitee: MemberRef, now: Date): Promise<boolean> {
  const inv = await takeInvitation(tx, invitee.email, now);
  if (!inv || (inv.expiresAt !== null && inv.expiresAt <= now)) return false;
  // The workspace named too: this runs on the owner pool, which row security does not bind here.
  const already = await tx.query('SELECT 1 FROM memberships WHERE workspace_id = $1 AND user_id = $2', [
    tx.workspaceId,
    invitee.userId,
  ]);
  if (already.rowCount) return false;
  await addMember(tx, undefined, invitee, { role: inv.role, expiresAt: inv.expiresAt ?? undefined }, inv.id);
  return true;
}

/**
 * Adds a member directly (the CLI, and an accepted invitation); someone already a member is a
 * `conflict`. An invitation of the same email is done with: it is closed, and the audit row
 * names it.
 */
export async function addMember(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  who: MemberRef,
  grant: Grant,
  /** The invitation it comes from, already taken; otherwise one of the email here is closed. */
  invitationId?: string,
): Promise<{ userId: string; role: WorkspaceRole }> {
  assertCanGrant(granter, grant.role);
  const { userId } = who;
  const { rowCount } = await tx.query(
    `INSERT INTO memberships (workspace_id, user_id, role, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [tx.workspaceId, userId, grant.role, grant.expiresAt ?? null],
  );
  if (rowCount === 0) throw new ActionRefused('conflict', `${who.email} is already a member`);
  const invitation = invitationId ?? (await closeInvitation(tx, who.email));
  await tx.record({
    action: 'member.added',
    target: { type: 'user', id: userId },
    summary: {
      after: { role: grant.role, expiresAt: grant.expiresAt ?? null },
      ...(invitation ? { invitation } : {}),
    },
    event: 'member.added',
    payload: { userId, role: grant.role },
  });
  return { userId, role: grant.role };
}

/** Changes a member's role (and when it ends); the last owner cannot be demoted. */
export async function setMemberRole(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  email: string,
  grant: Grant,
): Promise<{ userId: string; role: WorkspaceRole }> {
  assertCanGrant(granter, grant.role);
  const prev = await findMember(tx, email);
  if (!prev) throw notMember(email);
  const { userId } = prev;
  assertCanGrant(granter, prev.role);
  await assertOwnerRemains(tx, userId, grant.role);
  await tx.query('UPDATE memberships SET role = $2, expires_at = $3 WHERE user_id = $1', [
    userId,
    grant.role,
    grant.expiresAt ?? null,
  ]);
  await tx.record({
    action: 'member.role_changed',
    target: { type: 'user', id: userId },
    summary: {
      before: { role: prev.role, expiresAt: prev.expiresAt },
      after: { role: grant.role, expiresAt: grant.expiresAt ?? null },
    },
    event: 'member.role_changed',
    payload: { userId, role: grant.role },
  });
  return { userId, role: grant.role };
}

/**
 * Removes a member (the last owner cannot be removed), or withdraws the open invitation of an
 * email that is not a member yet.
 */
export async function removeMember(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  email: string,
  now: Date,
): Promise<{ userId: string | null; status: 'removed' | 'withdrawn' }> {
  const prev = await findMember(tx, email);
  if (!prev) {
    const inv = await takeInvitation(tx, email, now);
    if (!inv) throw notMember(email);
    assertCanGrant(granter, inv.role);
    await recordWithdrawal(tx, inv);
    return { userId: null, status: 'withdrawn' };
  }
  const { userId } = prev;
  assertCanGrant(granter, prev.role);
  await assertOwnerRemains(tx, userId, undefined);
  await tx.query('DELETE FROM memberships WHERE user_id = $1', [userId]);
  await tx.record({
    action: 'member.removed',
    target: { type: 'user', id: userId },
    summary: { before: { role: prev.role } },
    event: 'member.removed',
    payload: { userId },
  });
  return { userId, status: 'removed' };
}

/**
 * The member of this workspace with this email (case-insensitive), locked for the change. Row
 * security shows only this workspace's memberships and their users: a user who belongs only to
 * other workspaces is not found, exactly like an email nobody signed in with.
 */
async function findMember(
  tx: WorkspaceTx,
  email: string,
): Promise<{ userId: string; role: WorkspaceRole; expiresAt: Date | null } | undefined> {
  const { rows } = await tx.query<{ user_id: string; role: WorkspaceRole; expires_at: Date | null }>(
    `SELECT m.user_id, m.role, m.expires_at FROM memberships m JOIN users u ON u.id = m.user_id
     WHERE lower(u.email) = lower($1) ORDER BY u.created_at LIMIT 1 FOR UPDATE OF m`,
    [email],
  );
  const m = rows[0];
  return m && { userId: m.user_id, role: m.role, expiresAt: m.expires_at };
}

/** A granter (undefined: the system) may touch only roles no higher than its own. */
function assertCanGrant(granter: WorkspaceRole | undefined, role: WorkspaceRole): void {
  if (granter !== undefined && !roleAtMost(role, granter))
    throw new ActionRefused('forbidden', `your role ${granter} cannot grant the role ${role}`);
}

/** A workspace always keeps at least one owner. */
async function assertOwnerRemains(
  tx: WorkspaceTx,
  userId: string,
  newRole: WorkspaceRole | undefined,
): Promise<void> {
  if (newRole === 'owner') return;
  const { rows } = await tx.query<{ others: number; mine: number }>(
    `SELECT count(*) FILTER (WHERE user_id <> $1)::int AS others, count(*) FILTER (WHERE user_id = $1)::int AS mine
     FROM memberships WHERE role = 'owner'`,
    [userId],
  );
  if ((rows[0]?.others ?? 0) === 0 && (rows[0]?.mine ?? 0) > 0)
    throw new ActionRefused('conflict', 'a workspace must keep at least one owner');
}

/** The one answer for an email that is not a member here, whoever it belongs to elsewhere. */
const notMember = (email: string) =>
  new ActionRefused('not_found', `${email} is not a member of this workspace`);
