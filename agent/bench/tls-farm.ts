/**
 * The scanned side of the benchmark, in its own process so its CPU is measured apart from the
 * scanner's: N TLS listeners on loopback (TLS 1.2 + 1.3, HSTS on HTTP requests).
 * Protocol on stdin/stdout (IPC): receives {count, key, cert}; sends {ports}; answers 'cpu' with
 * process.cpuUsage().
 */
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:tls';

interface Setup {
  count: number;
  key: string;
  cert: string;
}

process.once('message', (setup: Setup) => {
  void (async () => {
    const ports: number[] = [];
    for (let i = 0; i < setup.count; i++) {
      const server = createServer({ key: setup.key, cert: setup.cert, minVersion: 'TLSv1.2' }, (socket) => {
        socket.on('error', () => undefined);
        socket.once('data', () =>
          socket.end(
            'HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
          ),
        );
        socket.setTimeout(5000, () => socket.destroy());
      });
      server.on('tlsClientError', () => undefined);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 4096, resolve));
      ports.push((server.address() as AddressInfo).port);
    }
    process.send!({ ports });
    process.on('message', (msg) => {
      if (msg === 'cpu') process.send!({ cpu: process.cpuUsage() });
      if (msg === 'exit') process.exit(0);
    });
  })();
});
