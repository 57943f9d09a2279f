/**
 * `enroll`, `run` and `status`: the agent as a daemon feeding the server.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { agentHome, loadCredentials, loadState, saveCredentials } from '../config/agent-home.ts';
import { loadTrustStore } from '../config/trust-store.ts';
import { runDaemon } from '../daemon/daemon.ts';
import { jsonLineLogger } from '../daemon/log.ts';
import { enroll } from '../push/server-api.ts';
import { createScanner } from '../scan/scanner.ts';
import { spoolBytes } from '../spool/spool.ts';
import { AGENT_VERSION } from '../version.ts';
import { positiveInt, UsageError } from './io.ts';

export const ENROLL_USAGE = `Usage: vigilo-agent enroll --server URL --token TOKEN [--name NAME] [--home DIR]
  Exchanges a one-time enrollment token for this agent's credential, stored in DIR/config.json
  (mode 0600). DIR defaults to $VIGILO_AGENT_HOME or ~/.vigilo-agent.
`;

export const RUN_USAGE = `Usage: vigilo-agent run [--home DIR] [--ca FILE]... [--concurrency N] [--timeout MS] [--spread S]
  Pulls the assigned hosts from the server, scans each on its interval, spools and pushes the
  snapshots. Logs JSON lines to stdout. SIGTERM or Ctrl-C stops it after in-flight scans are spooled.
  --spread S   new hosts start at random within S seconds (default 30) instead of all at once
`;

export const STATUS_USAGE = `Usage: vigilo-agent status [--home DIR] [--json]
  What the daemon is doing: running or not, hosts, spool depth, last push, last error.
`;

export async function enrollCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      token: { type: 'string' },
      name: { type: 'string' },
      home: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(ENROLL_USAGE);
    return 0;
  }
  if (!values.server || !values.token) throw new UsageError('--server and --token are required');
  let serverUrl: URL;
  try {
    serverUrl = new URL(values.server);
  } catch {
    throw new UsageError(`--server "${values.server}" is not a URL`);
  }
  const home = agentHome(values.home);
  const answer = await enroll(serverUrl.toString(), values.token, AGENT_VERSION, values.name);
  await saveCredentials(home, {
    server_url: serverUrl.toString(),
    agent_id: answer.agent_id,
    workspace_id: answer.workspace_id,
    agent_token: answer.agent_token,
    enrolled_at: new Date().toISOString(),
  });
  process.stdout.write(`enrolled as agent ${answer.agent_id}; credentials in ${join(home, 'config.json')}\n`);
  return 0;
}

export async function runCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      ca: { type: 'string', multiple: true, default: [] },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      spread: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const home = agentHome(values.home);
  const creds = await loadCredentials(home);
  const timeout = positiveInt('timeout', values.timeout, 5000);
  const spread = values.spread === '0' ? 0 : positiveInt('spread', values.spread, 30);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await runDaemon({
    home,
    creds,
    scanner: createScanner({
      trust: loadTrustStore(values.ca),
      timeouts: { dns: timeout, tcp: timeout, starttls: timeout, tls: timeout, http: timeout },
      agentVersion: AGENT_VERSION,
    }),
    agentVersion: AGENT_VERSION,
    log: jsonLineLogger(),
    signal: abort.signal,
    concurrency: positiveInt('concurrency', values.concurrency, 50),
    spreadMs: spread * 1000,
  });
  return 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function statusCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      home: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(STATUS_USAGE);
    return 0;
  }
  const home = agentHome(values.home);
  const creds = await loadCredentials(home);
  const state = await loadState(home);
  const running = state !== null && state.state !== 'stopped' && alive(state.pid);
  const bytes = await spoolBytes(join(home, 'spool'));
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ running, agent_id: creds.agent_id, server: creds.server_url, spool_bytes: bytes, state })}\n`,
    );
    return running ? 0 : 3;
  }
  const rows: [string, string][] = [
    ['agent', `${creds.agent_id} → ${creds.server_url}`],
    ['daemon', running ? `running (pid ${state.pid}, since ${state.started_at})` : 'not running'],
  ];
  if (state) {
    rows.push(
      [
        'activity',
        `${state.state}; ${state.hosts} host(s), ${state.scans_in_flight} scan(s) in flight, ${state.scans_done} done`,
      ],
      ['config', state.config_version === null ? 'never pulled' : `version ${state.config_version}`],
      [
        'spool',
        `${state.spool_depth} snapshot(s) waiting, ${bytes} bytes on disk, ${state.losses_pending} dropped and not yet reported`,
      ],
      ['last push', state.last_push_at ?? 'never'],
      ['last error', state.last_error ?? 'none'],
      ['as of', state.updated_at],
    );
  }
  process.stdout.write(rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join('\n') + '\n');
  return running ? 0 : 3;
}
