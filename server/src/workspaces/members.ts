import { roleAtMost, type WorkspaceRole } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';

/**
 * Who belongs to a workspace and with which role. Each change writes its audit row and event in
 * the caller's transaction. A granter (the caller's role) grants, changes and removes no role
 * above its own, and a workspace always keeps an owner. The CLI adds members as the system (no
 * granter); the members.* procedures as the signed-in admin.
 */

/**
 * The person a change is about, as the caller named them: their email, and the user found for it
 * (users are global: the caller looks them up in the directory; undefined when none has signed in).
 */
export type MemberRef = { email: string; userId: string | undefined };

/** Every member, by email, with their role and when a time-boxed grant ends. */
export async function listMembers(tx: WorkspaceTx) {
  const { rows } = await tx.query<{
    user_id: string;
    email: string | null;
    name: string | null;
    role: string;
    expires_at: Date | null;
  }>(
    `SELECT m.user_id, u.email, u.name, m.role, m.expires_at FROM memberships m JOIN users u ON u.id = m.user_id
     ORDER BY u.email`,
  );
  return rows.map((r) => ({
    userId: r.user_id,
    email: r.email,
    name: r.name,
    role: r.role,
    expiresAt: r.expires_at,
  }));
}

/** Adds a member; someone already a member is a `conflict`. */
export async function addMember(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  who: MemberRef,
  grant: { role: WorkspaceRole; expiresAt?: Date | undefined },
): Promise<{ userId: string; role: WorkspaceRole }> {
  assertCanGrant(granter, grant.role);
  const userId = userOf(who);
  const { rowCount } = await tx.query(
    `INSERT INTO memberships (workspace_id, user_id, role, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING`,
    [tx.workspaceId, userId, grant.role, grant.expiresAt ?? null],
  );
  if (rowCount === 0) throw new ActionRefused('conflict', `${who.email} is already a member`);
  await tx.record({
    action: 'member.added',
    target: { type: 'user', id: userId },
    summary: { after: { role: grant.role, expiresAt: grant.expiresAt ?? null } },
    event: 'member.added',
    payload: { userId, role: grant.role },
  });
  return { userId, role: grant.role };
}

/** Changes a member's role (and when it ends); the last owner cannot be demoted. */
export async function setMemberRole(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  who: MemberRef,
  grant: { role: WorkspaceRole; expiresAt?: Date | undefined },
): Promise<{ userId: string; role: WorkspaceRole }> {
  assertCanGrant(granter, grant.role);
  const userId = userOf(who);
  const before = await tx.query<{ role: WorkspaceRole; expires_at: Date | null }>(
    'SELECT role, expires_at FROM memberships WHERE user_id = $1 FOR UPDATE',
    [userId],
  );
  const prev = before.rows[0];
  if (!prev) throw notMember(who);
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
      before: { role: prev.role, expiresAt: prev.expires_at },
      after: { role: grant.role, expiresAt: grant.expiresAt ?? null },
    },
    event: 'member.role_changed',
    payload: { userId: userId, role: grant.role },
  });
  return { userId: userId, role: grant.role };
}

/** Removes a member; the last owner cannot be removed. */
export async function removeMember(
  tx: WorkspaceTx,
  granter: WorkspaceRole | undefined,
  who: MemberRef,
): Promise<{ userId: string }> {
  const userId = userOf(who);
  const before = await tx.query<{ role: WorkspaceRole }>(
    'SELECT role FROM memberships WHERE user_id = $1 FOR UPDATE',
    [userId],
  );
  const prev = before.rows[0];
  if (!prev) throw notMember(who);
  assertCanGrant(granter, prev.role);
  await assertOwnerRemains(tx, userId, undefined);
  await tx.query('DELETE FROM memberships WHERE user_id = $1', [userId]);
  await tx.record({
    action: 'member.removed',
    target: { type: 'user', id: userId },
    summary: { before: { role: prev.role } },
    event: 'member.removed',
    payload: { userId: userId },
  });
  return { userId: userId };
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

/** The user a change is about; one with no user is not found (nobody signed in with that email). */
function userOf(who: MemberRef): string {
  if (who.userId === undefined)
    throw new ActionRefused('not_found', `no user with email ${who.email} has signed in yet`);
  return who.userId;
}

const notMember = (who: MemberRef) => new ActionRefused('not_found', `${who.email} is not a member`);
