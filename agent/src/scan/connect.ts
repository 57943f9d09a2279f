/**
 * DNS and TCP, each with its own deadline. Separate from TLS so a failure names its phase:
 * "nothing listens" (tcp_refused) and "the TLS peer said no" (tls_alert) need different fixes.
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, Socket } from 'node:net';
import { classifyError, fail, ok, PhaseTimeout, type Outcome } from './failure.ts';

/** Resolves a name to one address; injectable so callers can pin names (e.g. --resolve). */
export type Resolver = (hostname: string) => Promise<string>;

/** The system resolver (getaddrinfo, so /etc/hosts applies), IPv4 first like most clients. */
export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { verbatim: false }, (err, address) => (err ? reject(err) : resolve(address)));
  });

/** Resolves `hostname` (IP literals pass straight through) within `timeoutMs`. */
export async function resolveAddress(
  hostname: string,
  timeoutMs: number,
  resolver: Resolver,
): Promise<Outcome<{ address: string; ms: number }>> {
  if (isIP(hostname)) return ok({ address: hostname, ms: 0 });
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const address = await Promise.race([
      resolver(hostname),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PhaseTimeout('dns', timeoutMs)), timeoutMs);
      }),
    ]);
    return ok({ address, ms: performance.now() - started });
  } catch (err) {
    return fail(classifyError(err, 'dns'));
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a TCP connection within `timeoutMs`; the socket is returned connected and paused. */
export function openTcp(
  address: string,
  port: number,
  timeoutMs: number,
): Promise<Outcome<{ socket: Socket; ms: number }>> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = new Socket();
    const timer = setTimeout(() => socket.destroy(new PhaseTimeout('tcp', timeoutMs)), timeoutMs);
    const onError = (err: Error) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(fail(classifyError(err, 'tcp')));
    };
    socket.once('error', onError);
    socket.connect({ host: address, port }, () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(ok({ socket, ms: performance.now() - started }));
    });
  });
}
