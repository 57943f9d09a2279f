import { describe, expect, it } from 'vitest';
import { cipherSuite } from '../src/cipher-suites.ts';
import { gradeSnapshot, isBelow, HSTS_MIN_MAX_AGE } from '../src/grading.ts';
import {
  type CertificateInfo,
  type ChainProblem,
  type HttpInfo,
  type KeyInfo,
  NO_OCSP_STAPLE,
  type TlsInfo,
  type TlsVersion,
} from '../src/snapshot.ts';

const X25519 = { type: 'ECDH' as const, group: 'X25519', bits: 253 };

function cert(key: Partial<KeyInfo> = {}): CertificateInfo {
  return {
    subject: 'CN=example.com',
    subject_cn: 'example.com',
    issuer: 'CN=Test CA',
    issuer_cn: 'Test CA',
    sans: ['DNS:example.com'],
    serial: '01',
    not_before: '2026-01-01T00:00:00.000Z',
    not_after: '2027-01-01T00:00:00.000Z',
    fingerprint_sha256: Array(32).fill('AA').join(':'),
    fingerprint_sha1: Array(20).fill('AA').join(':'),
    key: { algorithm: 'RSA', bits: 2048, curve: null, ...key },
    signature: { algorithm: 'sha256WithRSAEncryption', oid: '1.2.840.113549.1.1.11', hash: 'SHA-256' },
    is_ca: false,
    self_signed: false,
  };
}

type Suites = Partial<Record<TlsVersion, string[]>>;

/** A modern, well-configured server: grades A+ with HSTS, A without. */
function tls(
  suites: Suites = {
    'TLSv1.3': ['TLS_AES_256_GCM_SHA384', 'TLS_AES_128_GCM_SHA256'],
    'TLSv1.2': ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'],
  },
  over: Partial<TlsInfo> = {},
  kx: (name: string) => TlsInfo['negotiated_kx'] = () => X25519,
): TlsInfo {
  const protocols = {
    SSLv2: 'not_tested',
    SSLv3: 'not_tested',
    TLSv1: 'rejected',
    'TLSv1.1': 'rejected',
    'TLSv1.2': 'rejected',
    'TLSv1.3': 'rejected',
  } as TlsInfo['protocols'];
  const ciphers: TlsInfo['ciphers'] = {};
  for (const [p, names] of Object.entries(suites) as [TlsVersion, string[]][]) {
    protocols[p] = names.length ? 'accepted' : 'rejected';
    ciphers[p] = names.map((n) => cipherSuite(n, kx(n)));
  }
  return {
    negotiated_protocol: 'TLSv1.3',
    negotiated_cipher: 'TLS_AES_256_GCM_SHA384',
    negotiated_kx: X25519,
    alpn: null,
    chain: [cert()],
    validation: { trusted: true, reason: null, problems: [], detail: null, path: [], anchor: null },
    hostname_match: true,
    protocols,
    ciphers,
    posture_probed: true,
    ocsp: { ...NO_OCSP_STAPLE },
    ...over,
  };
}

function hsts(maxAge: number | null): HttpInfo {
  return {
    status: 200,
    error: null,
    hsts: { present: maxAge !== null, max_age: maxAge, include_subdomains: false, preload: false, raw: null },
  };
}

const grade = (t: TlsInfo, http: HttpInfo | null = null) => gradeSnapshot({ tls: t, http })!;
const rules = (t: TlsInfo, http: HttpInfo | null = null) => grade(t, http).reasons.map((r) => r.rule);

describe('overall grade', () => {
  it('gives no grade without a handshake', () => {
    expect(gradeSnapshot({ tls: null, http: null })).toBeNull();
  });

  it('grades a modern server A+ with a long HSTS and A without', () => {
    expect(grade(tls(), hsts(31_536_000)).grade).toBe('A+');
    expect(rules(tls(), hsts(31_536_000))).toContain('hsts.long');
    expect(grade(tls(), null).grade).toBe('A');
    expect(rules(tls(), hsts(null))).toContain('hsts.missing_for_a_plus');
  });

  it('does not blame a missing HSTS header where HTTP was not checked or did not answer', () => {
    expect(rules(tls(), null)).toEqual(expect.arrayContaining(['hsts.unchecked']));
    expect(rules(tls(), null)).not.toContain('hsts.missing_for_a_plus');
    const notes = grade(tls(), null).reasons.map((r) => r.message);
    expect(notes.join(' ')).not.toMatch(/no HSTS header/);
    expect(notes.join(' ')).toMatch(/HTTP is not checked on this endpoint/);
    const failed = grade(tls(), { ...hsts(null), status: null, error: 'ECONNRESET' });
    expect(failed.reasons.map((r) => r.rule)).toContain('hsts.unchecked');
    expect(failed.reasons.map((r) => r.message).join(' ')).toMatch(
      /request that reads it failed \(ECONNRESET\)/,
    );
  });

  it('needs HSTS of at least 180 days for A+', () => {
    expect(grade(tls(), hsts(HSTS_MIN_MAX_AGE)).grade).toBe('A+');
    expect(grade(tls(), hsts(HSTS_MIN_MAX_AGE - 1)).grade).toBe('A');
  });

  it('computes the SSL Labs scores', () => {
    const g = grade(tls());
    // protocol (100+100)/2, key exchange 2048-bit RSA cert -> 90, cipher (256 -> 100 + 128 -> 80)/2
    expect(g.score).toEqual({ protocol: 100, key_exchange: 90, cipher: 90, total: 93 });
  });

  it('uses the letter of a low score when no cap is lower', () => {
    // TLS 1.0 + 1.2 only, DES (56 bits) -> F anyway, but also check score reason is present
    const t = tls({ TLSv1: ['DES-CBC-SHA'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] });
    const g = grade(t);
    expect(g.grade).toBe('F');
    expect(g.reasons.map((r) => r.rule)).toContain('cipher.under_112_bits');
  });
});

describe('certificate checks', () => {
  it('gives M for a hostname mismatch and keeps the configuration grade', () => {
    const g = grade(tls(undefined, { hostname_match: false }), hsts(31_536_000));
    expect(g.grade).toBe('M');
    expect(g.configuration_grade).toBe('A+');
    expect(g.reasons[0]).toMatchObject({ rule: 'cert.hostname_mismatch', cap: 'M' });
  });

  const problems: ChainProblem[] = [
    'expired',
    'not_yet_valid',
    'self_signed',
    'untrusted_root',
    'unknown_issuer',
    'incomplete_chain',
    'revoked',
    'weak_signature',
    'bad_signature',
    'not_ca',
  ];
  it.each(problems)('gives T for %s and keeps the configuration grade', (problem) => {
    const validation = {
      trusted: false,
      reason: problem,
      problems: [problem],
      detail: null,
      path: [],
      anchor: null,
    };
    const g = grade(tls(undefined, { validation }));
    expect(g.grade).toBe('T');
    expect(g.configuration_grade).toBe('A');
    expect(g.reasons.map((r) => r.rule)).toContain(`cert.${problem}`);
  });

  it('lets M win over T when both apply, listing both', () => {
    const validation = {
      trusted: false,
      reason: 'expired' as const,
      problems: ['expired' as const],
      detail: null,
      path: [],
      anchor: null,
    };
    const g = grade(tls(undefined, { validation, hostname_match: false }));
    expect(g.grade).toBe('M');
    expect(g.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(['cert.hostname_mismatch', 'cert.expired']),
    );
  });
});

describe('F caps', () => {
  it('SSL 2.0 accepted', () => {
    const t = tls();
    t.protocols.SSLv2 = 'accepted';
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toContain('protocol.sslv2');
  });
  it('export suites', () => {
    const t = tls({ 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'EXP-RC4-MD5'] });
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toEqual(expect.arrayContaining(['cipher.export', 'cipher.under_112_bits']));
  });
  it('NULL suites count as under 112 bits', () => {
    const t = tls({ 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-NULL-SHA'] });
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toContain('cipher.under_112_bits');
  });
  it('key exchange under 1024 bits (certificate key)', () => {
    const t = tls(undefined, { chain: [cert({ bits: 512 })] });
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toContain('kx.under_1024_bits');
  });
  it('key exchange under 1024 bits (DH group)', () => {
    const t = tls({ 'TLSv1.2': ['DHE-RSA-AES128-GCM-SHA256'] }, {}, () => ({
      type: 'DH',
      group: null,
      bits: 768,
    }));
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toContain('kx.under_1024_bits');
  });
  it('anonymous key exchange', () => {
    const t = tls({ 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'ADH-AES128-GCM-SHA256'] });
    expect(grade(t).grade).toBe('F');
    expect(rules(t)).toContain('kx.anonymous');
  });
});

describe('C caps', () => {
  it('SSL 3.0 accepted', () => {
    const t = tls();
    t.protocols.SSLv3 = 'accepted';
    expect(grade(t).grade).toBe('C');
    expect(rules(t)).toContain('protocol.sslv3');
  });
  it('no TLS 1.2 or 1.3', () => {
    const t = tls({ TLSv1: ['ECDHE-RSA-AES128-SHA'], 'TLSv1.1': ['ECDHE-RSA-AES128-SHA'] });
    expect(grade(t).grade).toBe('C');
    expect(rules(t)).toContain('protocol.no_tls12');
  });
  it('a TLS 1.3-only server is not capped for lacking TLS 1.2', () => {
    const t = tls({ 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] });
    expect(rules(t)).not.toContain('protocol.no_tls12');
  });
  it('RC4 with TLS 1.1 or newer', () => {
    const t = tls({
      'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-RC4-SHA'],
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
    });
    expect(grade(t).grade).toBe('C');
    expect(rules(t)).toContain('cipher.rc4_modern');
  });
  it('3DES with TLS 1.1 or newer', () => {
    const t = tls({
      'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'DES-CBC3-SHA'],
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
    });
    expect(grade(t).grade).toBe('C');
    expect(rules(t)).toContain('cipher.3des_modern');
  });
  it('3DES only under TLS 1.0 is not the C cap (TLS 1.0 itself caps at B)', () => {
    const t = tls({ TLSv1: ['DES-CBC3-SHA'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] });
    expect(rules(t)).not.toContain('cipher.3des_modern');
    expect(grade(t).grade).toBe('B');
  });
});

describe('B caps', () => {
  it('TLS 1.0 offered', () => {
    const t = tls({ TLSv1: ['ECDHE-RSA-AES128-SHA'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] });
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('protocol.tls10');
  });
  it('TLS 1.1 offered', () => {
    const t = tls({ 'TLSv1.1': ['ECDHE-RSA-AES128-SHA'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] });
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('protocol.tls11');
  });
  it('no forward secrecy at all', () => {
    const t = tls({ 'TLSv1.2': ['AES128-GCM-SHA256', 'AES256-GCM-SHA384'] }, {}, () => ({
      type: 'RSA',
      group: null,
      bits: null,
    }));
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('cipher.no_forward_secrecy');
  });
  it('no AEAD suite', () => {
    const t = tls({ 'TLSv1.2': ['ECDHE-RSA-AES128-SHA256', 'ECDHE-RSA-AES256-SHA384'] });
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('cipher.no_aead');
  });
  it('RSA key of 1024 bits', () => {
    const t = tls(undefined, { chain: [cert({ bits: 1024 })] });
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('kx.key_under_2048_bits');
  });
  it('DH group of 1024 bits', () => {
    const t = tls(
      { 'TLSv1.2': ['DHE-RSA-AES128-GCM-SHA256'], 'TLSv1.3': ['TLS_AES_128_GCM_SHA256'] },
      {},
      (n) => (n.startsWith('DHE') ? { type: 'DH', group: null, bits: 1024 } : X25519),
    );
    expect(grade(t).grade).toBe('B');
    expect(rules(t)).toContain('kx.dh_under_2048_bits');
  });
  it('an EC P-256 key counts as 3072-bit RSA, no cap', () => {
    const t = tls(undefined, { chain: [cert({ algorithm: 'EC', bits: 256, curve: 'prime256v1' })] });
    expect(grade(t).grade).toBe('A');
    expect(grade(t).score.key_exchange).toBe(90);
  });
});

describe('lowest cap wins and A- warnings', () => {
  it('F beats C beats B', () => {
    const t = tls({ TLSv1: ['DES-CBC3-SHA', 'EXP-RC4-MD5'], 'TLSv1.1': ['DES-CBC3-SHA'] });
    const g = grade(t);
    expect(g.grade).toBe('F');
    expect(g.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining(['cipher.export', 'protocol.no_tls12', 'cipher.3des_modern', 'protocol.tls10']),
    );
  });
  it('A- when TLS 1.3 is missing', () => {
    const t = tls({ 'TLSv1.2': ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'] });
    expect(grade(t, hsts(31_536_000)).grade).toBe('A-');
    expect(rules(t)).toContain('warn.no_tls13');
  });
  it('A- when some suites lack forward secrecy', () => {
    const t = tls({
      'TLSv1.3': ['TLS_AES_128_GCM_SHA256'],
      'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256', 'AES128-GCM-SHA256'],
    });
    expect(grade(t, hsts(31_536_000)).grade).toBe('A-');
    expect(rules(t)).toContain('warn.partial_forward_secrecy');
  });
  it('warnings do not show on a B', () => {
    const t = tls({ TLSv1: ['ECDHE-RSA-AES128-SHA'], 'TLSv1.2': ['ECDHE-RSA-AES128-GCM-SHA256'] });
    expect(rules(t)).not.toContain('warn.no_tls13');
  });
  it('a certificate-only check grades the negotiated pair and says so', () => {
    const t = tls(undefined, { posture_probed: false, protocols: tls().protocols, ciphers: {} });
    const g = grade(t);
    expect(g.grade).toBe('A');
    expect(g.reasons.map((r) => r.rule)).toContain('posture.not_probed');
  });
});

describe('isBelow', () => {
  it('orders A+ > A > A- > B … F, and T/M below F', () => {
    expect(isBelow('B', 'A')).toBe(true);
    expect(isBelow('A', 'A-')).toBe(false);
    expect(isBelow('A-', 'A')).toBe(true);
    expect(isBelow('T', 'F')).toBe(true);
    expect(isBelow('M', 'C')).toBe(true);
    expect(isBelow('A+', 'A+')).toBe(false);
  });
});
