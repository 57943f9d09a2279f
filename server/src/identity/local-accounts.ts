import type pg from 'pg';
import { z } from 'zod';
import { IdentityError } from './errors.ts';
import {
  burnVerificationTime,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  needsRehash,
  OWASP_ARGON2ID,
  type PasswordHashParams,
  verifyPassword,
} from './passwords.ts';

/** Anything that runs a query: a pool, a checked-out client, or a client inside a transaction. */
export type Queryable = Pick<pg.ClientBase, 'query'>;

/** A local account as the rest of the server sees it: never with its password hash. */
export type LocalAccount = {
  id: string;
  email: string;
  name: string;
  createdAt: Date;
  disabledAt: Date | null;
};

/** Minimum length per NIST SP 800-63B's guidance for user-chosen secrets, raised to 12. */
export const MIN_PASSWORD_LENGTH = 12;

export const emailSchema = z
  .string({ error: 'email is required' })
  .trim()
  .min(3, 'email must be an email address')
  .max(320, 'email must be at most 320 characters')
  .pipe(z.email({ error: 'email must be an email address' }));

export const passwordSchema = z
  .string({ error: 'password is required' })
  .min(MIN_PASSWORD_LENGTH, `password must be at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `password must be at most ${MAX_PASSWORD_LENGTH} characters`);

export const newAccountSchema = z.object({
  email: emailSchema,
  name: z
    .string({ error: 'name is required' })
    .trim()
    .min(1, 'name must not be empty')
    .max(200, 'name must be at most 200 characters'),
  password: passwordSchema,
});
export type NewAccount = z.input<typeof newAccountSchema>;

const credentialsSchema = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(MAX_PASSWORD_LENGTH),
});

type AccountRow = {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  disabled_at: Date | null;
};
const COLUMNS = 'id, email, name, created_at, disabled_at';

function toAccount(row: AccountRow): LocalAccount {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  };
}

function invalidInput(error: z.ZodError): IdentityError {
  const lines = error.issues.map((i) => i.message);
  return new IdentityError('INPUT_INVALID', `Invalid account: ${lines.join('; ')}`, { cause: error });
}

/**
 * Creates a local account. Throws IdentityError INPUT_INVALID (naming each bad field) or
 * ACCOUNT_EXISTS when the email is taken, in any letter case.
 */
export async function createLocalAccount(
  db: Queryable,
  input: NewAccount,
  params: PasswordHashParams = OWASP_ARGON2ID,
): Promise<LocalAccount> {
  const parsed = newAccountSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(parsed.error);
  const { email, name, password } = parsed.data;
  const passwordHash = await hashPassword(password, params);
  try {
    const { rows } = await db.query<AccountRow>(
      `INSERT INTO local_accounts (email, name, password_hash) VALUES ($1, $2, $3) RETURNING ${COLUMNS}`,
      [email, name, passwordHash],
    );
    return toAccount(rows[0]!);
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new IdentityError('ACCOUNT_EXISTS', `An account with the email ${email} already exists.`, {
        cause: err,
      });
    }
    throw err;
  }
}

/** Every local account, oldest first. */
export async function listLocalAccounts(db: Queryable): Promise<LocalAccount[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM local_accounts ORDER BY created_at, id`,
  );
  return rows.map(toAccount);
}

/** The account with this email (any letter case), or undefined. */
export async function findLocalAccountByEmail(
  db: Queryable,
  email: string,
): Promise<LocalAccount | undefined> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${COLUMNS} FROM local_accounts WHERE lower(email) = lower($1)`,
    [email.trim()],
  );
  return rows[0] ? toAccount(rows[0]) : undefined;
}

/** The account with this id, or undefined (also for a string that is not a UUID). */
export async function findLocalAccountById(db: Queryable, id: string): Promise<LocalAccount | undefined> {
  if (!z.uuid().safeParse(id).success) return undefined;
  const { rows } = await db.query<AccountRow>(`SELECT ${COLUMNS} FROM local_accounts WHERE id = $1`, [id]);
  return rows[0] ? toAccount(rows[0]) : undefined;
}

/** Marks an account disabled (it can no longer sign in); true if it existed. */
export async function disableLocalAccount(
  db: Queryable,
  id: string,
  at: Date = new Date(),
): Promise<boolean> {
  const res = await db.query(
    'UPDATE local_accounts SET disabled_at = coalesce(disabled_at, $2) WHERE id = $1',
    [id, at],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Replaces an account's password (validated like a new one); true if the account existed. */
export async function setLocalAccountPassword(
  db: Queryable,
  id: string,
  password: string,
  params: PasswordHashParams = OWASP_ARGON2ID,
): Promise<boolean> {
  const parsed = passwordSchema.safeParse(password);
  if (!parsed.success) throw invalidInput(parsed.error);
  const passwordHash = await hashPassword(parsed.data, params);
  const res = await db.query(
    'UPDATE local_accounts SET password_hash = $2, password_changed_at = now() WHERE id = $1',
    [id, passwordHash],
  );
  return (res.rowCount ?? 0) > 0;
}

/**
 * Checks an email and password. Throws IdentityError INVALID_CREDENTIALS for an unknown email or
 * a wrong password alike — same message, same time spent — and ACCOUNT_DISABLED only once the
 * password was right (so it reveals nothing to someone guessing). A hash made with weaker
 * parameters than `params` is upgraded on the way.
 */
export async function verifyLocalCredentials(
  db: Queryable,
  credentials: { email: string; password: string },
  params: PasswordHashParams = OWASP_ARGON2ID,
): Promise<LocalAccount> {
  const parsed = credentialsSchema.safeParse(credentials);
  const invalid = () => new IdentityError('INVALID_CREDENTIALS', 'Incorrect email or password.');
  if (!parsed.success) {
    await burnVerificationTime('');
    throw invalid();
  }
  const { email, password } = parsed.data;
  const { rows } = await db.query<AccountRow & { password_hash: string }>(
    `SELECT ${COLUMNS}, password_hash FROM local_accounts WHERE lower(email) = lower($1)`,
    [email],
  );
  const row = rows[0];
  if (!row) {
    await burnVerificationTime(password);
    throw invalid();
  }
  if (!(await verifyPassword(row.password_hash, password))) throw invalid();
  if (row.disabled_at) throw new IdentityError('ACCOUNT_DISABLED', 'This account is disabled.');
  if (needsRehash(row.password_hash, params)) {
    // Compare-and-set on the old hash: a password changed meanwhile is not overwritten.
    await db.query('UPDATE local_accounts SET password_hash = $3 WHERE id = $1 AND password_hash = $2', [
      row.id,
      row.password_hash,
      await hashPassword(password, params),
    ]);
  }
  return toAccount(row);
}
