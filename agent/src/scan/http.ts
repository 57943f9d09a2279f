/**
 * HSTS for HTTPS endpoints: one `HEAD /` over the TLS connection the main handshake opened, so
 * checking the header costs no extra handshake. Only the status line and headers are read.
 */
import type { TLSSocket } from 'node:tls';
import type { HstsInfo, HttpInfo } from '@vigilo/shared/snapshot';

const NO_HSTS: HstsInfo = {
  present: false,
  max_age: null,
  include_subdomains: false,
  preload: false,
  raw: null,
};
const MAX_HEADER_BYTES = 64 * 1024;

/** Parses a Strict-Transport-Security value (RFC 6797 §6.1); a bad max-age counts as absent. */
export function parseHsts(raw: string | null): HstsInfo {
  if (raw === null) return NO_HSTS;
  const directives = raw.split(';').map((d) => d.trim().toLowerCase());
  const maxAge = directives.map((d) => /^max-age\s*=\s*"?(\d+)"?$/.exec(d)?.[1]).find((v) => v !== undefined);
  return {
    present: true,
    max_age: maxAge === undefined ? null : Number(maxAge),
    include_subdomains: directives.includes('includesubdomains'),
    preload: directives.includes('preload'),
    raw,
  };
}

/** Sends `HEAD /` and reads the answer's head. Consumes (and finally destroys) the socket. */
export function fetchHttpInfo(
  socket: TLSSocket,
  host: string,
  timeoutMs: number,
): Promise<{ info: HttpInfo; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    let buffer = Buffer.alloc(0);
    let done = false;
    const finish = (info: HttpInfo) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ info, ms: performance.now() - started });
    };
    const failWith = (error: string) => finish({ status: null, hsts: NO_HSTS, error });
    const timer = setTimeout(() => failWith(`no HTTP answer within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const end = buffer.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffer.length > MAX_HEADER_BYTES) failWith('HTTP headers too large');
        return;
      }
      const [statusLine = '', ...headerLines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
      const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1];
      if (!status) return failWith(`not an HTTP answer: ${JSON.stringify(statusLine.slice(0, 80))}`);
      // Per RFC 6797 §8.1 only the first Strict-Transport-Security header counts.
      const sts = headerLines.find((l) => /^strict-transport-security\s*:/i.test(l));
      const value = sts ? sts.slice(sts.indexOf(':') + 1).trim() : null;
      finish({ status: Number(status), hsts: parseHsts(value), error: null });
    });
    socket.on('error', (err: Error) => failWith(err.message));
    socket.on('close', () => failWith('connection closed before the HTTP answer'));
    socket.resume();
    socket.write(
      `HEAD / HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: vigilo-agent\r\nAccept: */*\r\nConnection: close\r\n\r\n`,
    );
  });
}
