/**
 * Certificate facts from raw DER. node:crypto's X509Certificate gives names, validity, key and
 * fingerprints; Node 20 does not expose the signature algorithm, which we read from the DER
 * directly (it sits right after the TBSCertificate) instead of paying for a full ASN.1 parse.
 * Parsed certificates are cached by fingerprint: one intermediate serves thousands of hosts.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { CertificateInfo, KeyInfo, SignatureInfo } from '@vigilo/shared/snapshot';

/** A certificate as the scanner uses it: the wire facts plus the parsed object for verification. */
export interface ParsedCertificate {
  der: Buffer;
  x509: X509Certificate;
  info: CertificateInfo;
}

const SIGNATURES: Record<string, { name: string; hash: SignatureInfo['hash'] }> = {
  '1.2.840.113549.1.1.2': { name: 'md2WithRSAEncryption', hash: 'MD2' },
  '1.2.840.113549.1.1.4': { name: 'md5WithRSAEncryption', hash: 'MD5' },
  '1.2.840.113549.1.1.5': { name: 'sha1WithRSAEncryption', hash: 'SHA-1' },
  '1.2.840.113549.1.1.14': { name: 'sha224WithRSAEncryption', hash: 'SHA-224' },
  '1.2.840.113549.1.1.11': { name: 'sha256WithRSAEncryption', hash: 'SHA-256' },
  '1.2.840.113549.1.1.12': { name: 'sha384WithRSAEncryption', hash: 'SHA-384' },
  '1.2.840.113549.1.1.13': { name: 'sha512WithRSAEncryption', hash: 'SHA-512' },
  '1.2.840.113549.1.1.10': { name: 'RSASSA-PSS', hash: 'unknown' },
  '1.2.840.10045.4.1': { name: 'ecdsa-with-SHA1', hash: 'SHA-1' },
  '1.2.840.10045.4.3.1': { name: 'ecdsa-with-SHA224', hash: 'SHA-224' },
  '1.2.840.10045.4.3.2': { name: 'ecdsa-with-SHA256', hash: 'SHA-256' },
  '1.2.840.10045.4.3.3': { name: 'ecdsa-with-SHA384', hash: 'SHA-384' },
  '1.2.840.10045.4.3.4': { name: 'ecdsa-with-SHA512', hash: 'SHA-512' },
  '1.2.840.10040.4.3': { name: 'dsa-with-SHA1', hash: 'SHA-1' },
  '2.16.840.1.101.3.4.3.2': { name: 'dsa-with-SHA256', hash: 'SHA-256' },
  '1.3.101.112': { name: 'Ed25519', hash: 'intrinsic' },
  '1.3.101.113': { name: 'Ed448', hash: 'intrinsic' },
};

/** Header of the DER element at `at`: where its content starts and how long it is. */
function element(der: Buffer, at: number): { tag: number; start: number; len: number } {
  const tag = der[at] ?? -1;
  const first = der[at + 1] ?? 0;
  if (first < 0x80) return { tag, start: at + 2, len: first };
  const n = first & 0x7f;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (der[at + 2 + i] ?? 0);
  return { tag, start: at + 2 + n, len };
}

function decodeOid(bytes: Buffer): string {
  const parts: number[] = [];
  let value = 0;
  for (const b of bytes) {
    value = value * 128 + (b & 0x7f);
    if (b < 0x80) {
      if (parts.length === 0)
        parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature } */
export function signatureAlgorithmOf(der: Buffer): SignatureInfo {
  try {
    const cert = element(der, 0);
    const tbs = element(der, cert.start);
    const algId = element(der, tbs.start + tbs.len);
    const oid = element(der, algId.start);
    if (oid.tag !== 0x06) throw new Error('no OID');
    const dotted = decodeOid(der.subarray(oid.start, oid.start + oid.len));
    const known = SIGNATURES[dotted];
    return { algorithm: known?.name ?? dotted, oid: dotted, hash: known?.hash ?? 'unknown' };
  } catch {
    // A certificate we cannot walk still gets reported; its signature is just unknown.
    return { algorithm: 'unknown', oid: '', hash: 'unknown' };
  }
}

function keyInfo(x509: X509Certificate): KeyInfo {
  const key = x509.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { algorithm: 'RSA', bits: details.modulusLength ?? null, curve: null };
    case 'rsa-pss':
      return { algorithm: 'RSA-PSS', bits: details.modulusLength ?? null, curve: null };
    case 'dsa':
      return { algorithm: 'DSA', bits: details.modulusLength ?? null, curve: null };
    case 'ec': {
      const curve = details.namedCurve ?? null;
      return { algorithm: 'EC', bits: curveBits(curve), curve };
    }
    case 'ed25519':
      return { algorithm: 'Ed25519', bits: 256, curve: null };
    case 'ed448':
      return { algorithm: 'Ed448', bits: 456, curve: null };
    case 'x25519':
    case 'x448':
    case undefined:
      return { algorithm: 'unknown', bits: null, curve: null };
    default:
      return { algorithm: 'unknown', bits: null, curve: null };
  }
}

function curveBits(curve: string | null): number | null {
  if (!curve) return null;
  const m = /(\d{3})/.exec(curve);
  return m ? Number(m[1]) : null;
}

const cn = (dn: string): string | null => /(?:^|\n)CN=([^\n]*)/.exec(dn)?.[1] ?? null;
const dnLine = (dn: string): string => dn.split('\n').filter(Boolean).join(', ');
const iso = (d: string): string => new Date(d).toISOString();

/** Splits Node's subjectAltName string ("DNS:a, IP Address:1.2.3.4") into entries. */
export function splitSans(san: string | undefined): string[] {
  if (!san) return [];
  return san.split(/, (?=[A-Za-z ]+:)/).map((s) => s.trim());
}

function parse(der: Buffer): ParsedCertificate {
  const x509 = new X509Certificate(der);
  const selfIssued = x509.subject === x509.issuer;
  return {
    der,
    x509,
    info: {
      subject: dnLine(x509.subject),
      subject_cn: cn(x509.subject),
      issuer: dnLine(x509.issuer),
      issuer_cn: cn(x509.issuer),
      sans: splitSans(x509.subjectAltName),
      serial: x509.serialNumber.toUpperCase(),
      not_before: iso(x509.validFrom),
      not_after: iso(x509.validTo),
      fingerprint_sha256: x509.fingerprint256,
      fingerprint_sha1: x509.fingerprint,
      key: keyInfo(x509),
      signature: signatureAlgorithmOf(der),
      is_ca: x509.ca,
      self_signed: selfIssued && safeVerify(x509, x509),
    },
  };
}

/** X509Certificate.verify throws on unsupported keys; a failed check is simply "no". */
export function safeVerify(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Bounded cache: entries are re-inserted on use, so the oldest-used fall out first. */
const cache = new Map<string, ParsedCertificate>();
const CACHE_MAX = 2000;

/** Parses DER (cached by SHA-256 of the bytes). Throws only for bytes that are not a certificate. */
export function parseCertificate(der: Buffer): ParsedCertificate {
  const key = createHash('sha256').update(der).digest('base64');
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = parse(der);
  cache.set(key, parsed);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return parsed;
}
