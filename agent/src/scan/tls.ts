/**
 * One TLS handshake on an already connected socket, capturing what the server chose and sent.
 *
 * Probing legacy servers needs OpenSSL's security level 0 (old protocols, small keys, SHA-1):
 * these contexts are for observing servers only, never for carrying data we care about.
 * Secure contexts are cached by their settings because creating one costs more than a handshake.
 */
import type { Socket } from 'node:net';
import {
  connect,
  createSecureContext,
  type ConnectionOptions,
  type SecureContext,
  type TLSSocket,
} from 'node:tls';
import { TlsVersion, type KeyExchangeInfo } from '@vigilo/shared/snapshot';
import { classifyError, fail, ok, PhaseTimeout, type Outcome } from './failure.ts';

type NodeTlsVersion = 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface ContextSpec {
  minVersion: NodeTlsVersion;
  maxVersion: NodeTlsVersion;
  /** OpenSSL cipher string; TLS 1.3 suite names may be mixed in (Node splits them). */
  ciphers: string;
}

/** What a normal modern-or-legacy client offers: OpenSSL defaults, every protocol from TLS 1.0. */
export const MAIN_CONTEXT: ContextSpec = {
  minVersion: 'TLSv1',
  maxVersion: 'TLSv1.3',
  ciphers: 'DEFAULT:@SECLEVEL=0',
};

const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 512;

/** A cached SecureContext for `spec`, with an empty CA store (see trust.ts for why). */
export function secureContextFor(spec: ContextSpec): SecureContext {
  const key = `${spec.minVersion}|${spec.maxVersion}|${spec.ciphers}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = createSecureContext({ ...spec, ca: [] });
    if (contexts.size >= MAX_CONTEXTS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, ctx);
  }
  return ctx;
}

export interface HandshakeRequest {
  socket: Socket;
  /** SNI; null for IP literals (SNI must not carry an address). */
  servername: string | null;
  spec: ContextSpec;
  timeoutMs: number;
  requestOcsp?: boolean;
  alpn?: string[];
  /** Read the certificate chain (costs a JS object per certificate). */
  captureChain?: boolean;
  /** Hand the open TLS socket back (for an HTTP request); otherwise it is destroyed. */
  keepOpen?: boolean;
}

export interface HandshakeCapture {
  protocol: TlsVersion;
  cipher: string;
  kx: KeyExchangeInfo | null;
  alpn: string | null;
  /** DER, leaf first, as sent. Empty unless captureChain. */
  chain: Buffer[];
  ocsp: Buffer | null;
  ms: number;
  socket: TLSSocket | null;
}

interface PeerCert {
  raw: Buffer;
  issuerCertificate?: PeerCert;
}

function chainOf(socket: TLSSocket): Buffer[] {
  const chain: Buffer[] = [];
  let cert = socket.getPeerCertificate(true) as unknown as PeerCert | undefined;
  // Node links a self-signed certificate to itself; the empty store adds nothing unsent.
  while (cert?.raw && chain.length < 16) {
    if (chain.some((c) => c.equals(cert!.raw))) break;
    chain.push(cert.raw);
    cert = cert.issuerCertificate;
  }
  return chain;
}

function keyExchange(socket: TLSSocket, cipher: string): KeyExchangeInfo | null {
  const info = socket.getEphemeralKeyInfo();
  if (info && 'type' in info && info.type) {
    const type = info.type === 'ECDH' ? 'ECDH' : info.type === 'DH' ? 'DH' : 'unknown';
    return { type, group: info.name ?? null, bits: info.size ?? null };
  }
  // No ephemeral key: static RSA key transport (or something exotic we do not name).
  return /^(ECDHE|DHE|EDH|TLS_)/i.test(cipher) ? null : { type: 'RSA', group: null, bits: null };
}

/** Runs the handshake; network conditions come back as a failure, never as an exception. */
export function handshake(req: HandshakeRequest): Promise<Outcome<HandshakeCapture>> {
  return new Promise((resolve) => {
    const started = performance.now();
    let ocsp: Buffer | null = null;
    // requestOCSP is a documented tls.connect option that @types/node 20 lacks.
    const options: ConnectionOptions & { requestOCSP: boolean } = {
      socket: req.socket,
      secureContext: secureContextFor(req.spec),
      rejectUnauthorized: false,
      requestOCSP: req.requestOcsp ?? false,
      ...(req.servername ? { servername: req.servername } : {}),
      ...(req.alpn ? { ALPNProtocols: req.alpn } : {}),
    };
    const tlsSocket = connect(options);
    const timer = setTimeout(() => tlsSocket.destroy(new PhaseTimeout('tls', req.timeoutMs)), req.timeoutMs);
    const finish = (outcome: Outcome<HandshakeCapture>) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    tlsSocket.on('OCSPResponse', (der: Buffer) => (ocsp = der));
    tlsSocket.once('error', (err) => {
      tlsSocket.destroy();
      req.socket.destroy();
      finish(fail(classifyError(err, 'tls')));
    });
    tlsSocket.once('secureConnect', () => {
      const ms = performance.now() - started;
      const cipher = tlsSocket.getCipher().name;
      const protocol = TlsVersion.safeParse(tlsSocket.getProtocol());
      const capture: HandshakeCapture = {
        protocol: protocol.success ? protocol.data : 'TLSv1.2',
        cipher,
        kx: keyExchange(tlsSocket, cipher),
        alpn: typeof tlsSocket.alpnProtocol === 'string' ? tlsSocket.alpnProtocol : null,
        chain: req.captureChain ? chainOf(tlsSocket) : [],
        ocsp,
        ms,
        socket: req.keepOpen ? tlsSocket : null,
      };
      if (!req.keepOpen) tlsSocket.destroy();
      else {
        // The caller attaches its own handlers; this one keeps a late reset from crashing us.
        tlsSocket.removeAllListeners('error');
        tlsSocket.on('error', () => undefined);
      }
      finish(ok(capture));
    });
  });
}
