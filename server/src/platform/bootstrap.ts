import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { withOwnerTx } from '../db/tx.ts';
import { createWorkspace } from '../workspaces/create.ts';
import { generatePassword } from '../cli/users.ts';
import { createLocalAccount } from '../identity/local-accounts.ts';

export const FIRST_OWNER_EMAIL = 'owner@vigilo.local';
export const DEMO_WORKSPACE = 'demo';

/**
 * On the very first start of an empty installation: a local owner account, a `demo` workspace
 * it owns, and a note of the password (shown once, and kept 0600 in the data folder so a scrolled
 * terminal does not lock the owner out). Does nothing once any workspace or account exists.
 */
export async function bootstrapFirstRun(
  owner: pg.Pool,
  opts: { issuer: string; home: string },
): Promise<{ email: string; password: string; credentialsFile: string } | undefined> {
  const created = await withOwnerTx(owner, async (client) => {
    // Two servers starting at once on an empty database: one bootstraps, the other sees it done.
    await client.query('SELECT pg_advisory_xact_lock(7623451)');
    const { rows } = await client.query<{ n: number }>(
      'SELECT (SELECT count(*) FROM workspaces)::int + (SELECT count(*) FROM local_accounts)::int AS n',
    );
    if ((rows[0]?.n ?? 0) > 0) return undefined;
    const password = generatePassword();
    const account = await createLocalAccount(client, { email: FIRST_OWNER_EMAIL, name: 'Owner', password });
    const user = await client.query<{ id: string }>(
      'INSERT INTO users (issuer, subject, email, name) VALUES ($1, $2, $3, $4) RETURNING id',
      [opts.issuer, account.id, account.email, account.name],
    );
    await createWorkspace(
      client,
      { slug: DEMO_WORKSPACE, name: 'Demo', ownerUserId: user.rows[0]?.id ?? '' },
      { actor: { type: 'system', id: 'first-run' }, requestId: undefined },
    );
    return { password };
  });
  if (!created) return undefined;
  // Written once the account is committed: a note of a password that was rolled back would lie.
  const credentialsFile = path.join(opts.home, 'first-run-credentials.txt');
  await writeFile(credentialsFile, `email: ${FIRST_OWNER_EMAIL}\npassword: ${created.password}\n`, {
    mode: 0o600,
  });
  return { email: FIRST_OWNER_EMAIL, password: created.password, credentialsFile };
}
