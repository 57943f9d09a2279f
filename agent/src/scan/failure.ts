/**
 * Expected network failures as typed values. A scan never throws for a network condition: every
 * step returns `Outcome<T>`, and a failure keeps the original error's code and text (the TLS alert,
 * the errno) beside a reason code from the shared snapshot schema.
 */
import type { ScanPhase, UnreachableReason } from '@vigilo/shared/snapshot';

export interface ScanFailure {
  reason: UnreachableReason;
  phase: ScanPhase;
  /** The original message, e.g. "tlsv1 alert protocol version (SSL alert number 70)". */
  detail: string;
  /** errno or OpenSSL code, e.g. ECONNREFUSED, ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION. */
  code: string | null;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; failure: ScanFailure };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = <T = never>(failure: ScanFailure): Outcome<T> => ({ ok: false, failure });

/** Thrown into a socket by our own phase timers so the classifier can tell it from peer errors. */
export class PhaseTimeout extends Error {
  constructor(
    readonly phase: ScanPhase,
    readonly ms: number,
  ) {
    super(`${phase} phase timed out after ${ms} ms`);
    this.name = 'PhaseTimeout';
  }
}

interface NodeishError {
  code?: unknown;
  reason?: unknown;
  message?: unknown;
}

const TIMEOUT_REASON: Record<ScanPhase, UnreachableReason> = {
  dns: 'dns_timeout',
  tcp: 'tcp_timeout',
  starttls: 'starttls_timeout',
  tls: 'tls_timeout',
  http: 'tls_timeout',
};

/** Turns whatever a socket, resolver or OpenSSL raised into a ScanFailure for `phase`. */
export function classifyError(err: unknown, phase: ScanPhase): ScanFailure {
  if (err instanceof PhaseTimeout) {
    return { reason: TIMEOUT_REASON[err.phase], phase: err.phase, detail: err.message, code: 'ETIMEDOUT' };
  }
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodeishError;
  const code = typeof e.code === 'string' ? e.code : null;
  const message = typeof e.message === 'string' ? e.message : String(err);
  // OpenSSL messages carry a file path and line; the reason string is what a person needs.
  const detail = typeof e.reason === 'string' ? `${e.reason}${alertNumber(message)}` : message.trim();
  const f = (reason: UnreachableReason): ScanFailure => ({ reason, phase, detail, code });

  if (phase === 'dns') {
    if (code === 'ENOTFOUND' || code === 'ENODATA' || code === 'EAI_NONAME') return f('dns_not_found');
    if (code === 'ETIMEOUT' || code === 'EAI_AGAIN') return f('dns_timeout');
    return f('dns_error');
  }
  if (code === 'ECONNREFUSED') return f('tcp_refused');
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'EADDRNOTAVAIL') {
    return f('tcp_unreachable');
  }
  if (code === 'ETIMEDOUT') return f(TIMEOUT_REASON[phase]);
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') return f('connection_reset');
  if (code?.startsWith('ERR_SSL_') || code?.startsWith('ERR_OSSL_')) {
    if (/ALERT/.test(code)) return f('tls_alert');
    // A plain-text answer to a ClientHello shows up as a bogus record header.
    if (
      /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE|HTTP_REQUEST|UNKNOWN_PROTOCOL/.test(
        code,
      )
    ) {
      return f('not_tls');
    }
    return f('tls_error');
  }
  if (phase === 'starttls') return f('starttls_protocol_error');
  return f(phase === 'tcp' ? 'tcp_unreachable' : 'tls_error');
}

function alertNumber(message: string): string {
  const m = /SSL alert number (\d+)/.exec(message);
  return m ? ` (SSL alert number ${m[1]})` : '';
}
