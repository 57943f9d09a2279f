/**
 * Scans one endpoint into one Snapshot: resolve, connect, STARTTLS if needed, the main handshake
 * (chain, OCSP staple, negotiated parameters), HSTS for HTTPS, then protocol and cipher probing,
 * then grading. Network conditions never throw: they become an unreachable snapshot with a reason.
 */
import { isIP } from 'node:net';
import { gradeSnapshot } from '@vigilo/shared/grading';
import {
  SNAPSHOT_SCHEMA_VERSION,
  TLS_VERSIONS,
  type HttpInfo,
  type Latency,
  type ProtocolSupport,
  type Snapshot,
  type TlsInfo,
  type TlsVersion,
} from '@vigilo/shared/snapshot';
import { uuidv7 } from '../util/uuidv7.ts';
import { parseCertificate, type ParsedCertificate } from './certificate.ts';
import { openTcp, resolveAddress, systemResolver, type Resolver } from './connect.ts';
import type { Outcome, ScanFailure } from './failure.ts';
import type { ServerFlight } from './hello.ts';
import { sendHello } from './raw-probe.ts';
import { fetchHttpInfo } from './http.ts';
import { parseOcspStaple } from './ocsp.ts';
import { PROBED_VERSIONS, probeVersion, type Dial } from './probe.ts';
import { startTls, type StartTlsProtocol } from './starttls.ts';
import type { ScanTarget } from './target.ts';
import { handshake, MAIN_CONTEXT, type ContextSpec, type HandshakeCapture } from './tls.ts';
import { hostnameMatches, validateChain, type TrustStore } from './trust.ts';

/** Milliseconds allowed per phase of each connection. */
export interface PhaseTimeouts {
  dns: number;
  tcp: number;
  starttls: number;
  tls: number;
  http: number;
}

export const DEFAULT_TIMEOUTS: PhaseTimeouts = {
  dns: 5000,
  tcp: 5000,
  starttls: 5000,
  tls: 5000,
  http: 5000,
};

export interface ScannerOptions {
  trust: TrustStore;
  timeouts?: Partial<PhaseTimeouts>;
  /** Probe protocols and suites (default) or check the certificate only. */
  posture?: boolean;
  resolver?: Resolver;
  /** The clock; injectable so validity checks are testable. */
  now?: () => Date;
  newId?: (nowMs: number) => string;
  agentVersion?: string | null;
}

export interface Scanner {
  scan(target: ScanTarget, overrides?: { posture?: boolean }): Promise<Snapshot>;
}

interface Timings {
  dns: number | null;
  tcp: number | null;
  starttls: number | null;
}

/** Creates a scanner; one per process is enough (it caches contexts and certificates). */
export function createScanner(options: ScannerOptions): Scanner {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const resolver = options.resolver ?? systemResolver;
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? uuidv7;

  /** One connection: TCP, the STARTTLS dialogue if any, then the handshake. */
  async function dial(
    address: string,
    target: ScanTarget,
    spec: ContextSpec,
    extra: { main?: boolean; timings?: Timings } = {},
  ): Promise<Outcome<HandshakeCapture>> {
    const tcp = await openTcp(address, target.port, timeouts.tcp);
    if (!tcp.ok) return tcp;
    if (extra.timings) extra.timings.tcp = tcp.value.ms;
    if (target.starttls) {
      const st = await startTls(tcp.value.socket, target.protocol as StartTlsProtocol, timeouts.starttls);
      if (!st.ok) return st;
      if (extra.timings) extra.timings.starttls = st.value.ms;
    }
    return handshake({
      socket: tcp.value.socket,
      servername: isIP(target.hostname) ? null : target.hostname,
      spec,
      timeoutMs: timeouts.tls,
      ...(extra.main
        ? {
            captureChain: true,
            requestOcsp: true,
            keepOpen: target.protocol === 'https',
            ...(target.protocol === 'https' ? { alpn: ['http/1.1'] } : {}),
          }
        : {}),
    });
  }

  /** One raw probe: TCP, the STARTTLS dialogue if any, our ClientHello, the server's answer. */
  async function dialRaw(address: string, target: ScanTarget, hello: Buffer): Promise<Outcome<ServerFlight>> {
    const tcp = await openTcp(address, target.port, timeouts.tcp);
    if (!tcp.ok) return tcp;
    const socket = tcp.value.socket;
    if (target.starttls) {
      const st = await startTls(socket, target.protocol as StartTlsProtocol, timeouts.starttls);
      if (!st.ok) return st;
    }
    return sendHello(socket, hello, timeouts.tls);
  }

  async function scan(target: ScanTarget, overrides: { posture?: boolean } = {}): Promise<Snapshot> {
    const started = performance.now();
    const scannedAt = now();
    const timings: Timings = { dns: null, tcp: null, starttls: null };
    const base = {
      schema_version: SNAPSHOT_SCHEMA_VERSION,
      id: newId(scannedAt.getTime()),
      scanned_at: scannedAt.toISOString(),
      agent_version: options.agentVersion ?? null,
    } as const;
    const targetInfo = (address: string | null): Snapshot['target'] => ({
      host_id: target.hostId,
      hostname: target.hostname,
      port: target.port,
      protocol: target.protocol,
      starttls: target.starttls,
      address,
      sni: isIP(target.hostname) ? null : target.hostname,
    });
    const latency = (tls: number | null, http: number | null): Latency => ({
      dns_ms: round(timings.dns),
      tcp_ms: round(timings.tcp),
      starttls_ms: round(timings.starttls),
      tls_ms: round(tls),
      http_ms: round(http),
      total_ms: round(performance.now() - started)!,
    });
    const unreachable = (failure: ScanFailure, address: string | null): Snapshot => ({
      ...base,
      target: targetInfo(address),
      reachability: {
        state: 'unreachable',
        reason: failure.reason,
        phase: failure.phase,
        detail: failure.detail,
        error_code: failure.code,
      },
      latency: latency(null, null),
      tls: null,
      http: null,
      grade: null,
    });

    const resolved = await resolveAddress(target.hostname, timeouts.dns, resolver);
    if (!resolved.ok) return unreachable(resolved.failure, null);
    const address = resolved.value.address;
    timings.dns = resolved.value.ms;

    const main = await dial(address, target, MAIN_CONTEXT, { main: true, timings });
    if (!main.ok) return unreachable(main.failure, address);
    const hs = main.value;

    const httpPromise: Promise<{ info: HttpInfo; ms: number } | null> = hs.socket
      ? fetchHttpInfo(
          hs.socket,
          target.port === 443 ? target.hostname : `${target.hostname}:${target.port}`,
          timeouts.http,
        )
      : Promise.resolve(null);
    const posture = overrides.posture ?? options.posture ?? true;
    const dialProbe: Dial = (hello) => dialRaw(address, target, hello);
    const sni = isIP(target.hostname) ? null : target.hostname;
    const [http, probes] = await Promise.all([
      httpPromise,
      posture
        ? Promise.all(PROBED_VERSIONS.map((v) => probeVersion(v, dialProbe, sni)))
        : Promise.resolve(null),
    ]);

    const chain: ParsedCertificate[] = [];
    for (const der of hs.chain) {
      try {
        chain.push(parseCertificate(der));
      } catch {
        // A certificate OpenSSL accepted but node:crypto cannot parse is skipped, not fatal.
      }
    }
    const validation = validateChain(chain, options.trust, scannedAt);
    const ocsp = parseOcspStaple(hs.ocsp);
    if (ocsp.status === 'revoked') {
      validation.problems.push('revoked');
      validation.trusted = false;
      validation.reason ??= 'revoked';
    }

    const protocols = Object.fromEntries(TLS_VERSIONS.map((v) => [v, 'not_tested'])) as Record<
      TlsVersion,
      ProtocolSupport
    >;
    const ciphers: TlsInfo['ciphers'] = {};
    if (probes) {
      PROBED_VERSIONS.forEach((version, i) => {
        const result = probes[i]!;
        protocols[version] = result.support;
        if (result.support === 'accepted') ciphers[version] = result.suites;
      });
    } else {
      protocols[hs.protocol] = 'accepted';
    }

    const tls: TlsInfo = {
      negotiated_protocol: hs.protocol,
      negotiated_cipher: hs.cipher,
      negotiated_kx: hs.kx,
      alpn: hs.alpn,
      chain: chain.map((c) => c.info),
      validation,
      hostname_match: hostnameMatches(chain[0], target.hostname),
      protocols,
      ciphers,
      posture_probed: posture,
      ocsp,
    };
    const httpInfo = http?.info ?? null;
    return {
      ...base,
      target: targetInfo(address),
      reachability: { state: 'reachable', reason: null, phase: null, detail: null, error_code: null },
      latency: latency(hs.ms, http?.ms ?? null),
      tls,
      http: httpInfo,
      grade: gradeSnapshot({ tls, http: httpInfo }),
    };
  }

  return { scan };
}

const round = (ms: number | null): number | null => (ms === null ? null : Math.round(ms * 10) / 10);
