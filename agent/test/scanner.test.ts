/**
 * The TLS zoo: real servers on loopback with certificates made for this run, scanned for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Snapshot } from '@vigilo/shared/snapshot';
import { createScanner, type Scanner } from '../src/scan/scanner.ts';
import { parseTarget } from '../src/scan/target.ts';
import { TrustStore } from '../src/scan/trust.ts';
import { days, issue, type Issued } from './fixtures/pki.ts';
import { ocspResponse } from './fixtures/ocsp.ts';
import { ServerSet } from './fixtures/servers.ts';

const servers = new ServerSet();
const ports: Record<string, number> = {};
let root: Issued;
let inter: Issued;
let scanner: Scanner;
const HSTS_YEAR = 'Strict-Transport-Security: max-age=31536000; includeSubDomains';
const MODERN = { minVersion: 'TLSv1.2' as const };

const scan = (target: string, posture = true) => scanner.scan(parseTarget(target), { posture });

beforeAll(async () => {
  root = await issue({ cn: 'Vigilo Zoo Root', ca: true });
  inter = await issue({ cn: 'Vigilo Zoo Intermediate', ca: true, issuer: root });
  const rsaRoot = await issue({ cn: 'Vigilo Zoo RSA Root', ca: true, key: { kind: 'rsa', bits: 2048 } });
  const leaf = (o: Partial<Parameters<typeof issue>[0]> = {}) =>
    issue({ cn: 'localhost', dns: ['localhost'], ips: ['127.0.0.1'], issuer: inter, ...o });
  const good = await leaf();
  const chain = (l: Issued, ...extra: Issued[]) => ({
    key: l.keyPem,
    cert: [l.pem, ...extra.map((e) => e.pem)].join(''),
  });

  ports.good = await servers.tls({ ...chain(good, inter), ...MODERN }, { headers: [HSTS_YEAR] });
  ports.goodNoHsts = await servers.tls({ ...chain(good, inter), ...MODERN }, { headers: [] });
  ports.shortHsts = await servers.tls(
    { ...chain(good, inter), ...MODERN },
    { headers: ['Strict-Transport-Security: max-age=86400'] },
  );
  ports.expired = await servers.tls({
    ...chain(await leaf({ notBefore: days(-30), notAfter: days(-1) }), inter),
    ...MODERN,
  });
  ports.notYet = await servers.tls({
    ...chain(await leaf({ notBefore: days(2), notAfter: days(90) }), inter),
    ...MODERN,
  });
  ports.selfSigned = await servers.tls({
    ...chain(await issue({ cn: 'localhost', dns: ['localhost'] })),
    ...MODERN,
  });
  ports.wrongHost = await servers.tls({
    ...chain(await leaf({ cn: 'other.example', dns: ['other.example'], ips: [] }), inter),
    ...MODERN,
  });
  ports.missingIntermediate = await servers.tls({ ...chain(good), ...MODERN });
  const weak = await issue({
    cn: 'localhost',
    dns: ['localhost'],
    issuer: rsaRoot,
    key: { kind: 'rsa', bits: 1024 },
  });
  ports.rsa1024 = await servers.tls({ ...chain(weak), ...MODERN, ciphers: 'DEFAULT:@SECLEVEL=0' });
  const sha1 = await issue({
    cn: 'localhost',
    dns: ['localhost'],
    issuer: rsaRoot,
    key: { kind: 'rsa', bits: 2048 },
    signHash: 'SHA-1',
  });
  ports.sha1 = await servers.tls({ ...chain(sha1), ...MODERN, ciphers: 'DEFAULT:@SECLEVEL=0' });
  // Static-RSA suites need an RSA certificate.
  const rsaLeaf = await leaf({ key: { kind: 'rsa', bits: 2048 } });
  ports.legacy = await servers.tls({
    ...chain(rsaLeaf, inter),
    minVersion: 'TLSv1',
    maxVersion: 'TLSv1.2',
    // Node's OpenSSL 3 has no 3DES/RC4 at all, so the weakest suites it can serve are static-RSA CBC.
    ciphers: 'AES128-SHA:AES256-SHA:@SECLEVEL=0',
  });
  ports.ocspGood = await servers.tlsWithOcsp(
    { ...chain(good, inter), ...MODERN },
    ocspResponse(good, inter, 'good'),
  );
  ports.ocspRevoked = await servers.tlsWithOcsp(
    { ...chain(good, inter), ...MODERN },
    ocspResponse(good, inter, 'revoked'),
  );
  ports.smtp = await servers.smtp(chain(good, inter));
  ports.smtpNoTls = await servers.smtp(chain(good, inter), false);
  ports.imap = await servers.imap(chain(good, inter));
  ports.pop3 = await servers.pop3(chain(good, inter));
  ports.ldap = await servers.ldap(chain(good, inter));
  ports.plainHttp = await servers.tcp((s) =>
    s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')),
  );
  ports.silent = await servers.tcp(() => undefined);
  ports.reset = await servers.tcp((s) => s.resetAndDestroy());
  ports.closed = await servers.closedPort();

  // The internal CA bundle (--ca) holds the roots; the intermediate is learned from good chains.
  scanner = createScanner({
    trust: TrustStore.fromPem([root.pem, rsaRoot.pem]),
    timeouts: { dns: 3000, tcp: 3000, starttls: 3000, tls: 3000, http: 3000 },
  });
}, 60_000);

afterAll(() => servers.close());

describe('certificate findings and grades', () => {
  it('grades a good chain with a year of HSTS A+, and the snapshot is valid wire format', async () => {
    const s = await scan(`https://localhost:${ports.good}`);
    expect(() => Snapshot.parse(s)).not.toThrow();
    expect(s.reachability).toMatchObject({ state: 'reachable', reason: null });
    expect(s.tls!.validation).toMatchObject({ trusted: true, problems: [] });
    expect(s.tls!.chain.map((c) => c.subject_cn)).toEqual(['localhost', 'Vigilo Zoo Intermediate']);
    expect(s.tls!.chain[0]).toMatchObject({
      key: { algorithm: 'EC', bits: 256 },
      signature: { hash: 'SHA-256' },
    });
    expect(s.tls!.chain[0]!.sans).toEqual(['DNS:localhost', 'IP Address:127.0.0.1']);
    expect(s.tls!.hostname_match).toBe(true);
    expect(s.tls!.protocols).toMatchObject({
      TLSv1: 'rejected',
      'TLSv1.1': 'rejected',
      'TLSv1.2': 'accepted',
      'TLSv1.3': 'accepted',
    });
    expect(s.tls!.ciphers['TLSv1.3']!.map((c) => c.name)).toContain('TLS_AES_128_GCM_SHA256');
    expect(s.http!.hsts).toMatchObject({ present: true, max_age: 31536000, include_subdomains: true });
    expect(s.grade!.grade).toBe('A+');
  });

  it('grades the same server without HSTS A, and with a short HSTS A', async () => {
    expect((await scan(`https://localhost:${ports.goodNoHsts}`)).grade!.grade).toBe('A');
    const short = await scan(`https://localhost:${ports.shortHsts}`);
    expect(short.http!.hsts.max_age).toBe(86400);
    expect(short.grade!.grade).toBe('A');
  });

  it.each([
    ['expired', 'expired'],
    ['notYet', 'not_yet_valid'],
    ['selfSigned', 'self_signed'],
    ['missingIntermediate', 'incomplete_chain'],
    ['sha1', 'weak_signature'],
  ])('%s -> T with reason %s', async (name, reason) => {
    const s = await scan(`localhost:${ports[name]}`, false);
    expect(s.tls!.validation.trusted).toBe(false);
    expect(s.tls!.validation.problems).toContain(reason);
    expect(s.grade!.grade).toBe('T');
    expect(s.grade!.reasons.map((r) => r.rule)).toContain(`cert.${reason}`);
  });

  it('reports an unknown issuer when the intermediate is neither sent nor known', async () => {
    const fresh = createScanner({ trust: TrustStore.fromPem([root.pem]) });
    const s = await fresh.scan(parseTarget(`localhost:${ports.missingIntermediate}`), { posture: false });
    expect(s.tls!.validation.reason).toBe('unknown_issuer');
  });

  it('gives M for a hostname mismatch, showing the configuration grade', async () => {
    const s = await scan(`localhost:${ports.wrongHost}`);
    expect(s.tls!.hostname_match).toBe(false);
    expect(s.grade).toMatchObject({ grade: 'M', configuration_grade: 'A' });
  });

  it('caps an RSA-1024 key at B', async () => {
    const s = await scan(`localhost:${ports.rsa1024}`);
    expect(s.tls!.chain[0]!.key).toMatchObject({ algorithm: 'RSA', bits: 1024 });
    expect(s.grade!.grade).toBe('B');
    expect(s.grade!.reasons.map((r) => r.rule)).toContain('kx.key_under_2048_bits');
  });

  it('finds TLS 1.0/1.1 and static-RSA CBC suites on a legacy server and caps it at B', async () => {
    const s = await scan(`localhost:${ports.legacy}`);
    expect(s.reachability).toMatchObject({ state: 'reachable' });
    expect(s.tls!.protocols).toMatchObject({
      TLSv1: 'accepted',
      'TLSv1.1': 'accepted',
      'TLSv1.2': 'accepted',
      'TLSv1.3': 'rejected',
    });
    expect(s.tls!.ciphers.TLSv1!.map((c) => c.name).sort()).toEqual(['AES128-SHA', 'AES256-SHA']);
    const rules = s.grade!.reasons.map((r) => r.rule);
    expect(rules).toEqual(
      expect.arrayContaining([
        'protocol.tls10',
        'protocol.tls11',
        'cipher.no_forward_secrecy',
        'cipher.no_aead',
      ]),
    );
    expect(s.tls!.ciphers.TLSv1![0]!.kx).toEqual({ type: 'RSA', group: null, bits: null });
    expect(s.grade!.grade).toBe('B');
  });

  it('records a stapled OCSP response, and T when it says revoked', async () => {
    const good = await scan(`localhost:${ports.ocspGood}`, false);
    expect(good.tls!.ocsp).toMatchObject({ stapled: true, status: 'good', error: null });
    const none = await scan(`localhost:${ports.goodNoHsts}`, false);
    expect(none.tls!.ocsp.stapled).toBe(false);
    const revoked = await scan(`localhost:${ports.ocspRevoked}`, false);
    expect(revoked.tls!.ocsp.status).toBe('revoked');
    expect(revoked.grade!.grade).toBe('T');
    expect(revoked.grade!.reasons.map((r) => r.rule)).toContain('cert.revoked');
  });
});

describe('STARTTLS', () => {
  it.each(['smtp', 'imap', 'pop3', 'ldap'])('negotiates TLS inside %s', async (proto) => {
    const s = await scan(`${proto}://localhost:${ports[proto]}`);
    expect(s.target).toMatchObject({ protocol: proto, starttls: true });
    expect(s.reachability.state).toBe('reachable');
    expect(s.tls!.validation.trusted).toBe(true);
    expect(s.tls!.protocols['TLSv1.3']).toBe('accepted');
    expect(s.latency.starttls_ms).not.toBeNull();
    expect(s.grade!.grade).toBe('A');
  });

  it('reports an SMTP server without STARTTLS', async () => {
    const s = await scan(`smtp://localhost:${ports.smtpNoTls}`);
    expect(s.reachability).toMatchObject({
      state: 'unreachable',
      reason: 'starttls_unsupported',
      phase: 'starttls',
    });
    expect(s.grade).toBeNull();
  });

  it('reports a non-SMTP answer as a protocol error', async () => {
    const s = await scan(`smtp://localhost:${ports.pop3}`);
    expect(s.reachability).toMatchObject({ reason: 'starttls_protocol_error' });
    expect(s.reachability.detail).toContain('+OK');
  });
});

describe('network conditions become snapshots, never exceptions', () => {
  it('a plain HTTP port is not TLS', async () => {
    const s = await scan(`localhost:${ports.plainHttp}`);
    expect(s.reachability).toMatchObject({ state: 'unreachable', reason: 'not_tls', phase: 'tls' });
    expect(s.reachability.error_code).toMatch(/^ERR_SSL_/);
  });
  it('a refused port', async () => {
    const s = await scan(`localhost:${ports.closed}`);
    expect(s.reachability).toMatchObject({ reason: 'tcp_refused', phase: 'tcp', error_code: 'ECONNREFUSED' });
  });
  it('a port that resets', async () => {
    const s = await scan(`localhost:${ports.reset}`);
    expect(s.reachability).toMatchObject({ state: 'unreachable', reason: 'connection_reset' });
  });
  it('a port that accepts and never answers times out in the TLS phase', async () => {
    const quick = createScanner({ trust: TrustStore.fromPem([root.pem]), timeouts: { tls: 300 } });
    const s = await quick.scan(parseTarget(`localhost:${ports.silent}`));
    expect(s.reachability).toMatchObject({ reason: 'tls_timeout', phase: 'tls' });
  });
  it('a name that does not resolve', async () => {
    const s = await scan('no-such-host.invalid:443');
    expect(s.reachability.phase).toBe('dns');
    expect(['dns_not_found', 'dns_error', 'dns_timeout']).toContain(s.reachability.reason);
    expect(() => Snapshot.parse(s)).not.toThrow();
  });
  it('the TLS alert survives into the detail', async () => {
    // A TLS 1.2+ server asked for TLS 1.0 only answers with a protocol_version alert.
    const { handshake } = await import('../src/scan/tls.ts');
    const { openTcp } = await import('../src/scan/connect.ts');
    const tcp = await openTcp('127.0.0.1', ports.good!, 2000);
    if (!tcp.ok) throw new Error('setup');
    const r = await handshake({
      socket: tcp.value.socket,
      servername: 'localhost',
      spec: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'ALL:@SECLEVEL=0' },
      timeoutMs: 2000,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.failure.reason).toBe('tls_alert');
      expect(r.failure.detail).toMatch(/protocol version.*SSL alert number 70/);
    }
  });
});
