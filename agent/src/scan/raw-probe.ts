/**
 * Sends one raw ClientHello on a connected socket and reads the server's first flight
 * (hello.ts), within a deadline. Always destroys the socket: a probe never completes a handshake.
 */
import type { Socket } from 'node:net';
import { classifyError, fail, ok, PhaseTimeout, type Outcome } from './failure.ts';
import { FlightParser, type ServerFlight } from './hello.ts';

export function sendHello(socket: Socket, hello: Buffer, timeoutMs: number): Promise<Outcome<ServerFlight>> {
  return new Promise((resolve) => {
    // SSL 2.0 records have the high bit of the first byte set; TLS records start with a type.
    const parser = new FlightParser((hello[0]! & 0x80) !== 0);
    let settled = false;
    const finish = (outcome: Outcome<ServerFlight>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => socket.destroy(new PhaseTimeout('tls', timeoutMs)), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      const flight = parser.push(chunk);
      if (flight) finish(ok(flight));
    });
    socket.on('error', (err) => finish(fail(classifyError(err, 'tls'))));
    socket.on('close', () => {
      // A server that hangs up after its ServerHello still told us its choice.
      const partial = parser.end();
      finish(
        partial
          ? ok(partial)
          : fail({
              reason: 'connection_reset',
              phase: 'tls',
              detail: 'connection closed after the ClientHello',
              code: null,
            }),
      );
    });
    socket.resume();
    socket.write(hello);
  });
}
