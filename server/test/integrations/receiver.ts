import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP receiver on 127.0.0.1 for transport tests. Each request takes the next scripted
 * behaviour (the last one repeats); every request is recorded with its exact raw body.
 */

export type Behaviour =
  | { respond: number; body?: string; headers?: Record<string, string> }
  /** Accept the request and never answer: the sender must time out. */
  | { hang: true };

export type ReceivedRequest = {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
};

export type Receiver = {
  url: string;
  requests: ReceivedRequest[];
  /** Replaces the script. */
  script(...behaviours: Behaviour[]): void;
  close(): Promise<void>;
};

export async function startReceiver(...initial: Behaviour[]): Promise<Receiver> {
  let script: Behaviour[] = initial.length > 0 ? initial : [{ respond: 200, body: 'ok' }];
  let served = 0;
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const behaviour = script[Math.min(served++, script.length - 1)]!;
      if ('hang' in behaviour) return;
      res.writeHead(behaviour.respond, behaviour.headers ?? {});
      res.end(behaviour.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/in`,
    requests,
    script: (...behaviours) => {
      script = behaviours;
      served = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        // Hanging requests would keep close() waiting forever.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A loopback URL where nothing listens: a port we bound and released. Another process could
 * grab it in between, but on loopback within a test that is vanishingly rare.
 */
export async function refusedUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/in`;
}
