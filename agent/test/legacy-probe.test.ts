/**
 * Raw ClientHello probes against what OpenSSL 3 can no longer offer or serve: SSL 3.0, RC4, 3DES,
 * 1024-bit DH. The responder is a real TCP server on loopback speaking TLS records by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradeSnapshot } from '@vigilo/shared/grading';
import { NO_OCSP_STAPLE, type TlsInfo } from '@vigilo/shared/snapshot';
import { openTcp } from '../src/scan/connect.ts';
import { PROBED_VERSIONS, probeVersion, type Dial } from '../src/scan/probe.ts';
import { sendHello } from '../src/scan/raw-probe.ts';
import { legacyResponder } from './fixtures/legacy-responder.ts';
import { ServerSet } from './fixtures/servers.ts';

const servers = new ServerSet();
let oldBox: number;
let tls12With3des: number;
let plain: number;
let sslv2Box: number;

const dialer =
  (port: number): Dial =>
  async (hello) => {
    const tcp = await openTcp('127.0.0.1', port, 2000);
    if (!tcp.ok) return tcp;
    return sendHello(tcp.value.socket, hello, 2000);
  };

beforeAll(async () => {
  // SSL 3.0 + TLS 1.0 only; prefers 3DES, then RC4, then 1024-bit DHE, then AES.
  oldBox = await servers.tcp(
    legacyResponder({ versions: [0x0300, 0x0301], preference: [0x000a, 0x0005, 0x0033, 0x002f] }),
  );
  tls12With3des = await servers.tcp(
    legacyResponder({ versions: [0x0301, 0x0302, 0x0303], preference: [0xc02f, 0x000a] }),
  );
  sslv2Box = await servers.tcp(
    legacyResponder({ versions: [0x0300, 0x0301], preference: [0x002f], sslv2: [0x010080, 0x0700c0] }),
  );
  plain = await servers.tcp((s) => s.once('data', () => s.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
});
afterAll(() => servers.close());

async function posture(port: number) {
  const results = await Promise.all(PROBED_VERSIONS.map((v) => probeVersion(v, dialer(port), 'localhost')));
  return Object.fromEntries(PROBED_VERSIONS.map((v, i) => [v, results[i]!])) as Record<
    (typeof PROBED_VERSIONS)[number],
    (typeof results)[0]
  >;
}

function facts(p: Awaited<ReturnType<typeof posture>>): TlsInfo {
  const protocols = {} as TlsInfo['protocols'];
  const ciphers: TlsInfo['ciphers'] = {};
  for (const v of PROBED_VERSIONS) {
    protocols[v] = p[v].support;
    if (p[v].support === 'accepted') ciphers[v] = p[v].suites;
  }
  return {
    negotiated_protocol: 'TLSv1',
    negotiated_cipher: 'AES128-SHA',
    negotiated_kx: null,
    alpn: null,
    chain: [],
    validation: { trusted: true, reason: null, problems: [], detail: null, path: [], anchor: null },
    hostname_match: true,
    protocols,
    ciphers,
    posture_probed: true,
    ocsp: { ...NO_OCSP_STAPLE },
  };
}

describe('raw ClientHello probes', () => {
  it('finds SSL 3.0, RC4, 3DES and a 1024-bit DH group in server preference order', async () => {
    const p = await posture(oldBox);
    expect(p.SSLv2.support).toBe('rejected');
    expect(p.SSLv3.support).toBe('accepted');
    expect(p.TLSv1.suites.map((s) => s.name)).toEqual([
      'DES-CBC3-SHA',
      'RC4-SHA',
      'DHE-RSA-AES128-SHA',
      'AES128-SHA',
    ]);
    expect(p.TLSv1.suites[2]!.kx).toEqual({ type: 'DH', group: null, bits: 1024 });
    expect(p.TLSv1.suites[0]!.kx).toEqual({ type: 'RSA', group: null, bits: null });
    expect(p['TLSv1.1'].support).toBe('rejected'); // answered with a lower version
    expect(p['TLSv1.2'].support).toBe('rejected');
    expect(p['TLSv1.3'].support).toBe('rejected');
  });

  it('grades what the probes found: SSL 3.0 and no TLS 1.2 cap at C, 3DES on TLS 1.2 too', async () => {
    const old = gradeSnapshot({ tls: facts(await posture(oldBox)), http: null })!;
    expect(old.grade).toBe('C');
    expect(old.reasons.map((r) => r.rule)).toEqual(
      expect.arrayContaining([
        'protocol.sslv3',
        'protocol.no_tls12',
        'protocol.tls10',
        'kx.dh_under_2048_bits',
      ]),
    );
    const modern3des = gradeSnapshot({ tls: facts(await posture(tls12With3des)), http: null })!;
    expect(modern3des.reasons.map((r) => r.rule)).toContain('cipher.3des_modern');
    expect(modern3des.grade).toBe('C');
  });

  it('finds SSL 2.0 and its cipher specs, which grade F', async () => {
    const p = await posture(sslv2Box);
    expect(p.SSLv2.support).toBe('accepted');
    expect(p.SSLv2.suites.map((s) => s.name)).toEqual(['RC4-MD5', 'DES-CBC3-MD5']);
    const g = gradeSnapshot({ tls: facts(p), http: null })!;
    expect(g.grade).toBe('F');
    expect(g.reasons.map((r) => r.rule)).toContain('protocol.sslv2');
  });

  it('calls a plain-text answer not TLS', async () => {
    const r = await dialer(plain)(Buffer.from([0x16, 3, 1, 0, 1, 0]));
    expect(r.ok && r.value).toMatchObject({ kind: 'not_tls' });
  });
});
