import { isVigiloError } from '../errors.ts';
import { isIdentityError } from '../identity/errors.ts';

/**
 * Ends a command with its exit code. Expected failures print one plain line (no stack) and exit
 * non-zero (2 for bad configuration); anything else is a bug and prints its stack.
 */
export function exitWith(run: Promise<number>): void {
  run.then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (isVigiloError(err) || isIdentityError(err)) {
        process.stderr.write(`vigilo: ${err.message}\n`);
        process.exit(isVigiloError(err, 'CONFIG_INVALID') ? 2 : 1);
      }
      process.stderr.write(`vigilo: unexpected failure\n${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
