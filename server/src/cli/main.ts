import { isVigiloError } from '../errors.ts';
import { up } from './up.ts';

/**
 * The `vigilo` command. Expected failures print one plain line (no stack) and exit non-zero;
 * anything else is a bug and prints its stack.
 */
const USAGE = `Usage: vigilo <command>

Commands:
  up        start Vigilo on this machine (embedded Postgres unless DATABASE_URL is set)
  help      show this text
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  switch (command) {
    case 'up':
      await up({ env: process.env, cwd: process.cwd(), print: (line) => process.stdout.write(`${line}\n`) });
      return 0;
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

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (isVigiloError(err)) {
      process.stderr.write(`vigilo: ${err.message}\n`);
      process.exit(err.code === 'CONFIG_INVALID' ? 2 : 1);
    }
    process.stderr.write(`vigilo: unexpected failure\n${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
