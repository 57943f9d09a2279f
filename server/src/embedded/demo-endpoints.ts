// The demo's TLS endpoints: small HTTPS servers on loopback, each showing one thing the product
// finds. They run inside the server process while their demo hosts exist (demo-setup.ts).
import https from 'node:https';
import type { SecureVersion } from 'node:tls';
import { type DemoCa, issueDemoLeaf, type LeafSpec } from './demo-certificates.ts';

const DAY = 86_400_000;
/** Where the endpoints listen; the demo hosts name it `localhost` (the agent tries IPv4 first). */
export const DEMO_ADDRESS = '127.0.0.1';
export const DEMO_HOSTNAME = 'localhost';

export const DEMO_KINDS = ['good', 'expiring', 'weak-tls', 'wrong-name'] as const;
export type DemoKind = (typeof DEMO_KINDS)[number];

export type DemoEndpointSpec = {
  /** The host's tag besides `demo`: how a person tells the demo hosts apart in the lists. */
  tag: string;
  /** Tried first on the first start, so the demo hosts have the same ports on most machines. */
  preferredPort: number;
  /** What the endpoint shows and what the product should make of it (printed at first start). */
  summary: string;
  expected: string;
  leaf: (now: Date) => Omit<LeafSpec, 'notAfter'> & { notAfter: Date };
  tls: { minVersion: SecureVersion; maxVersion: SecureVersion; ciphers?: string };
  /** HSTS earns A+ on an otherwise good configuration. */
  hsts: boolean;
};

const LOCAL_NAMES = { dnsNames: [DEMO_HOSTNAME], ips: [DEMO_ADDRESS] };

export const DEMO_ENDPOINTS: Record<DemoKind, DemoEndpointSpec> = {
  good: {
    tag: 'demo-good',
    preferredPort: 7441,
    summary: 'a well-configured endpoint (TLS 1.2 and 1.3, HSTS)',
    expected: 'grade A+, no alert',
    leaf: (now) => ({
      commonName: 'Vigilo demo: good',
      ...LOCAL_NAMES,
      notAfter: new Date(now.getTime() + 90 * DAY),
      key: 'ec',
    }),
    tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
    hsts: true,
  },
  expiring: {
    tag: 'demo-expiring',
    preferredPort: 7442,
    summary: 'a good configuration whose certificate expires in 5 days',
    expected: 'grade A+, alerts "expires within 30 days" and "within 7 days"',
    leaf: (now) => ({
      commonName: 'Vigilo demo: expiring',
      ...LOCAL_NAMES,
      // Half a day past five: days left count whole days down, so it reads "5 d left" all morning.
      notAfter: new Date(now.getTime() + 5.5 * DAY),
      key: 'ec',
    }),
    tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
    hsts: true,
  },
  'weak-tls': {
    tag: 'demo-weak-tls',
    preferredPort: 7443,
    summary: 'TLS 1.0 and 1.1 only, with CBC suites and no forward secrecy',
    expected: 'grade C, alert "grade below B"',
    // An RSA key: the static-RSA suites below cannot be served with an EC one.
    leaf: (now) => ({
      commonName: 'Vigilo demo: weak TLS',
      ...LOCAL_NAMES,
      notAfter: new Date(now.getTime() + 90 * DAY),
      key: 'rsa',
    }),
    // OpenSSL 3 still serves TLS 1.0/1.1 at security level 0; RC4 and 3DES are gone from its
    // default provider, so static-RSA AES-CBC suites are the weakest it offers.
    tls: { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'AES128-SHA:AES256-SHA:@SECLEVEL=0' },
    hsts: false,
  },
  'wrong-name': {
    tag: 'demo-wrong-name',
    preferredPort: 7444,
    summary: 'a certificate issued for another name (wrong-name.demo.vigilo.invalid)',
    expected: 'grade M, alerts "does not match the hostname" and "grade below B"',
    leaf: (now) => ({
      commonName: 'wrong-name.demo.vigilo.invalid',
      dnsNames: ['wrong-name.demo.vigilo.invalid'],
      ips: [],
      notAfter: new Date(now.getTime() + 90 * DAY),
      key: 'ec',
    }),
    tls: { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' },
    hsts: true,
  },
};

export type RunningEndpoint = { kind: DemoKind; port: number; close(): Promise<void> };

/**
 * Starts one endpoint on `port`, or, when `fallbackToAny` and the port is taken, on any free one.
 * Resolves undefined when the port is taken and no fallback is allowed (the caller says so).
 */
export async function startDemoEndpoint(opts: {
  kind: DemoKind;
  ca: DemoCa;
  port: number;
  fallbackToAny: boolean;
  now: Date;
}): Promise<RunningEndpoint | undefined> {
  const spec = DEMO_ENDPOINTS[opts.kind];
  const leaf = await issueDemoLeaf(opts.ca, spec.leaf(opts.now), opts.now);
  const server = https.createServer(
    {
      cert: leaf.certPem,
      key: leaf.keyPem,
      minVersion: spec.tls.minVersion,
      maxVersion: spec.tls.maxVersion,
      ...(spec.tls.ciphers ? { ciphers: spec.tls.ciphers } : {}),
    },
    (req, res) => {
      if (spec.hsts) res.setHeader('strict-transport-security', 'max-age=31536000');
      res.setHeader('content-type', 'text/plain; charset=utf-8');
      res.end(`Vigilo demo endpoint "${opts.kind}": ${spec.summary}.\nExpected: ${spec.expected}.\n`);
    },
  );
  // A scanner that stalls must not keep a socket (or the server's stop) waiting.
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  // Probes that fail their handshake on purpose are the point of the weak endpoint, not news.
  server.on('tlsClientError', () => {});
  let port = await listen(server, opts.port);
  if (port === undefined && opts.fallbackToAny) port = await listen(server, 0);
  if (port === undefined) return undefined;
  return {
    kind: opts.kind,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The bound port, or undefined when `port` is in use. */
function listen(server: https.Server, port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
      else reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(address && typeof address === 'object' ? address.port : undefined);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host: DEMO_ADDRESS, port, exclusive: true });
  });
}
