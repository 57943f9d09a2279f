import { TRPCError } from '@trpc/server';
import { type Access, type Permission, roleGrants, type WorkspaceRole } from '@vigilo/shared/roles';
import { z } from 'zod';
import type { Actor } from '../db/tx.ts';
import type { Context } from './context.ts';
import type { Principal } from './principal.ts';

export type Authorized = {
  principal: Principal;
  actor: Actor;
  /** Set for workspace procedures: the workspace named by the call, and the caller's role in it. */
  workspace: { id: string; slug: string; role: WorkspaceRole } | undefined;
};

/** Every workspace call names its workspace by slug or id. */
export const workspaceRef = z
  .string({ error: 'workspace is required (its slug or id)' })
  .min(1, 'workspace is required (its slug or id)')
  .max(100);

const rawWorkspace = z.object({ workspace: workspaceRef }, { error: 'input must name a workspace' });

/**
 * Decides whether the caller may run a procedure with the given access rule. For workspace
 * procedures the membership is checked here, before any transaction starts; an unknown workspace
 * and one the caller is not a member of look the same (NOT_FOUND), so names do not leak.
 */
export async function authorize(ctx: Context, access: Access, rawInput: unknown): Promise<Authorized> {
  const principal = await ctx.principal();
  const actor = actorOf(principal);
  if (access === 'public') return { principal, actor, workspace: undefined };
  if (principal.kind === 'anonymous') {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'sign in first: this call needs a bearer token' });
  }
  if (access === 'signed_in') {
    if (principal.kind !== 'user') {
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: 'this call needs a signed-in user, not an API token',
      });
    }
    return { principal, actor, workspace: undefined };
  }
  if (access === 'platform_admin') {
    if (principal.kind !== 'user' || !principal.platformAdmin) {
      throw new TRPCError({ code: 'FORBIDDEN', message: 'this call needs the platform_admin role' });
    }
    return { principal, actor, workspace: undefined };
  }

  const parsed = rawWorkspace.safeParse(rawInput);
  if (!parsed.success) {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: parsed.error.issues[0]?.message ?? 'workspace is required',
      cause: parsed.error,
    });
  }
  const workspace = await resolveMembership(ctx, principal, parsed.data.workspace);
  requirePermission(workspace.role, access);
  return { principal, actor, workspace };
}

async function resolveMembership(
  ctx: Context,
  principal: Exclude<Principal, { kind: 'anonymous' }>,
  ref: string,
): Promise<{ id: string; slug: string; role: WorkspaceRole }> {
  const notFound = () =>
    new TRPCError({ code: 'NOT_FOUND', message: `no workspace "${ref}" that you are a member of` });
  const ws = await ctx.directory.findWorkspace(ref);
  if (!ws) throw notFound();

  if (principal.kind === 'api_token') {
    if (principal.workspaceId !== ws.id) throw notFound();
    return { ...ws, role: principal.role };
  }
  const m =
    (await ctx.directory.membership(ws.id, principal.userId)) ??
    (await joinByInvitation(ctx, principal, ws.id));
  if (!m) throw notFound();
  if (m.expiresAt && m.expiresAt <= ctx.services.clock()) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `your ${m.role} access to ${ws.slug} ended at ${m.expiresAt.toISOString()}`,
    });
  }
  return { ...ws, role: m.role };
}

/**
 * Not a member yet: an open invitation of the caller's email to this workspace becomes their
 * membership now, so an invitee reaches it on their first call. Runs only for non-members, so
 * members pay nothing for it.
 */
async function joinByInvitation(
  ctx: Context,
  principal: Extract<Principal, { kind: 'user' }>,
  workspaceId: string,
): Promise<{ role: WorkspaceRole; expiresAt: Date | null } | undefined> {
  if (!principal.email) return undefined;
  const found = await ctx.directory.acceptInvitations(
    { userId: principal.userId, email: principal.email },
    { now: ctx.services.clock(), requestId: ctx.requestId, workspaceId },
  );
  return found > 0 ? ctx.directory.membership(workspaceId, principal.userId) : undefined;
}

function requirePermission(role: WorkspaceRole, permission: Permission): void {
  if (!roleGrants(role, permission)) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `your role ${role} does not allow this (it needs the "${permission}" permission)`,
    });
  }
}

function actorOf(principal: Principal): Actor {
  switch (principal.kind) {
    case 'user':
      return { type: 'user', id: principal.userId };
    case 'api_token':
      return { type: 'api_token', id: principal.tokenId };
    case 'anonymous':
      return { type: 'system', id: 'anonymous' };
    default: {
      const never: never = principal;
      throw new Error(`unknown principal ${JSON.stringify(never)}`);
    }
  }
}
