import { type WorkspaceRole, workspaceRoleSchema } from '@vigilo/shared/roles';
import type pg from 'pg';
import { z } from 'zod';
import { type TxContext, withOwnerTx, withWorkspace } from '../db/tx.ts';
import { createWorkspace, type NewWorkspace } from './create.ts';
import { workspacesInviting } from './invitations.ts';
import { joinByInvitation } from './members.ts';

/** A workspace a user belongs to, with their role in it. */
export type MyWorkspace = {
  id: string;
  slug: string;
  name: string;
  role: WorkspaceRole;
  expiresAt: Date | null;
};

/** A workspace as platform admins and the CLI list them. */
export type WorkspaceSummary = { id: string; slug: string; name: string; members: number; createdAt: Date };

/**
 * The reads and writes above any one workspace: which workspaces exist, who belongs where, who a
 * user is. They run on the owner pool because no workspace binds them (a user's list of
 * workspaces, the membership checked before a workspace transaction opens). Request handlers
 * reach the owner pool only through this (`ctx.directory`), so every such path has a name.
 */
export type Directory = {
  /** The workspaces `userId` belongs to at `now` (ended grants left out), by slug. */
  workspacesOf(userId: string, now: Date): Promise<MyWorkspace[]>;
  /** Every workspace with its member count, by slug. */
  allWorkspaces(): Promise<WorkspaceSummary[]>;
  /** The workspace named by `ref`, its slug or (if it is a UUID) its id. */
  findWorkspace(ref: string): Promise<{ id: string; slug: string } | undefined>;
  /** A user's membership in a workspace, ended or not. */
  membership(
    workspaceId: string,
    userId: string,
  ): Promise<{ role: WorkspaceRole; expiresAt: Date | null } | undefined>;
  /**
   * Makes the signed-in user's open invitations (to every workspace, or only `workspaceId`) their
   * memberships, each in its workspace's transaction and recorded as theirs. Returns how many
   * invitations it found: when any, read the membership again (a concurrent call may have taken it).
   * There is no lookup of a user by email here: which emails have an account is nobody's answer.
   */
  acceptInvitations(
    invitee: { userId: string; email: string },
    opts: { now: Date; requestId: string | undefined; workspaceId?: string },
  ): Promise<number>;
  /** Creates a workspace with its owner (workspaces/create.ts) in an owner transaction of its own. */
  createWorkspace(ws: NewWorkspace, ctx: TxContext): Promise<{ id: string; createdAt: Date }>;
};

/** A ref that parses as a UUID names a workspace by id; any other, by slug. */
const isId = (ref: string) => z.uuid().safeParse(ref).success;

export function createDirectory(owner: pg.Pool): Directory {
  return {
    async workspacesOf(userId, now) {
      const { rows } = await owner.query<{
        id: string;
        slug: string;
        name: string;
        role: string;
        expires_at: Date | null;
      }>(
        `SELECT w.id, w.slug, w.name, m.role, m.expires_at FROM memberships m JOIN workspaces w ON w.id = m.workspace_id
         WHERE m.user_id = $1 AND (m.expires_at IS NULL OR m.expires_at > $2) ORDER BY w.slug`,
        [userId, now],
      );
      return rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        name: r.name,
        role: workspaceRoleSchema.parse(r.role),
        expiresAt: r.expires_at,
      }));
    },

    async allWorkspaces() {
      const { rows } = await owner.query<{
        id: string;
        slug: string;
        name: string;
        members: number;
        created_at: Date;
      }>(
        `SELECT w.id, w.slug, w.name, w.created_at, (SELECT count(*) FROM memberships m WHERE m.workspace_id = w.id)::int AS members
         FROM workspaces w ORDER BY w.slug`,
      );
      return rows.map((r) => ({
        id: r.id,
        slug: r.slug,
        name: r.name,
        members: r.members,
        createdAt: r.created_at,
      }));
    },

    async findWorkspace(ref) {
      const { rows } = await owner.query<{ id: string; slug: string }>(
        `SELECT id, slug FROM workspaces WHERE ${isId(ref) ? 'id = $1::uuid' : 'slug = $1'}`,
        [ref],
      );
      return rows[0];
    },

    async membership(workspaceId, userId) {
      const { rows } = await owner.query<{ role: string; expires_at: Date | null }>(
        'SELECT role, expires_at FROM memberships WHERE workspace_id = $1 AND user_id = $2',
        [workspaceId, userId],
      );
      const m = rows[0];
      return m && { role: workspaceRoleSchema.parse(m.role), expiresAt: m.expires_at };
    },

    async acceptInvitations(invitee, opts) {
      const workspaces = await workspacesInviting(owner, invitee.email, opts.now, opts.workspaceId);
      const ctx: TxContext = { actor: { type: 'user', id: invitee.userId }, requestId: opts.requestId };
      for (const workspaceId of workspaces)
        await withWorkspace(owner, workspaceId, ctx, (tx) => joinByInvitation(tx, invitee, opts.now));
      return workspaces.length;
    },

    createWorkspace: (ws, ctx) => withOwnerTx(owner, (client) => createWorkspace(client, ws, ctx)),
  };
}
