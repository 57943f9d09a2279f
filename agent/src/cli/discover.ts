/**
 * `vigilo-agent discover CIDR --ports ...`: find TLS services in an IPv4 range and print them
 * as candidate hosts. Bounded twice: at most --concurrency connections in flight and at most
 * --rate new connections per second, so a sweep never floods a customer network.
 */
import { parseArgs } from 'node:util';
import { loadTrustStore } from '../config/trust-store.ts';
import { mapBounded, rateLimiter } from '../scan/pool.ts';
import { createScanner } from '../scan/scanner.ts';
import { describeTarget } from '../scan/target.ts';
import { AGENT_VERSION } from '../version.ts';
import { positiveInt, progress, UsageError } from './io.ts';

export const DISCOVER_USAGE = `Usage: vigilo-agent discover CIDR... [options]
  CIDR is an IPv4 range such as 10.0.0.0/24 (at most /16), or a single address.
Options:
      --ports LIST       comma-separated ports (default 443,8443,465,993,995,636,587,25)
      --concurrency N    connections in flight (default 50)
      --rate N           new connections per second (default 100)
      --timeout MS       timeout per phase (default 2000)
      --json             one JSON line per service found
`;

const DEFAULT_PORTS = [443, 8443, 465, 993, 995, 636, 587, 25];

/** Expands an IPv4 CIDR; network and broadcast addresses are skipped for prefixes under /31. */
export function expandCidr(cidr: string): string[] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(cidr.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m?.[5] === undefined ? 32 : Number(m[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32) throw new UsageError(`"${cidr}" is not an IPv4 CIDR`);
  if (prefix < 16) throw new UsageError(`"${cidr}" is larger than /16; split the range`);
  const base = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - prefix);
  const start = base - (base % size);
  const first = prefix < 31 ? start + 1 : start;
  const last = prefix < 31 ? start + size - 2 : start + size - 1;
  const out: string[] = [];
  for (let n = first; n <= last; n++)
    out.push([24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.'));
  return out;
}

function parsePorts(text: string | undefined): number[] {
  if (text === undefined) return DEFAULT_PORTS;
  const ports = text.split(',').map((p) => Number(p.trim()));
  if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) {
    throw new UsageError(`--ports must be a comma-separated list of ports 1-65535, got "${text}"`);
  }
  return ports;
}

/** Runs discover; resolves to the exit code (0, or 2 for usage errors thrown as UsageError). */
export async function discoverCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ports: { type: 'string' },
      concurrency: { type: 'string' },
      rate: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(DISCOVER_USAGE);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('no CIDR given');
  const addresses = positionals.flatMap(expandCidr);
  const ports = parsePorts(values.ports);
  const concurrency = positiveInt('concurrency', values.concurrency, 50);
  const rate = positiveInt('rate', values.rate, 100);
  const timeout = positiveInt('timeout', values.timeout, 2000);
  const scanner = createScanner({
    trust: loadTrustStore([]),
    timeouts: { dns: timeout, tcp: timeout, starttls: timeout, tls: timeout, http: timeout },
    posture: false,
    agentVersion: AGENT_VERSION,
  });
  const take = rateLimiter(rate);
  function* candidates() {
    for (const address of addresses) for (const port of ports) yield describeTarget(address, port, null);
  }
  const bar = progress(addresses.length * ports.length);
  let found = 0;
  const work = mapBounded(candidates(), concurrency, async (target) => {
    await take();
    return scanner.scan(target, { posture: false });
  });
  for await (const { input, result } of work) {
    bar.tick(`${input.hostname}:${input.port}`);
    if (result.reachability.state !== 'reachable' || !result.tls) continue;
    found++;
    const leaf = result.tls.chain[0];
    bar.done();
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({
          target: `${input.protocol}://${input.hostname}:${input.port}`,
          hostname: input.hostname,
          port: input.port,
          protocol: input.protocol,
          subject_cn: leaf?.subject_cn ?? null,
          sans: leaf?.sans ?? [],
          not_after: leaf?.not_after ?? null,
          negotiated_protocol: result.tls.negotiated_protocol,
        })}\n`,
      );
    } else {
      const names = leaf
        ? [leaf.subject_cn, ...leaf.sans.filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4))]
        : [];
      const unique = [...new Set(names.filter(Boolean))].join(', ');
      process.stdout.write(
        `${input.protocol}://${input.hostname}:${input.port}\t${result.tls.negotiated_protocol}\t${unique}\n`,
      );
    }
  }
  bar.done();
  process.stderr.write(
    `${found} TLS service(s) found on ${addresses.length} address(es) × ${ports.length} port(s)\n`,
  );
  return 0;
}
