/**
 * Targets: `[PROTOCOL://]HOST[:PORT]`. Without a protocol the port decides; an unknown port means
 * implicit TLS. An explicit mail/directory protocol on its implicit-TLS port (smtp on 465, imap on
 * 993, pop3 on 995, ldap on 636) means implicit TLS; on any other port it means STARTTLS.
 */
import { isIP } from 'node:net';
import { ServiceProtocol } from '@vigilo/shared/snapshot';

export interface ScanTarget {
  hostname: string;
  port: number;
  protocol: ServiceProtocol;
  starttls: boolean;
  /** The server's host id for assigned scans. */
  hostId: string | null;
}

const DEFAULT_PORT: Record<ServiceProtocol, number> = {
  tls: 443,
  https: 443,
  smtp: 25,
  imap: 143,
  pop3: 110,
  ldap: 389,
};
const BY_PORT: Record<number, { protocol: ServiceProtocol; starttls: boolean }> = {
  443: { protocol: 'https', starttls: false },
  8443: { protocol: 'https', starttls: false },
  25: { protocol: 'smtp', starttls: true },
  587: { protocol: 'smtp', starttls: true },
  465: { protocol: 'smtp', starttls: false },
  143: { protocol: 'imap', starttls: true },
  993: { protocol: 'imap', starttls: false },
  110: { protocol: 'pop3', starttls: true },
  995: { protocol: 'pop3', starttls: false },
  389: { protocol: 'ldap', starttls: true },
  636: { protocol: 'ldap', starttls: false },
};
const IMPLICIT_PORTS = new Set([465, 993, 995, 636]);

export class TargetError extends Error {
  override readonly name = 'TargetError';
}

/** Resolves protocol and STARTTLS for a host/port pair (protocol null = decide by port). */
export function describeTarget(
  hostname: string,
  port: number,
  protocol: ServiceProtocol | null,
  hostId: string | null = null,
): ScanTarget {
  if (protocol === null) {
    const known = BY_PORT[port] ?? { protocol: 'tls' as const, starttls: false };
    return { hostname, port, ...known, hostId };
  }
  const starttls = ['smtp', 'imap', 'pop3', 'ldap'].includes(protocol) && !IMPLICIT_PORTS.has(port);
  return { hostname, port, protocol, starttls, hostId };
}

/** Parses one target string; throws TargetError naming what is wrong (this is user input). */
export function parseTarget(input: string): ScanTarget {
  const text = input.trim();
  const m = /^(?:([a-z0-9]+):\/\/)?(\[[0-9a-f:.]+\]|[^\s:/[\]]+)(?::(\d+))?\/?$/i.exec(text);
  if (!m) throw new TargetError(`"${input}" is not [PROTOCOL://]HOST[:PORT]`);
  const [, proto, rawHost = '', rawPort] = m;
  let protocol: ServiceProtocol | null = null;
  if (proto) {
    const parsed = ServiceProtocol.safeParse(proto.toLowerCase());
    if (!parsed.success)
      throw new TargetError(
        `"${input}": unknown protocol "${proto}" (use ${ServiceProtocol.options.join(', ')})`,
      );
    protocol = parsed.data;
  }
  const hostname = rawHost.replace(/^\[|\]$/g, '');
  if (rawHost.startsWith('[') && isIP(hostname) !== 6) throw new TargetError(`"${input}": bad IPv6 address`);
  const port = rawPort === undefined ? (protocol ? DEFAULT_PORT[protocol] : 443) : Number(rawPort);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new TargetError(`"${input}": port must be 1-65535`);
  return describeTarget(hostname.toLowerCase(), port, protocol);
}
