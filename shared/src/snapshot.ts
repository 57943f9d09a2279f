/**
 * The snapshot wire format: one immutable record per scan of one endpoint, produced by the agent,
 * pushed to the server, replicated to the desktop (DESIGN.md §4 "Snapshot").
 *
 * Field names are snake_case because this is a wire format stored as JSON. Every field is always
 * present (null when unknown or not applicable) so consumers never guess between "absent" and
 * "missing". `schema_version` lets the server accept older agents while the format grows.
 */
import { z } from 'zod';
import { text } from './safe-input.ts';

/** Bumped on any change a v1 reader could misread; additive optional fields do not bump it. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

/**
 * A UTC instant as ISO 8601 (`…Z`), in the years 0001–9999. The format allows year 0000, which
 * neither Postgres nor the calendar has: refused here rather than as a database error. How far
 * from *now* a time may be is the receiver's business (it has the clock); this rule is pure.
 */
export const Timestamp = z.iso
  .datetime()
  .refine((s) => !s.startsWith('0000-'), { message: 'must be a time in the years 0001 to 9999' });

/** The service spoken on the port. tls = implicit TLS with no application dialogue. */
export const ServiceProtocol = z.enum(['tls', 'https', 'smtp', 'imap', 'pop3', 'ldap']);
export type ServiceProtocol = z.infer<typeof ServiceProtocol>;

/** Protocol versions, in the names OpenSSL and Node use. SSLv2/v3 cannot be probed on OpenSSL 3. */
export const TlsVersion = z.enum(['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']);
export type TlsVersion = z.infer<typeof TlsVersion>;
export const TLS_VERSIONS = TlsVersion.options;

/** Which step of a scan a failure or a timing belongs to. */
export const ScanPhase = z.enum(['dns', 'tcp', 'starttls', 'tls', 'http']);
export type ScanPhase = z.infer<typeof ScanPhase>;

/**
 * Why an endpoint could not be scanned. A closed list so alert rules and the UI can switch on it;
 * the original error text is kept beside it in `detail`.
 */
export const UnreachableReason = z.enum([
  'dns_not_found', // NXDOMAIN / no address
  'dns_error', // resolver failure other than "no such name"
  'dns_timeout',
  'tcp_refused', // RST to SYN: nothing listens
  'tcp_unreachable', // no route, host down
  'tcp_timeout', // SYN unanswered
  'connection_reset', // peer reset or closed an established connection mid-scan
  'starttls_unsupported', // the service does not offer STARTTLS or refused it
  'starttls_protocol_error', // the dialogue did not look like the expected protocol
  'starttls_timeout',
  'not_tls', // the peer answered with something that is not TLS (e.g. plain HTTP)
  'tls_alert', // the peer refused the handshake with a TLS alert (named in detail)
  'tls_timeout', // connected, but no complete handshake in time (a service that never answers)
  'tls_error', // any other handshake failure (OpenSSL reason in detail)
]);
export type UnreachableReason = z.infer<typeof UnreachableReason>;

export const Reachability = z.object({
  state: z.enum(['reachable', 'unreachable']),
  /** null exactly when state is reachable. */
  reason: UnreachableReason.nullable(),
  phase: ScanPhase.nullable(),
  /** The original error: message, OpenSSL reason or TLS alert, errno code. Never a paraphrase. */
  detail: text().nullable(),
  error_code: text().nullable(),
});
export type Reachability = z.infer<typeof Reachability>;

/** Milliseconds spent per phase of the main connection; null for phases not reached or not used. */
export const Latency = z.object({
  dns_ms: z.number().nonnegative().nullable(),
  tcp_ms: z.number().nonnegative().nullable(),
  starttls_ms: z.number().nonnegative().nullable(),
  tls_ms: z.number().nonnegative().nullable(),
  http_ms: z.number().nonnegative().nullable(),
  /** Whole scan including protocol and cipher probing. */
  total_ms: z.number().nonnegative(),
});
export type Latency = z.infer<typeof Latency>;

export const KeyInfo = z.object({
  algorithm: z.enum(['RSA', 'RSA-PSS', 'EC', 'DSA', 'Ed25519', 'Ed448', 'unknown']),
  /** RSA/DSA modulus bits, or the curve's field size for EC and EdDSA. */
  bits: z.number().int().nonnegative().nullable(),
  curve: text().nullable(),
});
export type KeyInfo = z.infer<typeof KeyInfo>;

export const SignatureInfo = z.object({
  /** e.g. sha256WithRSAEncryption, ecdsa-with-SHA384, Ed25519, or the dotted OID when unknown. */
  algorithm: text(),
  oid: text(),
  hash: z.enum(['MD2', 'MD5', 'SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512', 'intrinsic', 'unknown']),
});
export type SignatureInfo = z.infer<typeof SignatureInfo>;

/** One certificate as the server sent it. */
export const CertificateInfo = z.object({
  subject: text(),
  subject_cn: text().nullable(),
  issuer: text(),
  issuer_cn: text().nullable(),
  /** subjectAltName entries, each prefixed by its type: "DNS:example.com", "IP Address:10.0.0.1". */
  sans: z.array(text()),
  serial: text(),
  not_before: Timestamp,
  not_after: Timestamp,
  fingerprint_sha256: z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/),
  fingerprint_sha1: z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){19}$/),
  key: KeyInfo,
  signature: SignatureInfo,
  is_ca: z.boolean(),
  self_signed: z.boolean(),
});
export type CertificateInfo = z.infer<typeof CertificateInfo>;

/** Why a chain is not trusted. Ordered by how a person should fix it, not by severity. */
export const ChainProblem = z.enum([
  'no_certificate',
  'expired', // a certificate on the path is past not_after
  'not_yet_valid',
  'self_signed', // the leaf signs itself and is not a trust anchor
  'untrusted_root', // the path ends at a self-signed root that is not in the trust store
  'unknown_issuer', // the issuer of the top certificate is neither sent nor known
  'incomplete_chain', // an intermediate was not sent; the path only completes from local knowledge
  'bad_signature', // a signature on the path does not verify
  'weak_signature', // MD5 or SHA-1 signature on a non-root certificate
  'not_ca', // an issuing certificate lacks basicConstraints CA:TRUE
  'revoked', // stapled OCSP says revoked
]);
export type ChainProblem = z.infer<typeof ChainProblem>;

export const ChainValidation = z.object({
  trusted: z.boolean(),
  /** The first problem found (null when trusted). */
  reason: ChainProblem.nullable(),
  /** Every problem found; reason is problems[0]. */
  problems: z.array(ChainProblem),
  detail: text().nullable(),
  /** SHA-256 fingerprints from leaf to anchor of the path that was built (sent + local). */
  path: z.array(text()),
  /** SHA-256 fingerprint of the trust anchor the path ended at, if any. */
  anchor: text().nullable(),
});
export type ChainValidation = z.infer<typeof ChainValidation>;

export const KeyExchangeInfo = z.object({
  /** ECDH / DH as Node reports the ephemeral key; RSA for static RSA key transport. */
  type: z.enum(['ECDH', 'DH', 'RSA', 'unknown']),
  /** Named group, e.g. X25519, prime256v1; null for finite-field DH. */
  group: text().nullable(),
  bits: z.number().int().nonnegative().nullable(),
});
export type KeyExchangeInfo = z.infer<typeof KeyExchangeInfo>;

/** One cipher suite the server accepted, with the properties grading needs. */
export const CipherSuite = z.object({
  /** OpenSSL name, e.g. ECDHE-RSA-AES128-GCM-SHA256 or TLS_AES_128_GCM_SHA256. */
  name: text(),
  /** Symmetric strength in bits (3DES counts 112, NULL 0). */
  bits: z.number().int().nonnegative(),
  key_exchange: z.enum(['ECDHE', 'DHE', 'RSA', 'ECDH', 'DH', 'PSK', 'SRP', 'TLS13', 'unknown']),
  anonymous: z.boolean(),
  forward_secrecy: z.boolean(),
  aead: z.boolean(),
  export: z.boolean(),
  encryption: text(),
  /** The ephemeral key seen when the server chose this suite; null when not measured. */
  kx: KeyExchangeInfo.nullable(),
});
export type CipherSuite = z.infer<typeof CipherSuite>;

export const ProtocolSupport = z.enum(['accepted', 'rejected', 'not_tested', 'error']);
export type ProtocolSupport = z.infer<typeof ProtocolSupport>;

export const OcspInfo = z.object({
  stapled: z.boolean(),
  status: z.enum(['good', 'revoked', 'unknown']).nullable(),
  produced_at: Timestamp.nullable(),
  this_update: Timestamp.nullable(),
  next_update: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
  /** Set when a staple was present but could not be parsed. */
  error: text().nullable(),
});
export type OcspInfo = z.infer<typeof OcspInfo>;

/** What a handshake without a stapled OCSP response records (the agent never fetches OCSP). */
export const NO_OCSP_STAPLE: Readonly<OcspInfo> = Object.freeze({
  stapled: false,
  status: null,
  produced_at: null,
  this_update: null,
  next_update: null,
  revoked_at: null,
  error: null,
});

export const HstsInfo = z.object({
  present: z.boolean(),
  max_age: z.number().int().nonnegative().nullable(),
  include_subdomains: z.boolean(),
  preload: z.boolean(),
  raw: text().nullable(),
});
export type HstsInfo = z.infer<typeof HstsInfo>;

export const HttpInfo = z.object({
  /** HTTP status of `HEAD /`, null when the request failed (see error). */
  status: z.number().int().nullable(),
  hsts: HstsInfo,
  error: text().nullable(),
});
export type HttpInfo = z.infer<typeof HttpInfo>;

export const TlsInfo = z.object({
  negotiated_protocol: TlsVersion,
  negotiated_cipher: text(),
  negotiated_kx: KeyExchangeInfo.nullable(),
  alpn: text().nullable(),
  /** Certificates as sent, leaf first. */
  chain: z.array(CertificateInfo),
  validation: ChainValidation,
  hostname_match: z.boolean(),
  protocols: z.record(TlsVersion, ProtocolSupport),
  /** Suites accepted per protocol (in the order the server chose them); absent = not enumerated. */
  ciphers: z.partialRecord(TlsVersion, z.array(CipherSuite)),
  /** Whether the full posture (protocols, ciphers) was probed or only the certificate checked. */
  posture_probed: z.boolean(),
  ocsp: OcspInfo,
});
export type TlsInfo = z.infer<typeof TlsInfo>;

export const Grade = z.enum(['A+', 'A', 'A-', 'B', 'C', 'D', 'E', 'F', 'T', 'M']);
export type Grade = z.infer<typeof Grade>;

/** One rule that affected a grade; `rule` is stable (documented in README "Grading"). */
export const GradeReason = z.object({
  rule: text(),
  /** The grade this rule caps at (or sets, for T and M); null for score-only notes. */
  cap: Grade.nullable(),
  message: text(),
});
export type GradeReason = z.infer<typeof GradeReason>;

export const GradeResult = z.object({
  grade: Grade,
  /** What the configuration alone earns, shown beside T and M (equal to grade otherwise). */
  configuration_grade: Grade,
  score: z.object({
    protocol: z.number(),
    key_exchange: z.number(),
    cipher: z.number(),
    total: z.number(),
  }),
  reasons: z.array(GradeReason),
});
export type GradeResult = z.infer<typeof GradeResult>;

export const SnapshotTarget = z.object({
  /** The server's MonitoredHost id when scanned for an assignment; null for ad-hoc scans. */
  host_id: text().nullable(),
  hostname: text().min(1),
  port: z.number().int().min(1).max(65535),
  protocol: ServiceProtocol,
  /** True when TLS was negotiated inside the protocol (STARTTLS / LDAP StartTLS). */
  starttls: z.boolean(),
  /** The IP address actually connected to. */
  address: text().nullable(),
  /** The SNI sent (null for IP literals). */
  sni: text().nullable(),
});
export type SnapshotTarget = z.infer<typeof SnapshotTarget>;

export const Snapshot = z.object({
  schema_version: z.literal(SNAPSHOT_SCHEMA_VERSION),
  /** UUIDv7 generated by the agent at scan time: the server's dedupe key. */
  id: z.uuidv7(),
  target: SnapshotTarget,
  scanned_at: Timestamp,
  agent_version: text().nullable(),
  reachability: Reachability,
  latency: Latency,
  /** null when no handshake completed. */
  tls: TlsInfo.nullable(),
  /** null for non-HTTPS services or when no handshake completed. */
  http: HttpInfo.nullable(),
  /** null when the endpoint was unreachable. */
  grade: GradeResult.nullable(),
});
export type Snapshot = z.infer<typeof Snapshot>;
