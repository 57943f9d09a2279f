import { type Permission, roleGrants, workspaceRoleSchema } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import { invalidField } from '../domain-errors.ts';

/**
 * Refuses, naming the field, a person who cannot hold a role in the workspace's work (an
 * incident's commander, a task's assignee, a project's owner): someone who is not a current
 * member, or whose role lacks `permission`. A viewer cannot command an incident they may not
 * change, so the people fields ask for `operate` by default.
 *
 * Runs in the workspace transaction, so row-level security makes another workspace's member and
 * an unknown id look the same. `now` decides whether a time-boxed membership has ended.
 */
export async function requireMember(
  tx: WorkspaceTx,
  input: { userId: string; field: ReadonlyArray<string | number>; now: Date; permission?: Permission },
): Promise<void> {
  const permission = input.permission ?? 'operate';
  const { rows } = await tx.query<{ role: string; expires_at: Date | null }>(
    'SELECT role, expires_at FROM memberships WHERE user_id = $1 FOR SHARE',
    [input.userId],
  );
  const m = rows[0];
  if (!m || (m.expires_at !== null && m.expires_at <= input.now))
    throw invalidField(input.field, 'is not a member of this workspace');
  const role = workspaceRoleSchema.parse(m.role);
  if (!roleGrants(role, permission))
    throw invalidField(input.field, `is a ${role} of this workspace, whose role cannot ${permission}`);
}
