import { parseArgs } from 'node:util';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import type pg from 'pg';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { enterWorkspace, type TxContext, withOwnerTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { VigiloError } from '../errors.ts';
import { findUserIdByEmail } from '../identity/users.ts';
import { createApiToken } from '../platform/api-tokens.ts';

export const TOKEN_USAGE = `Usage:
  vigilo token add --workspace SLUG --email EMAIL --role ROLE --name NAME [--expires ISO-DATE]
    mints an API token acting for that member, with ROLE no higher than theirs; printed once
`;

const CLI: TxContext = { actor: { type: 'system', id: 'cli' }, requestId: undefined };

const tokenAddSchema = z.object({
  workspace: z.string({ error: '--workspace is required' }).min(1, '--workspace is required'),
  email: z.email('--email must be the email of a member'),
  role: workspaceRoleSchema,
  name: z.string({ error: '--name is required' }).trim().min(1, '--name must not be empty').max(100),
  expires: instant('--expires (a date such as 2027-01-31)').optional(),
});

/**
 * `vigilo token add`: an API token for a member, so automation can drive the API without a
 * browser. It is minted by the same function as `apiTokens.create` (platform/api-tokens.ts), as
 * if the member had asked: it acts for them, never above their current role, and dies with their
 * access. The audit row names the CLI as the actor. The token is printed once; only its hash is kept.
 */
export async function runTokenCommand(
  owner: pg.Pool,
  argv: string[],
  print: (line: string) => void,
  now: () => Date = () => new Date(),
): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb !== 'add') {
    print(TOKEN_USAGE);
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      workspace: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      expires: { type: 'string' },
    },
    strict: true,
  });
  const parsed = tokenAddSchema.safeParse(values);
  if (!parsed.success)
    throw new VigiloError('CONFIG_INVALID', parsed.error.issues.map((i) => i.message).join('; '));
  const input = parsed.data;
  const minted = await withOwnerTx(owner, async (client) => {
    const ws = await client.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [
      input.workspace,
    ]);
    const workspaceId = ws.rows[0]?.id;
    if (!workspaceId)
      throw new VigiloError(
        'CONFIG_INVALID',
        `no workspace "${input.workspace}" (see: vigilo workspace list)`,
      );
    const tx = await enterWorkspace(client, workspaceId, CLI);
    const userId = await findUserIdByEmail(client, input.email);
    const member = userId
      ? await tx.query<{ role: string }>(
          // Named explicitly: the owner is not bound by row security on memberships.
          'SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2 AND (expires_at IS NULL OR expires_at > $3)',
          [workspaceId, userId, now()],
        )
      : undefined;
    const role = member?.rows[0]?.role;
    if (!userId || !role)
      throw new VigiloError(
        'CONFIG_INVALID',
        `${input.email} is not a member of ${input.workspace} (add them with: vigilo member add)`,
      );
    return createApiToken(
      tx,
      { userId, role: workspaceRoleSchema.parse(role) },
      { name: input.name, role: input.role, expiresAt: input.expires, now: now() },
    ).catch((err: unknown) => {
      if (err instanceof ActionRefused) throw new VigiloError('CONFIG_INVALID', err.message);
      throw err;
    });
  });
  print(`Created API token "${input.name}" (${input.role}) acting for ${input.email} in ${input.workspace}.`);
  print('It is shown only this once; keep it secret:');
  print(minted.token);
  return 0;
}
