import { lookup } from 'node:dns/promises';
import { type AddressClass, classify, effectiveAddress, LOOPBACK_BLOCKS } from './address-class.ts';
import { type Cidr, cidrContains, cidrWithin, parseCidr, parseIp } from './ip.ts';

/**
 * The outbound policy: which addresses the server may connect to when it delivers to a channel
 * (webhook, Slack, Teams, PagerDuty, email). DESIGN.md §8: outbound requests never reach
 * loopback, link-local or metadata addresses, and private ranges only where an operator allows
 * them. An admin configures where channels point; without this, a channel is a way to make the
 * server talk to the services beside it (the database, the cloud's credential endpoint).
 *
 * - link-local, metadata, unspecified, multicast and reserved addresses: always refused, whatever
 *   the allow-list says (so even `0.0.0.0/0` cannot open 169.254.169.254);
 * - loopback: refused unless an allow-list entry lies entirely inside loopback (`127.0.0.1/32`,
 *   `::1/128`) — a deliberate opt-in for a relay on the same machine (and the tests' receivers);
 *   a broad entry such as `0.0.0.0/0` does not open it;
 * - private ranges (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7…): refused unless an
 *   allow-list entry holds the address;
 * - everything else: allowed.
 *
 * The policy is plain data plus the resolver, passed in (config → delivery worker → transports),
 * so tests inject their own allow-list and resolver instead of a test-only branch.
 */

/** One answer of a name lookup. */
export type ResolvedAddress = { address: string; family: 4 | 6 };

/** Resolves a host name to every address (as the system resolver would, /etc/hosts included). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type OutboundPolicy = {
  /** `VIGILO_OUTBOUND_ALLOW`: blocks that may be reached although private (or loopback, narrowly). */
  allow: readonly Cidr[];
  resolve: Resolver;
};

/** The system resolver, every address, in the resolver's order. */
export const systemResolver: Resolver = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

/** Builds a policy; the resolver defaults to the system's. */
export function outboundPolicy(opts: { allow: readonly Cidr[]; resolve?: Resolver }): OutboundPolicy {
  return { allow: opts.allow, resolve: opts.resolve ?? systemResolver };
}

/** The outcome for one address. */
export type AddressDecision = { allowed: true } | { allowed: false; addressClass: AddressClass };

/** Decides one literal address; a string that is not an IP address is refused as unspecified. */
export function decideAddress(policy: OutboundPolicy, address: string): AddressDecision {
  const parsed = parseIp(address);
  if (!parsed) return { allowed: false, addressClass: 'unspecified' };
  const ip = effectiveAddress(parsed);
  const addressClass = classify(ip);
  switch (addressClass) {
    case 'public':
      return { allowed: true };
    case 'private':
      return policy.allow.some((block) => cidrContains(block, ip))
        ? { allowed: true }
        : { allowed: false, addressClass };
    case 'loopback': {
      const narrow = policy.allow.some(
        (block) => cidrContains(block, ip) && LOOPBACK_BLOCKS.some((lo) => cidrWithin(block, lo)),
      );
      return narrow ? { allowed: true } : { allowed: false, addressClass };
    }
    case 'link-local':
    case 'metadata':
    case 'unspecified':
    case 'multicast':
    case 'reserved':
      return { allowed: false, addressClass };
    default: {
      const unknown: never = addressClass;
      throw new Error(`unhandled address class ${String(unknown)}`);
    }
  }
}

/** The words of every refusal; the delivery log and API errors start with them. */
export const OUTBOUND_REFUSED = 'destination refused by outbound policy';

/**
 * A destination the policy refuses. The message names the kind of address, not the address a
 * name resolved to: an admin learns that the destination is internal, not the internal network's
 * layout.
 */
export class OutboundRefusedError extends Error {
  override readonly name = 'OutboundRefusedError';
  readonly code = 'ERR_OUTBOUND_REFUSED';
  constructor(
    readonly host: string,
    readonly addressClass: AddressClass,
  ) {
    super(`${OUTBOUND_REFUSED}: ${host} is ${describeClass(addressClass)}${hint(addressClass)}`);
  }
}

function describeClass(kind: AddressClass): string {
  switch (kind) {
    case 'public':
      return 'a public address';
    case 'private':
      return 'a private address';
    case 'loopback':
      return 'a loopback address';
    case 'link-local':
      return 'a link-local address';
    case 'metadata':
      return 'a cloud metadata address';
    case 'unspecified':
      return 'an unspecified address';
    case 'multicast':
      return 'a multicast address';
    case 'reserved':
      return 'a reserved address';
    default: {
      const unknown: never = kind;
      return String(unknown);
    }
  }
}

function hint(kind: AddressClass): string {
  if (kind === 'private') return ' (an operator can allow it with VIGILO_OUTBOUND_ALLOW)';
  if (kind === 'loopback') return ' (only an allow-list entry inside loopback, e.g. 127.0.0.1/32, opens it)';
  return '';
}

/** Whether an error (or any cause under it) is an outbound refusal. */
export function findOutboundRefusal(err: unknown): OutboundRefusedError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof OutboundRefusedError) return current;
    current = current.cause;
  }
  return undefined;
}

/**
 * Parses `VIGILO_OUTBOUND_ALLOW`: `none`, or comma-separated CIDR blocks. Returns the blocks, or
 * the entries that are not CIDR blocks.
 */
export function parseAllowList(text: string): { ok: true; allow: Cidr[] } | { ok: false; bad: string[] } {
  if (text.trim().toLowerCase() === 'none') return { ok: true, allow: [] };
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const parsed = entries.map((entry) => ({ entry, block: parseCidr(entry) }));
  const bad = parsed.filter((p) => p.block === undefined).map((p) => p.entry);
  if (bad.length > 0 || entries.length === 0) return { ok: false, bad: bad.length > 0 ? bad : [text] };
  return { ok: true, allow: parsed.map((p) => p.block as Cidr) };
}
