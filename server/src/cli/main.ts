import pg from 'pg';
import { loadConfig } from '../config/env.ts';
import { runningEmbeddedUrl } from '../embedded/postgres.ts';
import { VigiloError } from '../errors.ts';
import { AUDIT_USAGE, runAuditBundle, runAuditVerify } from './audit.ts';
import { exitWith } from './exit.ts';
import { runTokenCommand, TOKEN_USAGE } from './tokens.ts';
import { runUserCommand, USER_USAGE } from './users.ts';
import { runWorkspaceCommand, WORKSPACE_USAGE } from './workspaces.ts';

/**
 * The `vigilo` command. Expected failures print one plain line (no stack) and exit non-zero;
 * anything else is a bug and prints its stack.
 */
const USAGE = `Usage: vigilo <command>

Commands:
  up          start Vigilo on this machine (embedded Postgres unless DATABASE_URL is set)
  user        add and list local accounts of the built-in sign-in
  workspace   add and list workspaces
  member      add a user to a workspace with a role
  token       mint an API token for a member (printed once)
  audit       verify an audit bundle offline, or write one
  help        show this text

${USER_USAGE}
${WORKSPACE_USAGE}
${TOKEN_USAGE}
${AUDIT_USAGE}`;

const print = (line: string) => process.stdout.write(`${line}\n`);

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'up': {
      // Loaded on demand: the server's modules (oidc-provider among them) are not needed by the
      // admin commands.
      const { up } = await import('./up.ts');
      await up({ env: process.env, cwd: process.cwd(), print });
      return 0;
    }
    case 'user':
    case 'workspace':
    case 'member':
      return withAdminDatabase((pool, issuer) =>
        command === 'user'
          ? runUserCommand(pool, argv.slice(1), { stdin: process.stdin, print })
          : runWorkspaceCommand(pool, issuer, argv, print),
      );
    case 'token':
      return withAdminDatabase((pool) => runTokenCommand(pool, argv.slice(1), print));
    case 'audit':
      // verify reads only the file: it works on a machine without Vigilo's database.
      if (argv[1] === 'verify') return runAuditVerify(argv.slice(2), print);
      if (argv[1] === 'bundle')
        return withAdminDatabase((pool) => runAuditBundle(pool, argv.slice(2), print));
      process.stderr.write(AUDIT_USAGE);
      return 2;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`vigilo: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

/** Admin commands talk to DATABASE_URL, or to the embedded Postgres of a running `vigilo up`. */
async function withAdminDatabase(fn: (pool: pg.Pool, issuer: string) => Promise<number>): Promise<number> {
  const config = loadConfig(process.env, process.cwd());
  const url = config.databaseUrl ?? (await runningEmbeddedUrl(config.home));
  const pool = new pg.Pool({ connectionString: url, max: 2, application_name: 'vigilo-cli' });
  try {
    await pool.query('SELECT 1').catch((err: unknown) => {
      throw new VigiloError(
        'POSTGRES_FAILED',
        config.databaseUrl
          ? `Cannot reach DATABASE_URL (${(err as Error).message}).`
          : `Vigilo is not running in ${config.home}: start it with npm start (the admin commands use its database).`,
        { cause: err },
      );
    });
    return await fn(pool, config.identity.issuer);
  } finally {
    await pool.end();
  }
}

exitWith(main(process.argv.slice(2)));
