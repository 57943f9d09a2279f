import { isIPv4, isIPv6 } from 'node:net';

/**
 * IP addresses and CIDR blocks as numbers, for the outbound policy. Addresses are compared as
 * 32- or 128-bit integers, so "is this address in that block" is one mask and one comparison,
 * whatever textual form (mapped, compressed, zone id) the address came in.
 */

/** An address: family and its bits as an integer. */
export type IpAddress = { family: 4 | 6; value: bigint };

/** A block of addresses: the network's bits (host bits zeroed) and the prefix length. */
export type Cidr = { family: 4 | 6; network: bigint; prefix: number; text: string };

const BITS = { 4: 32, 6: 128 } as const;

/** `[::1]` → `::1`, `fe80::1%eth0` → `fe80::1`: the forms URLs and resolvers hand over. */
export function bareHost(host: string): string {
  const unbracketed = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const zone = unbracketed.indexOf('%');
  return zone === -1 ? unbracketed : unbracketed.slice(0, zone);
}

/** Parses a literal IPv4 or IPv6 address; undefined for anything else (a host name). */
export function parseIp(text: string): IpAddress | undefined {
  const host = bareHost(text.trim());
  if (isIPv4(host)) {
    return {
      family: 4,
      value: host.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n),
    };
  }
  if (!isIPv6(host)) return undefined;
  // A dotted IPv4 tail (::ffff:1.2.3.4) stands for the last two groups: rewrite it in hex.
  const lastColon = host.lastIndexOf(':');
  const tail = host.slice(lastColon + 1);
  let hex = host;
  if (tail.includes('.')) {
    const v4 = parseIp(tail);
    if (!v4) return undefined;
    hex = `${host.slice(0, lastColon + 1)}${(v4.value >> 16n).toString(16)}:${(v4.value & 0xffffn).toString(16)}`;
  }
  const groups = expandGroups(hex, 8);
  if (!groups) return undefined;
  return { family: 6, value: groups.reduce((acc, g) => (acc << 16n) | g, 0n) };
}

/** `a:b::c` → the given number of 16-bit groups, filling `::` with zeros. */
function expandGroups(text: string, count: number): bigint[] | undefined {
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => BigInt(`0x${g}`)));
  const gap = text.indexOf('::');
  if (gap === -1) {
    const groups = parse(text);
    return groups.length === count ? groups : undefined;
  }
  const left = parse(text.slice(0, gap));
  const right = parse(text.slice(gap + 2));
  const zeros = count - left.length - right.length;
  if (zeros < 0) return undefined;
  return [...left, ...Array<bigint>(zeros).fill(0n), ...right];
}

const mask = (family: 4 | 6, prefix: number): bigint => {
  const bits = BigInt(BITS[family]);
  return ((1n << bits) - 1n) ^ ((1n << (bits - BigInt(prefix))) - 1n);
};

/**
 * Parses `10.0.0.0/8`, `fd00::/8` or a bare address (a block of one). Host bits are cleared, so
 * `10.1.2.3/8` means `10.0.0.0/8`. Undefined when the text is not a CIDR block.
 */
export function parseCidr(text: string): Cidr | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const ip = parseIp(slash === -1 ? trimmed : trimmed.slice(0, slash));
  if (!ip) return undefined;
  const prefixText = slash === -1 ? String(BITS[ip.family]) : trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > BITS[ip.family]) return undefined;
  return { family: ip.family, network: ip.value & mask(ip.family, prefix), prefix, text: trimmed };
}

/** Whether the block holds the address (families must match: normalise mapped addresses first). */
export function cidrContains(cidr: Cidr, ip: IpAddress): boolean {
  return cidr.family === ip.family && (ip.value & mask(cidr.family, cidr.prefix)) === cidr.network;
}

/** Whether every address of `inner` lies in `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return (
    inner.family === outer.family &&
    inner.prefix >= outer.prefix &&
    cidrContains(outer, { family: inner.family, value: inner.network })
  );
}

/** Parses a CIDR literal known to be valid (the policy's own tables). */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed) throw new Error(`not a CIDR block: ${text}`);
  return parsed;
}
