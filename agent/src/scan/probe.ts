/**
 * Protocol support and cipher-suite enumeration with raw ClientHellos (hello.ts). For each
 * version we offer every suite we know, note the one the server picks, remove it and ask again
 * until the server refuses: N accepted suites cost N+1 short connections, and the order found is
 * the server's preference order. The first answer of each version is the protocol probe.
 */
import { cipherSuite } from '@vigilo/shared/cipher-suites';
import type { CipherSuite, ProtocolSupport, TlsVersion } from '@vigilo/shared/snapshot';
import type { Outcome, ScanFailure } from './failure.ts';
import { clientHello, SSL2_SPECS, sslv2ClientHello, type HelloVersion, type ServerFlight } from './hello.ts';
import { SUITE_NAMES, suitesFor, TLS13_SUITE_NAMES } from './suite-codes.ts';

/** Opens a fresh connection (TCP, STARTTLS if any), sends `hello`, reads the server's answer. */
export type Dial = (hello: Buffer) => Promise<Outcome<ServerFlight>>;

export type ProbedVersion = Extract<TlsVersion, HelloVersion | 'SSLv2'>;
export const PROBED_VERSIONS: readonly ProbedVersion[] = [
  'SSLv2',
  'SSLv3',
  'TLSv1',
  'TLSv1.1',
  'TLSv1.2',
  'TLSv1.3',
];

/** Network failures that mean "the server said no" rather than "we could not find out". */
const REFUSALS = new Set<ScanFailure['reason']>(['tls_alert', 'tls_error', 'connection_reset', 'not_tls']);

export interface VersionResult {
  support: ProtocolSupport;
  suites: CipherSuite[];
  failure: ScanFailure | null;
}

const nameOf = (version: ProbedVersion, code: number): string =>
  (version === 'TLSv1.3' ? TLS13_SUITE_NAMES : SUITE_NAMES).get(code) ??
  `UNKNOWN-0x${code.toString(16).padStart(4, '0')}`;

/** Probes one version; `enumerate` false stops after the first suite (protocol support only). */
export async function probeVersion(
  version: ProbedVersion,
  dial: Dial,
  servername: string | null,
  enumerate = true,
  maxSuites = 64,
): Promise<VersionResult> {
  if (version === 'SSLv2') return probeSslv2(dial);
  const all = version === 'TLSv1.3' ? [...TLS13_SUITE_NAMES.keys()] : suitesFor(version);
  const seen = new Set<number>();
  const suites: CipherSuite[] = [];
  for (let i = 0; i < maxSuites; i++) {
    const offer = all.filter((c) => !seen.has(c));
    if (offer.length === 0) break;
    const result = await dial(clientHello(version, offer, servername));
    if (!result.ok) {
      if (suites.length > 0) break;
      const refused = REFUSALS.has(result.failure.reason);
      return { support: refused ? 'rejected' : 'error', suites, failure: refused ? null : result.failure };
    }
    const flight = result.value;
    // An alert, a lower version, or a suite we did not offer all end the list.
    if (
      flight.kind !== 'hello' ||
      flight.version !== version ||
      seen.has(flight.cipher) ||
      !offer.includes(flight.cipher)
    )
      break;
    seen.add(flight.cipher);
    suites.push(cipherSuite(nameOf(version, flight.cipher), flight.kx));
    if (!enumerate) break;
  }
  return { support: suites.length ? 'accepted' : 'rejected', suites, failure: null };
}

/** SSL 2.0 needs one hello: the server's answer lists every cipher spec it accepts. */
async function probeSslv2(dial: Dial): Promise<VersionResult> {
  const result = await dial(sslv2ClientHello());
  if (!result.ok) {
    const refused = REFUSALS.has(result.failure.reason);
    return { support: refused ? 'rejected' : 'error', suites: [], failure: refused ? null : result.failure };
  }
  if (result.value.kind !== 'sslv2') return { support: 'rejected', suites: [], failure: null };
  const suites = result.value.specs.map((c) =>
    cipherSuite(SSL2_SPECS.get(c) ?? `SSL2-0x${c.toString(16)}`, { type: 'RSA', group: null, bits: null }),
  );
  return { support: 'accepted', suites, failure: null };
}
