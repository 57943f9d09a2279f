import { PassThrough } from 'node:stream';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUserCommand, userAdd } from '../../src/cli/users.ts';
import { isIdentityError } from '../../src/identity/errors.ts';
import {
  createLocalAccount,
  disableLocalAccount,
  findLocalAccountByEmail,
  findLocalAccountById,
  listLocalAccounts,
  setLocalAccountPassword,
  verifyLocalCredentials,
} from '../../src/identity/local-accounts.ts';
import { hashPassword, needsRehash, OWASP_ARGON2ID, verifyPassword } from '../../src/identity/passwords.ts';
import { createMigratedDatabase } from '@vigilo/tests/support/database';

let db: Awaited<ReturnType<typeof createMigratedDatabase>>;
let pool: pg.Pool;
beforeAll(async () => {
  db = await createMigratedDatabase('accounts');
  pool = db.pool;
});
afterAll(async () => {
  await db?.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isIdentityError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('passwords', () => {
  it('hashes with argon2id at the OWASP parameters and verifies', async () => {
    const hash = await hashPassword('a long enough password');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'a long enough password')).toBe(true);
    expect(await verifyPassword(hash, 'a long enough passworD')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
    expect(needsRehash(hash)).toBe(false);
  });

  it('flags weaker or foreign hashes for rehashing', async () => {
    const weak = await hashPassword('a long enough password', {
      memoryCost: 8192,
      timeCost: 1,
      parallelism: 1,
    });
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(weak, { memoryCost: 8192, timeCost: 1, parallelism: 1 })).toBe(false);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });
});

describe('local accounts on the real database', () => {
  it('creates, finds by email in any case, and lists without hashes', async () => {
    const created = await createLocalAccount(pool, {
      email: ' Ada@Example.TEST ',
      name: ' Ada ',
      password: 'correct horse battery',
    });
    expect(created).toMatchObject({ email: 'Ada@Example.TEST', name: 'Ada', disabledAt: null });
    expect((await findLocalAccountByEmail(pool, 'ada@example.test'))?.id).toBe(created.id);
    expect((await findLocalAccountById(pool, created.id))?.email).toBe('Ada@Example.TEST');
    expect(await findLocalAccountById(pool, 'not-a-uuid')).toBeUndefined();
    const listed = await listLocalAccounts(pool);
    expect(listed.map((a) => a.email)).toContain('Ada@Example.TEST');
    expect(JSON.stringify(listed)).not.toMatch(/argon2/);
    const { rows } = await pool.query<{ password_hash: string }>(
      'SELECT password_hash FROM local_accounts WHERE id = $1',
      [created.id],
    );
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a duplicate email whatever its letter case', async () => {
    expect(
      await codeOf(
        createLocalAccount(pool, {
          email: 'ADA@example.test',
          name: 'Other',
          password: 'correct horse battery',
        }),
      ),
    ).toBe('ACCOUNT_EXISTS');
  });

  it('names each invalid field', async () => {
    const err = await createLocalAccount(pool, { email: 'nope', name: '', password: 'short' }).catch(
      (e: unknown) => e,
    );
    expect(isIdentityError(err, 'INPUT_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/email must be an email address/);
    expect((err as Error).message).toMatch(/name must not be empty/);
    expect((err as Error).message).toMatch(/password must be at least 12 characters/);
  });

  it('verifies credentials; unknown email and wrong password fail the same way', async () => {
    await createLocalAccount(pool, {
      email: 'grace@example.test',
      name: 'Grace',
      password: 'grace password 1',
    });
    expect(
      (await verifyLocalCredentials(pool, { email: 'GRACE@example.test', password: 'grace password 1' }))
        .name,
    ).toBe('Grace');
    const wrong = await verifyLocalCredentials(pool, {
      email: 'grace@example.test',
      password: 'grace password 2',
    }).catch((e: unknown) => e);
    const unknown = await verifyLocalCredentials(pool, {
      email: 'who@example.test',
      password: 'grace password 1',
    }).catch((e: unknown) => e);
    expect(isIdentityError(wrong, 'INVALID_CREDENTIALS')).toBe(true);
    expect(isIdentityError(unknown, 'INVALID_CREDENTIALS')).toBe(true);
    expect((wrong as Error).message).toBe((unknown as Error).message);
  });

  it('says an account is disabled only when the password was right', async () => {
    const acct = await createLocalAccount(pool, {
      email: 'off@example.test',
      name: 'Off',
      password: 'off password 12',
    });
    expect(await disableLocalAccount(pool, acct.id)).toBe(true);
    expect(
      await codeOf(verifyLocalCredentials(pool, { email: 'off@example.test', password: 'wrong password 1' })),
    ).toBe('INVALID_CREDENTIALS');
    expect(
      await codeOf(verifyLocalCredentials(pool, { email: 'off@example.test', password: 'off password 12' })),
    ).toBe('ACCOUNT_DISABLED');
  });

  it('upgrades a weak hash on successful sign-in, and changes passwords', async () => {
    const weak = { memoryCost: 8192, timeCost: 1, parallelism: 1 };
    const acct = await createLocalAccount(
      pool,
      { email: 'old@example.test', name: 'Old', password: 'old password 12' },
      weak,
    );
    await verifyLocalCredentials(
      pool,
      { email: 'old@example.test', password: 'old password 12' },
      OWASP_ARGON2ID,
    );
    const { rows } = await pool.query<{ password_hash: string }>(
      'SELECT password_hash FROM local_accounts WHERE id = $1',
      [acct.id],
    );
    expect(needsRehash(rows[0]!.password_hash)).toBe(false);
    expect(await verifyPassword(rows[0]!.password_hash, 'old password 12')).toBe(true);

    expect(await setLocalAccountPassword(pool, acct.id, 'new password 123')).toBe(true);
    expect(
      await codeOf(verifyLocalCredentials(pool, { email: 'old@example.test', password: 'old password 12' })),
    ).toBe('INVALID_CREDENTIALS');
    expect(await codeOf(setLocalAccountPassword(pool, acct.id, 'short'))).toBe('INPUT_INVALID');
  });

  it('enforces the schema even for writes that bypass the module', async () => {
    await expect(
      pool.query("INSERT INTO local_accounts (email, name, password_hash) VALUES ('x', 'X', '$argon2id$')"),
    ).rejects.toThrow(/check constraint/);
    await expect(
      pool.query(
        "INSERT INTO local_accounts (email, name, password_hash) VALUES ('p@example.test', 'P', 'plaintext')",
      ),
    ).rejects.toThrow(/check constraint/);
  });
});

describe('vigilo user add / list', () => {
  const io = (input = '') => {
    const lines: string[] = [];
    const stdin = new PassThrough();
    stdin.end(input);
    return { lines, io: { stdin, print: (l: string) => lines.push(l) } };
  };

  it('adds a user with a password from stdin, never printing it', async () => {
    const { lines, io: cli } = io('stdin password 1\nignored second line\n');
    expect(
      await runUserCommand(
        pool,
        ['add', '--email', 'cli@example.test', '--name', 'Cli User', '--password-stdin'],
        cli,
      ),
    ).toBe(0);
    expect(lines.join('\n')).toMatch(/Created cli@example.test \(Cli User\)/);
    expect(lines.join('\n')).not.toMatch(/stdin password/);
    expect(
      (await verifyLocalCredentials(pool, { email: 'cli@example.test', password: 'stdin password 1' })).name,
    ).toBe('Cli User');
  });

  it('generates and shows a password once when none is given', async () => {
    const { lines, io: cli } = io();
    await userAdd(pool, ['--email', 'gen@example.test', '--name', 'Gen'], cli);
    const shown = /Password \(shown once, store it now\): (\S+)/.exec(lines.join('\n'))?.[1];
    expect(shown).toHaveLength(24);
    expect((await verifyLocalCredentials(pool, { email: 'gen@example.test', password: shown! })).name).toBe(
      'Gen',
    );
  });

  it('refuses bad input with a usage hint, and duplicates', async () => {
    expect(await codeOf(runUserCommand(pool, ['add', '--email', 'x@example.test'], io().io))).toBe(
      'INPUT_INVALID',
    );
    expect(await codeOf(runUserCommand(pool, ['add', '--bogus'], io().io))).toBe('INPUT_INVALID');
    expect(
      await codeOf(
        runUserCommand(
          pool,
          ['add', '--email', 'short@example.test', '--name', 'S', '--password-stdin'],
          io('short\n').io,
        ),
      ),
    ).toBe('INPUT_INVALID');
    expect(
      await codeOf(runUserCommand(pool, ['add', '--email', 'CLI@example.test', '--name', 'Dup'], io().io)),
    ).toBe('ACCOUNT_EXISTS');
    expect(await runUserCommand(pool, ['frobnicate'], io().io)).toBe(2);
  });

  it('lists accounts with their status', async () => {
    const { lines, io: cli } = io();
    expect(await runUserCommand(pool, ['list'], cli)).toBe(0);
    expect(lines[0]).toMatch(/^EMAIL\s+CREATED\s+STATUS\s+NAME$/);
    expect(lines.find((l) => l.startsWith('off@example.test'))).toMatch(/disabled\s+Off$/);
    expect(lines.find((l) => l.startsWith('cli@example.test'))).toMatch(/active\s+Cli User$/);
  });
});
