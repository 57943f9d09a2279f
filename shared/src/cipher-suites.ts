/**
 * Classifies TLS cipher suites by their OpenSSL name into the properties grading needs.
 *
 * Derived from the name rather than a table of ~300 IANA codes because OpenSSL names encode the
 * key exchange, the cipher and the mode consistently, and the agent only ever sees OpenSSL names.
 */
import type { CipherSuite, KeyExchangeInfo } from './snapshot.ts';

type SuiteProperties = Omit<CipherSuite, 'kx'>;

const TLS13: Record<string, { bits: number; encryption: string }> = {
  TLS_AES_128_GCM_SHA256: { bits: 128, encryption: 'AES-128-GCM' },
  TLS_AES_256_GCM_SHA384: { bits: 256, encryption: 'AES-256-GCM' },
  TLS_CHACHA20_POLY1305_SHA256: { bits: 256, encryption: 'CHACHA20-POLY1305' },
  TLS_AES_128_CCM_SHA256: { bits: 128, encryption: 'AES-128-CCM' },
  TLS_AES_128_CCM_8_SHA256: { bits: 128, encryption: 'AES-128-CCM8' },
};

/** Prefixes in the order they must be tried (longest first where one is a prefix of another). */
const KX_PREFIXES: { prefix: string; kx: SuiteProperties['key_exchange']; anonymous: boolean }[] = [
  { prefix: 'ECDHE-', kx: 'ECDHE', anonymous: false },
  { prefix: 'AECDH-', kx: 'ECDHE', anonymous: true },
  { prefix: 'ECDH-', kx: 'ECDH', anonymous: false },
  { prefix: 'DHE-', kx: 'DHE', anonymous: false },
  { prefix: 'EDH-', kx: 'DHE', anonymous: false },
  { prefix: 'ADH-', kx: 'DHE', anonymous: true },
  { prefix: 'DH-', kx: 'DH', anonymous: false },
  { prefix: 'RSA-PSK-', kx: 'PSK', anonymous: false },
  { prefix: 'PSK-', kx: 'PSK', anonymous: false },
  { prefix: 'SRP-', kx: 'SRP', anonymous: false },
];

function encryptionOf(rest: string): { encryption: string; bits: number } {
  const has = (s: string) => rest.includes(s);
  if (has('NULL')) return { encryption: 'NULL', bits: 0 };
  if (has('CHACHA20')) return { encryption: 'CHACHA20-POLY1305', bits: 256 };
  if (has('DES-CBC3') || has('3DES')) return { encryption: '3DES-CBC', bits: 112 };
  if (has('DES-CBC') || has('DES40')) return { encryption: 'DES-CBC', bits: 56 };
  if (has('RC4')) return { encryption: 'RC4', bits: 128 };
  if (has('RC2')) return { encryption: 'RC2', bits: 40 };
  const sized = /(AES|CAMELLIA|ARIA)-?(128|256)/.exec(rest);
  if (sized?.[1] && sized[2]) {
    const mode = has('GCM') ? '-GCM' : has('CCM') ? '-CCM' : '-CBC';
    return { encryption: `${sized[1]}-${sized[2]}${mode}`, bits: Number(sized[2]) };
  }
  if (has('SEED')) return { encryption: 'SEED-CBC', bits: 128 };
  if (has('IDEA')) return { encryption: 'IDEA-CBC', bits: 128 };
  return { encryption: 'unknown', bits: 0 };
}

/**
 * Properties of a suite from its OpenSSL name (case-insensitive). Unknown names classify as
 * key_exchange 'unknown' with 0 bits, which grades as weak: a scanner must not flatter what it
 * does not understand.
 */
export function classifyCipherSuite(openSslName: string): SuiteProperties {
  const name = openSslName.toUpperCase();
  const tls13 = TLS13[name];
  if (tls13) {
    return {
      name,
      bits: tls13.bits,
      key_exchange: 'TLS13',
      anonymous: false,
      forward_secrecy: true,
      aead: true,
      export: false,
      encryption: tls13.encryption,
    };
  }
  const isExport = name.startsWith('EXP-') || name.includes('-EXP-') || name.includes('EXPORT');
  const body = name.replace(/^EXP1024-|^EXP-/, '');
  const match = KX_PREFIXES.find((p) => body.startsWith(p.prefix));
  const keyExchange = match?.kx ?? 'RSA';
  const { encryption, bits } = encryptionOf(body);
  return {
    name,
    // Export suites cut the key to 40 bits (56 for the EXP1024 family).
    bits: isExport ? Math.min(bits, name.startsWith('EXP1024') ? 56 : 40) : bits,
    key_exchange: encryption === 'unknown' ? 'unknown' : keyExchange,
    anonymous: match?.anonymous ?? false,
    forward_secrecy: keyExchange === 'ECDHE' || keyExchange === 'DHE',
    aead: /GCM|CCM|CHACHA20|POLY1305/.test(body),
    export: isExport,
    encryption,
  };
}

/** A full CipherSuite record from a name plus the ephemeral key observed with it. */
export function cipherSuite(openSslName: string, kx: KeyExchangeInfo | null): CipherSuite {
  return { ...classifyCipherSuite(openSslName), kx };
}

/**
 * RSA-equivalent strength of a key or group, as SSL Labs compares them (NIST SP 800-57 levels):
 * a 256-bit curve counts as 3072-bit RSA. Finite-field DH and RSA/DSA count their own size.
 */
export function rsaEquivalentBits(kind: 'RSA' | 'DH' | 'EC', bits: number, group?: string | null): number {
  if (kind !== 'EC') return bits;
  const g = group?.toUpperCase() ?? '';
  if (g === 'X25519' || g === 'ED25519') return 3072;
  if (g === 'X448' || g === 'ED448') return 7680;
  if (bits >= 500) return 15360;
  if (bits >= 380) return 7680;
  if (bits >= 250) return 3072;
  if (bits >= 220) return 2048;
  if (bits >= 160) return 1024;
  return 512;
}
