/**
 * `vigilo-agent scan TARGET...`: scan now, print a report card (or --json snapshots, one per
 * line, exactly as they would be pushed), exit 1 if any endpoint is below --fail-below.
 */
import { parseArgs } from 'node:util';
import { isBelow } from '@vigilo/shared/grading';
import { Grade, type Snapshot } from '@vigilo/shared/snapshot';
import { loadTrustStore } from '../config/trust-store.ts';
import { mapBounded } from '../scan/pool.ts';
import { createScanner } from '../scan/scanner.ts';
import { parseTarget, TargetError, type ScanTarget } from '../scan/target.ts';
import { AGENT_VERSION } from '../version.ts';
import { positiveInt, progress, readTargetFile, UsageError } from './io.ts';
import { reportCard } from './report.ts';

export const SCAN_USAGE = `Usage: vigilo-agent scan [options] TARGET...
  TARGET is [PROTOCOL://]HOST[:PORT], PROTOCOL one of tls, https, smtp, imap, pop3, ldap
  (without one the port decides: 443/8443 https, 25/587 smtp, 143 imap, 110 pop3, 389 ldap
  use STARTTLS; any other port is implicit TLS).
Options:
  -f, --file FILE        read targets from FILE ("-" for stdin; stdin is read when no TARGET is given and it is not a terminal)
      --json             print each snapshot as one JSON line, as the agent would push it
      --ca FILE          trust this internal CA bundle too (repeatable)
      --no-system-ca     do not load the operating system's CA bundle
      --concurrency N    endpoints scanned at once (default 20)
      --timeout MS       timeout per phase: DNS, TCP, STARTTLS, TLS, HTTP (default 5000)
      --cert-only        check the certificate only; skip protocol and cipher probing
      --fail-below GRADE exit 1 if any endpoint grades below GRADE (A+ A A- B C D E F); T, M and
                         unreachable endpoints count as below any grade
`;

/** Runs the scan command; resolves to the process exit code. */
export async function scanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      file: { type: 'string', short: 'f' },
      json: { type: 'boolean', default: false },
      ca: { type: 'string', multiple: true, default: [] },
      'no-system-ca': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      timeout: { type: 'string' },
      'cert-only': { type: 'boolean', default: false },
      'fail-below': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(SCAN_USAGE);
    return 0;
  }
  const concurrency = positiveInt('concurrency', values.concurrency, 20);
  const timeout = positiveInt('timeout', values.timeout, 5000);
  let failBelow: Grade | null = null;
  if (values['fail-below'] !== undefined) {
    const parsed = Grade.safeParse(values['fail-below'].toUpperCase());
    if (!parsed.success || parsed.data === 'T' || parsed.data === 'M') {
      throw new UsageError(`--fail-below must be one of A+ A A- B C D E F, got "${values['fail-below']}"`);
    }
    failBelow = parsed.data;
  }

  const texts = [...positionals];
  if (values.file !== undefined) texts.push(...(await readTargetFile(values.file)));
  else if (texts.length === 0 && !process.stdin.isTTY) texts.push(...(await readTargetFile('-')));
  if (texts.length === 0) throw new UsageError('no TARGET given');
  const targets: ScanTarget[] = texts.map((t) => {
    try {
      return parseTarget(t);
    } catch (err) {
      if (err instanceof TargetError) throw new UsageError(err.message);
      throw err;
    }
  });

  const scanner = createScanner({
    trust: loadTrustStore(values.ca, !values['no-system-ca']),
    timeouts: { dns: timeout, tcp: timeout, starttls: timeout, tls: timeout, http: timeout },
    posture: !values['cert-only'],
    agentVersion: AGENT_VERSION,
  });
  const bar = progress(targets.length);
  // Report cards come out in input order: finished scans wait for their predecessors.
  const done = new Map<number, Snapshot>();
  let next = 0;
  let failing = 0;
  for await (const { index, input, result } of mapBounded(targets, concurrency, (t) => scanner.scan(t))) {
    bar.tick(`${input.hostname}:${input.port}`);
    done.set(index, result);
    for (let s = done.get(next); s; s = done.get(next)) {
      done.delete(next++);
      if (failBelow && (!s.grade || isBelow(s.grade.grade, failBelow))) failing++;
      bar.done();
      process.stdout.write(values.json ? `${JSON.stringify(s)}\n` : `${reportCard(s)}\n`);
    }
  }
  bar.done();
  if (failBelow && failing > 0) {
    process.stderr.write(`${failing} of ${targets.length} endpoint(s) below ${failBelow}\n`);
    return 1;
  }
  return 0;
}
