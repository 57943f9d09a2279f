import { randomBytes } from 'node:crypto';
import { NO_OCSP_STAPLE, Snapshot } from '@vigilo/shared/snapshot';

/** A UUIDv7 for the given time (what agents generate). */
export function uuidv7(at = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(at, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const fp = (seed: string, bytes: number) =>
  Array.from({ length: bytes }, (_, i) =>
    ((seed.charCodeAt(i % seed.length) * (i + 7)) % 256).toString(16).padStart(2, '0').toUpperCase(),
  ).join(':');

/**
 * A snapshot as an agent would push it, valid against the shared schema: a reachable TLS 1.3
 * endpoint whose certificate expires at `notAfter`, or an unreachable one.
 */
export function makeSnapshot(o: {
  hostId: string;
  hostname?: string;
  port?: number;
  scannedAt?: Date;
  notAfter?: Date;
  reachable?: boolean;
  grade?: 'A+' | 'A' | 'B' | 'C' | 'F' | 'T';
  certSeed?: string;
}): Snapshot {
  const at = o.scannedAt ?? new Date();
  const reachable = o.reachable ?? true;
  const seed = o.certSeed ?? `${o.hostname ?? 'h'}-${o.notAfter?.toISOString() ?? ''}`;
  const snapshot = {
    schema_version: 1,
    id: uuidv7(at.getTime()),
    target: {
      host_id: o.hostId,
      hostname: o.hostname ?? 'svc.internal',
      port: o.port ?? 443,
      protocol: 'https',
      starttls: false,
      address: '127.0.0.1',
      sni: o.hostname ?? 'svc.internal',
    },
    scanned_at: at.toISOString(),
    agent_version: 'test',
    reachability: reachable
      ? { state: 'reachable', reason: null, phase: null, detail: null, error_code: null }
      : {
          state: 'unreachable',
          reason: 'tcp_refused',
          phase: 'tcp',
          detail: 'connect ECONNREFUSED',
          error_code: 'ECONNREFUSED',
        },
    latency: {
      dns_ms: 1,
      tcp_ms: reachable ? 1 : null,
      starttls_ms: null,
      tls_ms: reachable ? 12 : null,
      http_ms: null,
      total_ms: 15,
    },
    tls: reachable
      ? {
          negotiated_protocol: 'TLSv1.3',
          negotiated_cipher: 'TLS_AES_256_GCM_SHA384',
          negotiated_kx: { type: 'ECDH', group: 'X25519', bits: 253 },
          alpn: null,
          chain: [
            {
              subject: `CN=${o.hostname ?? 'svc.internal'}`,
              subject_cn: o.hostname ?? 'svc.internal',
              issuer: 'CN=Internal CA',
              issuer_cn: 'Internal CA',
              sans: [o.hostname ?? 'svc.internal'],
              serial: '01AB',
              not_before: new Date(at.getTime() - 86_400_000).toISOString(),
              not_after: (o.notAfter ?? new Date(at.getTime() + 90 * 86_400_000)).toISOString(),
              fingerprint_sha256: fp(seed, 32),
              fingerprint_sha1: fp(seed, 20),
              key: { algorithm: 'EC', bits: 256, curve: 'P-256' },
              signature: { algorithm: 'ecdsa-with-SHA256', oid: '1.2.840.10045.4.3.2', hash: 'SHA-256' },
              is_ca: false,
              self_signed: false,
            },
          ],
          validation: {
            trusted: true,
            reason: null,
            problems: [],
            detail: null,
            path: ['CN=svc', 'CN=Internal CA'],
            anchor: 'CN=Internal CA',
          },
          hostname_match: true,
          protocols: {
            SSLv2: 'not_tested',
            SSLv3: 'not_tested',
            TLSv1: 'rejected',
            'TLSv1.1': 'rejected',
            'TLSv1.2': 'accepted',
            'TLSv1.3': 'accepted',
          },
          ciphers: {},
          posture_probed: true,
          ocsp: { ...NO_OCSP_STAPLE },
        }
      : null,
    http: null,
    grade: reachable
      ? {
          grade: o.grade ?? 'A',
          configuration_grade: o.grade ?? 'A',
          score: { protocol: 100, key_exchange: 90, cipher: 90, total: 93 },
          reasons: [],
        }
      : null,
  };
  return Snapshot.parse(snapshot);
}
