import { type Cidr, cidr, cidrContains, type IpAddress } from './ip.ts';

/**
 * What kind of address a destination is, as far as the outbound policy cares. The tables follow
 * the IANA special-purpose registries (RFC 6890) plus the cloud metadata endpoints that
 * server-side request forgery goes after.
 */

export const ADDRESS_CLASSES = [
  'public',
  /** RFC 1918, CGNAT (100.64/10), unique local IPv6 (fc00::/7) and similar site-internal ranges. */
  'private',
  'loopback',
  'link-local',
  /** Cloud instance metadata and platform endpoints (credentials live there). */
  'metadata',
  'unspecified',
  'multicast',
  /** Reserved for future use, broadcast. */
  'reserved',
] as const;
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

/**
 * Checked before anything else, since some sit inside other ranges (Alibaba's 100.100.100.200
 * is in CGNAT space, AWS's fd00:ec2::254 is unique-local, Azure's 168.63.129.16 looks public).
 */
const METADATA = [
  '169.254.169.254/32', // AWS, GCP, Azure, OpenStack, Oracle, DigitalOcean…
  '169.254.170.2/32', // AWS ECS task metadata
  '100.100.100.200/32', // Alibaba Cloud
  '192.0.0.192/32', // Oracle Cloud (classic)
  '168.63.129.16/32', // Azure WireServer
  'fd00:ec2::254/128', // AWS over IPv6
].map(cidr);

const table = (rows: [string, AddressClass][]): [Cidr, AddressClass][] =>
  rows.map(([block, kind]) => [cidr(block), kind]);

const V4 = table([
  ['0.0.0.0/8', 'unspecified'], // "this network": 0.0.0.0 reaches the local host on Linux
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'],
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'], // includes 255.255.255.255
  ['10.0.0.0/8', 'private'],
  ['172.16.0.0/12', 'private'],
  ['192.168.0.0/16', 'private'],
  ['100.64.0.0/10', 'private'], // carrier-grade NAT, also used inside cloud networks
  ['192.0.0.0/24', 'private'], // IETF protocol assignments
  ['198.18.0.0/15', 'private'], // benchmarking; used by some internal networks and fake-IP DNS
]);

const V6 = table([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['fe80::/10', 'link-local'],
  ['ff00::/8', 'multicast'],
  ['fc00::/7', 'private'],
  ['fec0::/10', 'private'], // deprecated site-local
]);

/** IPv6 forms that carry an IPv4 address, and where its 32 bits sit. */
const EMBEDDING: { block: Cidr; shift: bigint }[] = [
  { block: cidr('::ffff:0:0/96'), shift: 0n }, // IPv4-mapped
  { block: cidr('::/96'), shift: 0n }, // IPv4-compatible (deprecated); :: and ::1 are caught first
  { block: cidr('64:ff9b::/96'), shift: 0n }, // NAT64, well-known prefix
  { block: cidr('64:ff9b:1::/48'), shift: 0n }, // NAT64, local use
  { block: cidr('2002::/16'), shift: 80n }, // 6to4
];

/**
 * The address a connection effectively reaches: an IPv6 address that embeds an IPv4 one
 * (::ffff:127.0.0.1, NAT64, 6to4) stands for that IPv4 address, so it is judged — and matched
 * against the allow-list — as IPv4. `::` and `::1` stay IPv6.
 */
export function effectiveAddress(ip: IpAddress): IpAddress {
  if (ip.family === 4 || ip.value <= 1n) return ip;
  for (const { block, shift } of EMBEDDING) {
    if (cidrContains(block, ip)) return { family: 4, value: (ip.value >> shift) & 0xffff_ffffn };
  }
  return ip;
}

/** The class of an address (give it {@link effectiveAddress} first). */
export function classify(ip: IpAddress): AddressClass {
  if (METADATA.some((block) => cidrContains(block, ip))) return 'metadata';
  for (const [block, kind] of ip.family === 4 ? V4 : V6) {
    if (cidrContains(block, ip)) return kind;
  }
  return 'public';
}

/** The loopback blocks: only an allow-list entry inside one of them opens loopback. */
export const LOOPBACK_BLOCKS: readonly Cidr[] = [cidr('127.0.0.0/8'), cidr('::1/128')];

/** The ranges single-machine mode allows by default, and an operator may allow with a CIDR. */
export const PRIVATE_BLOCKS: readonly Cidr[] = [...V4, ...V6]
  .filter(([, kind]) => kind === 'private')
  .map(([block]) => block);
