import type { Queryable } from './local-accounts.ts';
import { findLocalAccountByEmail } from './local-accounts.ts';

/**
 * Users are global rows (one per identity provider subject), outside any workspace: looking one
 * up is a directory read on the owner pool, never a tenant query.
 */

/** The user with this email (case-insensitive; the earliest if several signed in with it). */
export async function findUserIdByEmail(db: Queryable, email: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM users WHERE lower(email) = lower($1) ORDER BY created_at LIMIT 1',
    [email],
  );
  return rows[0]?.id;
}

/**
 * The user for an email: an existing user (signed in before), or one made now for a local
 * account of the built-in provider, keyed the way its tokens will name it (issuer + account id).
 * Undefined when there is neither.
 */
export async function userIdForEmail(
  db: Queryable,
  issuer: string,
  email: string,
): Promise<string | undefined> {
  const existing = await findUserIdByEmail(db, email);
  if (existing) return existing;
  const account = await findLocalAccountByEmail(db, email);
  if (!account) return undefined;
  const { rows } = await db.query<{ id: string }>(
    `INSERT INTO users (issuer, subject, email, name) VALUES ($1, $2, $3, $4)
     ON CONFLICT (issuer, subject) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
    [issuer, account.id, account.email, account.name],
  );
  return rows[0]?.id;
}
