/**
 * Raw ClientHello probes: build a ClientHello by hand, read the server's first flight, hang up.
 *
 * Why not OpenSSL: OpenSSL 3 can no longer offer SSL 3.0, RC4, DES, 3DES or export suites, so it
 * cannot tell whether a server still accepts them — the very findings grading caps on. And a probe
 * that stops at the ServerHello costs the client no cryptography at all; for TLS 1.3 we send no
 * key share, so the server answers with a HelloRetryRequest naming its suite and group without
 * signing anything either.
 */
import { randomBytes } from 'node:crypto';
import type { KeyExchangeInfo } from '@vigilo/shared/snapshot';

export type HelloVersion = 'SSLv3' | 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

const WIRE: Record<HelloVersion, number> = {
  SSLv3: 0x0300,
  TLSv1: 0x0301,
  'TLSv1.1': 0x0302,
  'TLSv1.2': 0x0303,
  'TLSv1.3': 0x0304,
};

/** Named groups we offer, with the names and sizes Node's getEphemeralKeyInfo would report. */
const GROUPS: [code: number, name: string, bits: number, type: 'ECDH' | 'DH'][] = [
  [0x001d, 'X25519', 253, 'ECDH'],
  [0x0017, 'prime256v1', 256, 'ECDH'],
  [0x0018, 'secp384r1', 384, 'ECDH'],
  [0x0019, 'secp521r1', 521, 'ECDH'],
  [0x001e, 'X448', 448, 'ECDH'],
  [0x0016, 'secp256k1', 256, 'ECDH'],
  [0x0015, 'secp224r1', 224, 'ECDH'],
  [0x0013, 'prime192v1', 192, 'ECDH'],
  [0x0100, 'ffdhe2048', 2048, 'DH'],
  [0x0101, 'ffdhe3072', 3072, 'DH'],
  [0x0102, 'ffdhe4096', 4096, 'DH'],
];
const SIGNATURE_ALGORITHMS = [
  0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0804, 0x0805, 0x0806, 0x0809, 0x080a, 0x080b, 0x0401, 0x0501,
  0x0601, 0x0303, 0x0301, 0x0302, 0x0402, 0x0203, 0x0201, 0x0202,
];
/** SHA-256("HelloRetryRequest"): the ServerHello.random that marks an HRR (RFC 8446 §4.1.3). */
const HRR_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
const RENEGOTIATION_SCSV = 0x00ff;

const u8 = (n: number) => Buffer.from([n & 0xff]);
const u16 = (n: number) => Buffer.from([(n >> 8) & 0xff, n & 0xff]);
const u24 = (n: number) => Buffer.from([(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
const vec16 = (b: Buffer) => Buffer.concat([u16(b.length), b]);
const ext = (type: number, body: Buffer) => Buffer.concat([u16(type), vec16(body)]);
const list16 = (codes: readonly number[]) => vec16(Buffer.concat(codes.map(u16)));

/** A complete ClientHello record offering `suites` at `version`; SNI when `servername` is set. */
export function clientHello(
  version: HelloVersion,
  suites: readonly number[],
  servername: string | null,
): Buffer {
  const tls13 = version === 'TLSv1.3';
  const legacyVersion = tls13 ? 0x0303 : WIRE[version];
  const extensions: Buffer[] = [];
  if (version !== 'SSLv3') {
    if (servername) {
      const name = Buffer.from(servername, 'ascii');
      extensions.push(ext(0x0000, vec16(Buffer.concat([u8(0), vec16(name)]))));
    }
    extensions.push(ext(0x000a, list16(GROUPS.map(([code]) => code))));
    extensions.push(ext(0x000b, Buffer.from([1, 0])));
    if (version === 'TLSv1.2' || tls13) extensions.push(ext(0x000d, list16(SIGNATURE_ALGORITHMS)));
    if (tls13) {
      extensions.push(ext(0x002b, Buffer.concat([u8(2), u16(0x0304)])));
      extensions.push(ext(0x0033, vec16(Buffer.alloc(0)))); // no key share: the server must say which group
    }
  }
  const body = Buffer.concat([
    u16(legacyVersion),
    randomBytes(32),
    tls13 ? Buffer.concat([u8(32), randomBytes(32)]) : u8(0),
    list16(tls13 ? suites : [...suites, RENEGOTIATION_SCSV]),
    Buffer.from([1, 0]), // compression: null only
    ...(extensions.length ? [vec16(Buffer.concat(extensions))] : []),
  ]);
  const handshake = Buffer.concat([u8(1), u24(body.length), body]);
  return Buffer.concat([u8(0x16), u16(Math.min(legacyVersion, 0x0301)), u16(handshake.length), handshake]);
}

/** SSL 2.0 cipher specs (3 bytes each) with OpenSSL's old names. */
export const SSL2_SPECS: ReadonlyMap<number, string> = new Map([
  [0x010080, 'RC4-MD5'],
  [0x020080, 'EXP-RC4-MD5'],
  [0x030080, 'RC2-CBC-MD5'],
  [0x040080, 'EXP-RC2-CBC-MD5'],
  [0x050080, 'IDEA-CBC-MD5'],
  [0x060040, 'DES-CBC-MD5'],
  [0x0700c0, 'DES-CBC3-MD5'],
]);

/** An SSL 2.0 CLIENT-HELLO (two-byte record header with the high bit set) offering every spec. */
export function sslv2ClientHello(): Buffer {
  const specs = Buffer.concat(
    [...SSL2_SPECS.keys()].map((c) => Buffer.from([c >> 16, (c >> 8) & 0xff, c & 0xff])),
  );
  const msg = Buffer.concat([
    Buffer.from([1, 0, 2]),
    u16(specs.length),
    u16(0),
    u16(16),
    specs,
    randomBytes(16),
  ]);
  return Buffer.concat([Buffer.from([0x80 | (msg.length >> 8), msg.length & 0xff]), msg]);
}

/** What the server's first flight told us. */
export type ServerFlight =
  /** An SSL 2.0 SERVER-HELLO: the server lists every spec it shares with us at once. */
  | { kind: 'sslv2'; specs: number[] }
  | {
      kind: 'hello';
      version: HelloVersion | null;
      cipher: number;
      kx: KeyExchangeInfo | null;
      retry: boolean;
    }
  | { kind: 'alert'; description: number }
  | { kind: 'not_tls'; detail: string };

const VERSION_BY_WIRE = new Map(Object.entries(WIRE).map(([k, v]) => [v, k as HelloVersion]));

function groupInfo(code: number): KeyExchangeInfo {
  const g = GROUPS.find(([c]) => c === code);
  return g
    ? { type: g[3], group: g[1], bits: g[2] }
    : { type: 'unknown', group: `0x${code.toString(16)}`, bits: null };
}

/**
 * Incremental parser over the bytes a server sends after our ClientHello. `push` returns the
 * answer once it is known, or null while more bytes are needed.
 */
export class FlightParser {
  private records = Buffer.alloc(0);
  private handshake = Buffer.alloc(0);
  private hello: Extract<ServerFlight, { kind: 'hello' }> | null = null;

  /** `sslv2`: we sent an SSL 2.0 CLIENT-HELLO, so the answer uses SSL 2.0 framing. */
  constructor(private readonly sslv2 = false) {}

  push(chunk: Buffer): ServerFlight | null {
    this.records = Buffer.concat([this.records, chunk]);
    if (this.sslv2) return this.readSslv2();
    while (this.records.length >= 5) {
      const type = this.records[0]!;
      const major = this.records[1]!;
      const length = this.records.readUInt16BE(3);
      if ((type !== 0x15 && type !== 0x16) || major !== 3 || length > 18432) {
        const text = this.records
          .subarray(0, 40)
          .toString('latin1')
          .replace(/[^\x20-\x7e]/g, '.');
        return { kind: 'not_tls', detail: `not a TLS record: "${text}"` };
      }
      if (this.records.length < 5 + length) return null;
      const fragment = this.records.subarray(5, 5 + length);
      this.records = this.records.subarray(5 + length);
      if (type === 0x15) return { kind: 'alert', description: fragment[1] ?? 0 };
      this.handshake = Buffer.concat([this.handshake, fragment]);
      const done = this.readMessages();
      if (done) return done;
    }
    return null;
  }

  private readSslv2(): ServerFlight | null {
    const r = this.records;
    if (r.length < 2) return null;
    // A TLS-only server answers an SSL 2.0 hello with a TLS alert record or nothing at all.
    if ((r[0]! & 0x80) === 0)
      return r[0] === 0x15
        ? { kind: 'alert', description: r[6] ?? 0 }
        : { kind: 'not_tls', detail: 'no SSL 2.0 answer' };
    const len = ((r[0]! & 0x7f) << 8) | r[1]!;
    if (r.length < 2 + len) return null;
    const msg = r.subarray(2, 2 + len);
    if (msg[0] !== 4 || msg.length < 11) return { kind: 'not_tls', detail: `SSL 2.0 message type ${msg[0]}` };
    const certLen = msg.readUInt16BE(5);
    const specsLen = msg.readUInt16BE(7);
    const specs: number[] = [];
    for (let at = 11 + certLen; at + 3 <= 11 + certLen + specsLen && at + 3 <= msg.length; at += 3) {
      specs.push((msg[at]! << 16) | (msg[at + 1]! << 8) | msg[at + 2]!);
    }
    return { kind: 'sslv2', specs };
  }

  /** A flight that ended early (server closed): whatever we learned, or null. */
  end(): ServerFlight | null {
    return this.hello;
  }

  private readMessages(): ServerFlight | null {
    while (this.handshake.length >= 4) {
      const type = this.handshake[0]!;
      const len = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + len) return null;
      const msg = this.handshake.subarray(4, 4 + len);
      this.handshake = this.handshake.subarray(4 + len);
      if (type === 2) {
        this.hello = parseServerHello(msg);
        // TLS 1.3 answers (and HRRs) carry everything we need; so does a static-RSA suite's hello.
        if (this.hello.version === 'TLSv1.3' || this.hello.retry) return this.hello;
      } else if (type === 12 && this.hello) {
        this.hello.kx = parseServerKeyExchange(msg);
        return this.hello;
      } else if (type === 14 && this.hello) {
        // ServerHelloDone without a ServerKeyExchange: RSA key transport.
        this.hello.kx ??= { type: 'RSA', group: null, bits: null };
        return this.hello;
      }
    }
    return null;
  }
}

function parseServerHello(msg: Buffer): Extract<ServerFlight, { kind: 'hello' }> {
  let at = 0;
  const legacy = msg.readUInt16BE(at);
  at += 2;
  const random = msg.subarray(at, at + 32);
  at += 32;
  at += 1 + msg[at]!; // session id
  const cipher = msg.readUInt16BE(at);
  at += 3; // cipher + compression
  let version = VERSION_BY_WIRE.get(legacy) ?? null;
  let kx: KeyExchangeInfo | null = null;
  if (at + 2 <= msg.length) {
    const end = at + 2 + msg.readUInt16BE(at);
    at += 2;
    while (at + 4 <= end) {
      const type = msg.readUInt16BE(at);
      const len = msg.readUInt16BE(at + 2);
      const body = msg.subarray(at + 4, at + 4 + len);
      if (type === 0x002b && len === 2) version = VERSION_BY_WIRE.get(body.readUInt16BE(0)) ?? version;
      if (type === 0x0033 && len >= 2) kx = groupInfo(body.readUInt16BE(0));
      at += 4 + len;
    }
  }
  return { kind: 'hello', version, cipher, kx, retry: random.equals(HRR_RANDOM) };
}

/** ECDHE: curve_type 3 + named group; DHE: the prime's length gives the group size. */
function parseServerKeyExchange(msg: Buffer): KeyExchangeInfo | null {
  if (msg[0] === 3 && msg.length >= 3) return groupInfo(msg.readUInt16BE(1));
  if (msg.length >= 3) {
    const pLen = msg.readUInt16BE(0);
    let lead = 2;
    while (lead < 2 + pLen && msg[lead] === 0) lead++; // leading zero bytes do not count
    const first = msg[lead] ?? 0;
    const bits = (2 + pLen - lead) * 8 - (first ? Math.clz32(first) - 24 : 0);
    return { type: 'DH', group: null, bits };
  }
  return null;
}
