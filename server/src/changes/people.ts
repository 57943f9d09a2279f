import type { ApprovalStep } from '@vigilo/shared/change-inputs';
import {
  type Permission,
  roleAtMost,
  roleGrants,
  type WorkspaceRole,
  workspaceRoleSchema,
} from '@vigilo/shared/roles';
import type { Actor, WorkspaceTx } from '../db/tx.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';

/**
 * The people of change management: requesters, assignees, approvers and delegates are users,
 * named by id, who must be current members of the workspace (and able to approve, for approvers
 * and delegates). All reads run in the workspace transaction, so another tenant's user looks the
 * same as no user at all. Memberships are also filtered by workspace explicitly: the owner role
 * (system paths such as a worker) is not bound by row security on that directory table.
 */

/**
 * The user behind an actor: a signed-in user, or the creator of an API token (a token acts for
 * the person who made it, with no more than their role). Anything else has nobody to stand for.
 */
export async function personOf(tx: WorkspaceTx, actor: Actor): Promise<string> {
  if (actor.type === 'user') return actor.id;
  if (actor.type === 'api_token') {
    const { rows } = await tx.query<{ created_by: string | null }>(
      'SELECT created_by FROM api_tokens WHERE id = $1',
      [actor.id],
    );
    const creator = rows[0]?.created_by;
    if (creator) return creator;
  }
  throw new ActionRefused(
    'forbidden',
    'changes are raised and decided by people: this credential has no user behind it',
  );
}

/** The current (not ended) members among `ids`, with their roles. */
export async function memberRoles(
  tx: WorkspaceTx,
  ids: readonly string[],
  now: Date,
): Promise<Map<string, WorkspaceRole>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<{ user_id: string; role: string }>(
    'SELECT user_id, role FROM memberships WHERE workspace_id = $1 AND user_id = ANY($2) AND (expires_at IS NULL OR expires_at > $3)',
    [tx.workspaceId, ids, now],
  );
  return new Map(rows.map((r) => [r.user_id, workspaceRoleSchema.parse(r.role)]));
}

/**
 * Refuses any id in `ids` that is not a current member (or, with `permission`, one whose role
 * does not grant it), naming the field and the position: `approverIds.1: no member …`.
 */
export async function requireMembers(
  tx: WorkspaceTx,
  ids: readonly string[],
  path: ReadonlyArray<string | number>,
  now: Date,
  permission?: Permission,
): Promise<void> {
  const roles = await memberRoles(tx, ids, now);
  for (const [i, id] of ids.entries()) refuseNonMember(roles.get(id), [...path, i], permission);
}

/** Refuses one id that is not a current member (or cannot `permission`), naming `path`. */
export async function requireMember(
  tx: WorkspaceTx,
  id: string,
  path: ReadonlyArray<string | number>,
  now: Date,
  permission?: Permission,
): Promise<WorkspaceRole> {
  const role = (await memberRoles(tx, [id], now)).get(id);
  return refuseNonMember(role, path, permission);
}

function refuseNonMember(
  role: WorkspaceRole | undefined,
  path: ReadonlyArray<string | number>,
  permission: Permission | undefined,
): WorkspaceRole {
  if (!role) throw invalidField(path, 'no member of this workspace has this id');
  if (permission && !roleGrants(role, permission))
    throw invalidField(path, `this member's role (${role}) cannot ${permission}`);
  return role;
}

/** The members a group names: that role's members and those above it who may approve. */
export async function groupMembers(
  tx: WorkspaceTx,
  group: ApprovalStep['group'],
  now: Date,
): Promise<string[]> {
  if (group === null) return [];
  const { rows } = await tx.query<{ user_id: string; role: string }>(
    'SELECT user_id, role FROM memberships WHERE workspace_id = $1 AND (expires_at IS NULL OR expires_at > $2) ORDER BY user_id',
    [tx.workspaceId, now],
  );
  return rows
    .filter((r) => {
      const role = workspaceRoleSchema.parse(r.role);
      return roleGrants(role, 'approve') && roleAtMost(group, role);
    })
    .map((r) => r.user_id);
}

/**
 * Everyone a step asks, as of `now`: the members it names who can still approve, and its group's
 * members, less `exclude` (the requester: nobody approves their own change). In a stable order.
 */
export async function stepApprovers(
  tx: WorkspaceTx,
  step: Pick<ApprovalStep, 'approverIds' | 'group'>,
  now: Date,
  exclude: string | undefined,
): Promise<string[]> {
  const named = await memberRoles(tx, step.approverIds, now);
  const ids = new Set(step.approverIds.filter((id) => roleGrants(named.get(id) ?? 'viewer', 'approve')));
  for (const id of await groupMembers(tx, step.group, now)) ids.add(id);
  if (exclude) ids.delete(exclude);
  return [...ids].sort();
}

/** How people are named in words (conflict messages, lists): their name, else email, else id. */
export async function displayNames(tx: WorkspaceTx, ids: readonly string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const { rows } = await tx.query<{ id: string; name: string | null; email: string | null }>(
    'SELECT id, name, email FROM users WHERE id = ANY($1)',
    [unique],
  );
  const names = new Map(rows.map((r) => [r.id, r.name ?? r.email ?? r.id]));
  return new Map(unique.map((id) => [id, names.get(id) ?? 'a former member']));
}
