import { parseArgs } from 'node:util';
import { workspaceRoleSchema } from '@vigilo/shared/roles';
import type pg from 'pg';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { enterWorkspace, type TxContext, withOwnerTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import { VigiloError } from '../errors.ts';
import { userIdForEmail } from '../identity/users.ts';
import { createWorkspace } from '../workspaces/create.ts';
import { createDirectory } from '../workspaces/directory.ts';
import { addMember } from '../workspaces/members.ts';

export const WORKSPACE_USAGE = `Usage:
  vigilo workspace add --slug SLUG --name NAME --owner EMAIL
  vigilo workspace list
  vigilo member add --workspace SLUG --email EMAIL --role ROLE [--expires ISO-DATE]
    ROLE: viewer, member, approver, admin, owner, auditor (auditor needs --expires)
`;

const CLI: TxContext = { actor: { type: 'system', id: 'cli' }, requestId: undefined };

const workspaceAddSchema = z.object({
  slug: z
    .string({ error: '--slug is required' })
    .regex(
      /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/,
      '--slug must be 1–48 lower-case letters, digits or inner hyphens',
    ),
  name: z.string({ error: '--name is required' }).trim().min(1, '--name must not be empty').max(100),
  owner: z.email('--owner must be the email of a user'),
});

const memberAddSchema = z
  .object({
    workspace: z.string({ error: '--workspace is required' }).min(1),
    email: z.email('--email must be an email address'),
    role: workspaceRoleSchema,
    expires: instant('--expires (a date such as 2027-01-31)').optional(),
  })
  .refine((m) => m.role !== 'auditor' || m.expires, {
    message: 'the auditor role is time-boxed: give --expires',
  });

/**
 * `vigilo workspace …` and `vigilo member …`: the administrator's way in before anyone can sign
 * in. They write through the owner role like the first-run bootstrap, with an audit row and an
 * event per change, attributed to the CLI.
 */
export async function runWorkspaceCommand(
  owner: pg.Pool,
  issuer: string,
  argv: string[],
  print: (line: string) => void,
): Promise<number> {
  const [noun, verb, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      owner: { type: 'string' },
      workspace: { type: 'string' },
      email: { type: 'string' },
      role: { type: 'string' },
      expires: { type: 'string' },
    },
    strict: true,
  });
  if (noun === 'workspace' && verb === 'list') {
    for (const w of await createDirectory(owner).allWorkspaces())
      print(`${w.slug}\t${w.name}\t${w.members} member(s)`);
    return 0;
  }
  if (noun === 'workspace' && verb === 'add') {
    const input = parse(workspaceAddSchema, values);
    await withOwnerTx(owner, async (client) => {
      const ownerUserId = await userIdFor(client, issuer, input.owner);
      await createWorkspace(client, { slug: input.slug, name: input.name, ownerUserId }, CLI).catch(
        (err: unknown) => {
          if (err instanceof ActionRefused && err.reason === 'conflict')
            throw new VigiloError('CONFIG_INVALID', `the workspace slug "${input.slug}" is taken`);
          throw err;
        },
      );
    });
    print(`created workspace ${input.slug} owned by ${input.owner}`);
    return 0;
  }
  if (noun === 'member' && verb === 'add') {
    const input = parse(memberAddSchema, values);
    await withOwnerTx(owner, async (client) => {
      const ws = await client.query<{ id: string }>('SELECT id FROM workspaces WHERE slug = $1', [
        input.workspace,
      ]);
      const id = ws.rows[0]?.id;
      if (!id)
        throw new VigiloError(
          'CONFIG_INVALID',
          `no workspace "${input.workspace}" (see: vigilo workspace list)`,
        );
      const tx = await enterWorkspace(client, id, CLI);
      const userId = await userIdFor(client, issuer, input.email);
      // The CLI is the administrator's way in: it grants as the system, any role, and adds the
      // member directly rather than inviting (members.add invites so that an admin of one
      // workspace cannot tell which emails have an account; an operator of the server can read
      // its users anyway). An open invitation of the email is closed by it (workspaces/members.ts).
      await addMember(
        tx,
        undefined,
        { userId, email: input.email },
        { role: input.role, expiresAt: input.expires },
      ).catch((err: unknown) => {
        if (err instanceof ActionRefused && err.reason === 'conflict')
          throw new VigiloError('CONFIG_INVALID', `${input.email} is already a member of ${input.workspace}`);
        throw err;
      });
    });
    print(`added ${input.email} to ${input.workspace} as ${input.role}`);
    return 0;
  }
  print(WORKSPACE_USAGE);
  return 2;
}

/** The user for an email (see userIdForEmail), or a plain failure saying how to make one. */
async function userIdFor(client: pg.ClientBase, issuer: string, email: string): Promise<string> {
  const userId = await userIdForEmail(client, issuer, email);
  if (userId) return userId;
  throw new VigiloError(
    'CONFIG_INVALID',
    `no user or local account with email ${email}: create one with vigilo user add`,
  );
}

function parse<T>(schema: z.ZodType<T>, values: unknown): T {
  const parsed = schema.safeParse(values);
  if (!parsed.success)
    throw new VigiloError('CONFIG_INVALID', parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}
