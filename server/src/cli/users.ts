import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { IdentityError } from '../identity/errors.ts';
import {
  createLocalAccount,
  type LocalAccount,
  listLocalAccounts,
  type Queryable,
} from '../identity/local-accounts.ts';

/**
 * `vigilo user add` and `vigilo user list`: local accounts of the built-in sign-in provider.
 * The caller owns the database connection (embedded or DATABASE_URL, owner role) and wires
 * these into the command dispatcher.
 */
export type UserCliIo = {
  /** Read only with --password-stdin: the first line is the password. */
  stdin: AsyncIterable<string | Buffer>;
  print: (line: string) => void;
};

export const USER_USAGE = `Usage:
  vigilo user add --email EMAIL --name NAME [--password-stdin]
      Creates a local account. Without --password-stdin a strong password is generated and
      printed once; with it, the first line of standard input is the password (12+ characters).
  vigilo user list
      Lists local accounts.`;

/** A generated password: 24 characters of base64url (144 bits), shown exactly once. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

async function readFirstLine(stdin: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    const newline = text.search(/\r?\n/);
    if (newline >= 0) return text.slice(0, newline);
    if (text.length > 4096) break;
  }
  return text;
}

/**
 * `vigilo user add`. Throws IdentityError INPUT_INVALID (bad or missing flags, weak password) or
 * ACCOUNT_EXISTS; the password itself is never printed unless it was generated here.
 */
export async function userAdd(db: Queryable, args: string[], io: UserCliIo): Promise<LocalAccount> {
  let values: { email?: string; name?: string; 'password-stdin'?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new IdentityError('INPUT_INVALID', `${(err as Error).message}\n\n${USER_USAGE}`, { cause: err });
  }
  const missing = (['email', 'name'] as const).filter((k) => !values[k]);
  if (missing.length > 0) {
    throw new IdentityError(
      'INPUT_INVALID',
      `missing ${missing.map((m) => `--${m}`).join(' and ')}\n\n${USER_USAGE}`,
    );
  }
  const generated = values['password-stdin'] ? undefined : generatePassword();
  const password = generated ?? (await readFirstLine(io.stdin));
  const account = await createLocalAccount(db, { email: values.email!, name: values.name!, password });
  io.print(`Created ${account.email} (${account.name}), id ${account.id}.`);
  if (generated) io.print(`Password (shown once, store it now): ${generated}`);
  return account;
}

/** `vigilo user list`: one line per account, aligned. */
export async function userList(db: Queryable, args: string[], io: UserCliIo): Promise<LocalAccount[]> {
  if (args.length > 0)
    throw new IdentityError('INPUT_INVALID', `unexpected arguments: ${args.join(' ')}\n\n${USER_USAGE}`);
  const accounts = await listLocalAccounts(db);
  if (accounts.length === 0) {
    io.print('No local accounts. Add one with: vigilo user add --email you@example.com --name "Your Name"');
    return accounts;
  }
  const width = Math.max(5, ...accounts.map((a) => a.email.length));
  io.print(`${'EMAIL'.padEnd(width)}  ${'CREATED'.padEnd(10)}  STATUS    NAME`);
  for (const a of accounts) {
    const status = a.disabledAt ? 'disabled' : 'active';
    io.print(
      `${a.email.padEnd(width)}  ${a.createdAt.toISOString().slice(0, 10)}  ${status.padEnd(8)}  ${a.name}`,
    );
  }
  return accounts;
}

/**
 * Dispatches `vigilo user <sub-command> …`; returns the exit code. Expected failures are thrown
 * as IdentityError for the caller to print as one line (like VigiloError in main.ts).
 */
export async function runUserCommand(db: Queryable, argv: string[], io: UserCliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'add':
      await userAdd(db, rest, io);
      return 0;
    case 'list':
      await userList(db, rest, io);
      return 0;
    case undefined:
    default:
      io.print(USER_USAGE);
      return sub === undefined || sub === 'help' || sub === '--help' ? 0 : 2;
  }
}
