/**
 * `vigilo-agent` entry point: dispatches to a command and turns usage errors into exit code 2.
 * Commands write to process.stdout / process.stderr directly; the daemon logs JSON lines instead.
 * Importing this module runs nothing: `run.ts` does, so the same code serves the launcher, the npm
 * bundle and the single-file executable (whose CommonJS entry cannot use top-level await).
 */
import { AgentHomeError } from '../config/agent-home.ts';
import { ServerApiError } from '../push/server-api.ts';
import { SpoolLockedError } from '../spool/lock.ts';
import {
  enrollCommand,
  ENROLL_USAGE,
  runCommand,
  RUN_USAGE,
  statusCommand,
  STATUS_USAGE,
} from './agent-commands.ts';
import { discoverCommand, DISCOVER_USAGE } from './discover.ts';
import { UsageError } from './io.ts';
import { scanCommand, SCAN_USAGE } from './scan.ts';
import { CaFileError } from '../config/trust-store.ts';
import { AGENT_VERSION } from '../version.ts';

const USAGE = `Usage: vigilo-agent <command> [options]
Commands:
  scan TARGET...      scan endpoints now and print a report card per endpoint
  discover CIDR...    find TLS services in an IPv4 range
  enroll              exchange a one-time token for this agent's credential
  run                 the daemon: pull hosts, scan on schedule, spool and push snapshots
  status              what the daemon is doing (exit 3 when it is not running)
  help [COMMAND]      show help
  --version           print the agent's version
Run "vigilo-agent <command> --help" for the options of a command.
`;

const COMMANDS: Record<string, { run: (argv: string[]) => Promise<number>; usage: string }> = {
  scan: { run: scanCommand, usage: SCAN_USAGE },
  discover: { run: discoverCommand, usage: DISCOVER_USAGE },
  enroll: { run: enrollCommand, usage: ENROLL_USAGE },
  run: { run: runCommand, usage: RUN_USAGE },
  status: { run: statusCommand, usage: STATUS_USAGE },
};

/** Runs the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    process.stdout.write(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const topic = rest[0] ? COMMANDS[rest[0]] : undefined;
    process.stdout.write(topic?.usage ?? USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`vigilo-agent: unknown command "${name}"\n${USAGE}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // parseArgs reports unknown or malformed options with these codes.
    const code = (err as { code?: unknown }).code;
    if (
      err instanceof UsageError ||
      err instanceof CaFileError ||
      (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))
    ) {
      process.stderr.write(`vigilo-agent ${name}: ${(err as Error).message}\n${command.usage}`);
      return 2;
    }
    // Expected operational failures: one clear line, exit 1, no stack trace.
    if (err instanceof ServerApiError || err instanceof AgentHomeError || err instanceof SpoolLockedError) {
      process.stderr.write(`vigilo-agent ${name}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
