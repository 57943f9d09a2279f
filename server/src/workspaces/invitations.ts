import { createHash, randomBytes } from 'node:crypto';
import { type WorkspaceRole, workspaceRoleSchema } from '@vigilo/shared/roles';
import type { WorkspaceTx } from '../db/tx.ts';
import type { Queryable } from '../identity/local-accounts.ts';

/**
 * Invitations: how a person joins a workspace through the API. `members.add` answers every email
 * the same way, with an invitation, whether or not someone with that email has signed in to this
 * server: the answer, the members list and the audit row look alike for both, so no admin (and
 * anyone can create a workspace and be its admin) learns which emails have an account here. The
 * invitation becomes the membership when its invitee next reaches the workspace (joinByInvitation
 * in members.ts), under the same trust in the identity provider's email claim that adding by
 * email always had. These are the table's primitives; who may invite is members.ts's rule.
 *
 * Every statement names the transaction's workspace itself: row security on this directory table
 * binds vigilo_app but not the owner, and an invitation is accepted on the owner pool.
 */

/** How long an invitation waits for its invitee. */
export const INVITATION_TTL_MS = 30 * 86_400_000;

/** How long an invitation's one-time setup code works (the invitation itself waits longer). */
export const SETUP_CODE_TTL_MS = 7 * 86_400_000;

/** An invitation's one-time setup code as the admin receives it, once; only its hash is stored. */
export type SetupCode = { code: string; hash: Buffer; expiresAt: Date };

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A new setup code: 160 random bits as 32 base-32 letters in groups of four (easy to read out
 * and type). Its SHA-256 is what is stored: with that much randomness a slow hash adds nothing.
 */
export function newSetupCode(now: Date): SetupCode {
  const bytes = randomBytes(20);
  let bits = 0;
  let value = 0;
  let letters = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      letters += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  const code = letters.match(/.{4}/g)!.join('-');
  return { code, hash: setupCodeHash(code), expiresAt: new Date(now.getTime() + SETUP_CODE_TTL_MS) };
}

/** The stored form of a code as typed: case, spaces and dashes do not matter. */
export function setupCodeHash(typed: string): Buffer {
  return createHash('sha256')
    .update(typed.toUpperCase().replace(/[^A-Z2-7]/g, ''))
    .digest();
}

/** What an invitation grants: the role, and when a time-boxed grant (auditor) ends. */
export type InvitationGrant = { role: WorkspaceRole; expiresAt: Date | null };

/** An open invitation of this workspace. */
export type Invitation = InvitationGrant & { id: string; email: string; invitedAt: Date };

/** Invitations made before this are lapsed: not listed, not accepted, replaced by a new one. */
const lapsedBefore = (now: Date) => new Date(now.getTime() - INVITATION_TTL_MS);

type Row = { id: string; email: string; role: string; expires_at: Date | null; invited_at: Date };
const COLUMNS = 'id, email, role, expires_at, invited_at';
const fromRow = (r: Row): Invitation => ({
  id: r.id,
  email: r.email,
  role: workspaceRoleSchema.parse(r.role),
  expiresAt: r.expires_at,
  invitedAt: r.invited_at,
});

/**
 * Records an invitation of `email` in the transaction's workspace, with its audit row and event.
 * A lapsed invitation of the same email is replaced; an open one makes it undefined.
 */
export async function createInvitation(
  tx: WorkspaceTx,
  email: string,
  grant: InvitationGrant,
  now: Date,
  /** The invitation's one-time setup code (built-in provider only). */
  setup?: SetupCode,
): Promise<{ id: string } | undefined> {
  await tx.query(
    'DELETE FROM invitations WHERE workspace_id = $1 AND lower(email) = lower($2) AND invited_at <= $3',
    [tx.workspaceId, email, lapsedBefore(now)],
  );
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO invitations (workspace_id, email, role, expires_at, invited_at, setup_code_hash, setup_code_expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id`,
    [tx.workspaceId, email, grant.role, grant.expiresAt, now, setup?.hash ?? null, setup?.expiresAt ?? null],
  );
  const id = rows[0]?.id;
  if (!id) return undefined;
  // The same row for every email: nothing here depends on whether the email has an account.
  await tx.record({
    action: 'member.invited',
    target: { type: 'invitation', id },
    summary: {
      after: {
        email,
        role: grant.role,
        expiresAt: grant.expiresAt,
        setupCodeExpiresAt: setup?.expiresAt ?? null,
      },
    },
    event: 'member.invited',
    payload: { id, role: grant.role },
  });
  return { id };
}

/**
 * Takes the open invitation of `email` here: deleted and returned, so of two concurrent takers
 * one gets it (the other waits for the row, then finds nothing). A refusal after it rolls back.
 */
export async function takeInvitation(
  tx: WorkspaceTx,
  email: string,
  now: Date,
): Promise<Invitation | undefined> {
  const { rows } = await tx.query<Row>(
    `DELETE FROM invitations WHERE workspace_id = $1 AND lower(email) = lower($2) AND invited_at > $3
     RETURNING ${COLUMNS}`,
    [tx.workspaceId, email, lapsedBefore(now)],
  );
  return rows[0] && fromRow(rows[0]);
}

/** The workspace's open invitations, by email. */
export async function listInvitations(tx: WorkspaceTx, now: Date): Promise<Invitation[]> {
  const { rows } = await tx.query<Row>(
    `SELECT ${COLUMNS} FROM invitations WHERE workspace_id = $1 AND invited_at > $2 ORDER BY lower(email)`,
    [tx.workspaceId, lapsedBefore(now)],
  );
  return rows.map(fromRow);
}

/** Records the withdrawal of an invitation taken with {@link takeInvitation}: its audit row and event. */
export async function recordWithdrawal(tx: WorkspaceTx, inv: Invitation): Promise<void> {
  await tx.record({
    action: 'member.invitation_withdrawn',
    target: { type: 'invitation', id: inv.id },
    summary: { before: { email: inv.email, role: inv.role, expiresAt: inv.expiresAt } },
    event: 'member.invitation_withdrawn',
    payload: { id: inv.id },
  });
}

/**
 * Deletes any invitation of `email` here, open or lapsed, when it is done with: its invitee
 * became a member (the membership's audit row names it), or what it grants already ended.
 * Returns the id of the one deleted.
 */
export async function closeInvitation(tx: WorkspaceTx, email: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(
    'DELETE FROM invitations WHERE workspace_id = $1 AND lower(email) = lower($2) RETURNING id',
    [tx.workspaceId, email],
  );
  return rows[0]?.id;
}

/**
 * The workspaces holding an open invitation of `email` (all, or only `workspaceId`): a read
 * above the workspaces, on the owner pool, for the directory (a signed-in user has no workspace
 * bound yet when their invitations are looked up).
 */
export async function workspacesInviting(
  owner: Queryable,
  email: string,
  now: Date,
  workspaceId?: string,
): Promise<string[]> {
  const { rows } = await owner.query<{ workspace_id: string }>(
    `SELECT workspace_id FROM invitations
     WHERE lower(email) = lower($1) AND invited_at > $2 AND ($3::uuid IS NULL OR workspace_id = $3::uuid)`,
    [email, lapsedBefore(now), workspaceId ?? null],
  );
  return rows.map((r) => r.workspace_id);
}

/**
 * The open invitation a setup code belongs to, when the code is current and was given for
 * `email`: a read above the workspaces, on the owner pool (the invitee has no session yet).
 */
export async function findBySetupCode(
  owner: Queryable,
  input: { email: string; hash: Buffer; now: Date },
): Promise<{ id: string; workspaceId: string } | undefined> {
  const { rows } = await owner.query<{ id: string; workspace_id: string }>(
    `SELECT id, workspace_id FROM invitations
     WHERE setup_code_hash = $1 AND lower(email) = lower($2) AND setup_code_expires_at > $3 AND invited_at > $4`,
    [input.hash, input.email, input.now, lapsedBefore(input.now)],
  );
  const r = rows[0];
  return r && { id: r.id, workspaceId: r.workspace_id };
}

/**
 * Uses up the setup code of invitation `id` in its workspace's transaction: cleared, so of two
 * people racing with one code one wins, and audited alike whatever the redemption did with the
 * account (the audit row must not tell the admin whether the email had one). False when the code
 * was used meanwhile. The invitation stays open: its invitee joins on their first call, as any.
 */
export async function useSetupCode(tx: WorkspaceTx, id: string, hash: Buffer): Promise<boolean> {
  const { rows } = await tx.query<{ email: string }>(
    `UPDATE invitations SET setup_code_hash = NULL, setup_code_expires_at = NULL
     WHERE workspace_id = $1 AND id = $2 AND setup_code_hash = $3 RETURNING email`,
    [tx.workspaceId, id, hash],
  );
  if (!rows[0]) return false;
  await tx.record({
    action: 'member.setup_code_used',
    target: { type: 'invitation', id },
    summary: { after: { email: rows[0].email } },
    event: 'member.setup_code_used',
    payload: { id },
  });
  return true;
}
