import { createTRPCClient, createWSClient, httpBatchLink, wsLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AppRouter } from '../src/trpc/router-type.ts';
import { startTestServer, type TestServer } from '@vigilo/tests/support/server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

describe('HTTP probes', () => {
  it('answers /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz 200 when the database is reachable and migrated', async () => {
    const res = await fetch(`${server.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, migrations: { ok: true } },
    });
  });

  it('serves Prometheus metrics, counting the requests it served', async () => {
    await fetch(`${server.url}/healthz`);
    const res = await fetch(`${server.url}/metrics`);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    const body = await res.text();
    expect(body).toMatch(/vigilo_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(body).toMatch(/vigilo_process_cpu_seconds_total/);
  });

  it('keeps a caller-supplied request id when it is well formed', async () => {
    const res = await fetch(`${server.url}/trpc/system.info`, { headers: { 'x-request-id': 'abc-123' } });
    expect(res.status).toBe(200);
  });
});

describe('readiness when the schema is behind', () => {
  let behind: TestServer;
  beforeAll(async () => {
    behind = await startTestServer({ migrateDb: false });
  });
  afterAll(async () => {
    await behind?.close();
  });

  it('answers /readyz 503 naming the migration gap', async () => {
    const res = await fetch(`${behind.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { migrations: { ok: boolean; detail: string } } };
    expect(body.checks.migrations.ok).toBe(false);
    expect(body.checks.migrations.detail).toMatch(/schema at 0, this build expects \d+/);
  });
});

describe('tRPC', () => {
  it('answers queries over HTTP', async () => {
    const client = createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: `${server.url}/trpc`, transformer: superjson })],
    });
    const info = await client.system.info.query();
    expect(info.version).toBe('test');
    expect(info.time).toBeInstanceOf(Date);
    expect(info.schema.applied).toBe(info.schema.latest);
  });

  it('streams subscriptions over WebSocket', async () => {
    const wsClient = createWSClient({
      url: `${server.url.replace('http', 'ws')}/trpc`,
      WebSocket: WebSocket as never,
    });
    const client = createTRPCClient<AppRouter>({
      links: [wsLink({ client: wsClient, transformer: superjson })],
    });
    try {
      const first = await new Promise<{ time: Date }>((resolve, reject) => {
        const sub = client.system.ticks.subscribe(undefined, {
          onData: (tick) => {
            sub.unsubscribe();
            resolve(tick);
          },
          onError: reject,
        });
      });
      expect(first.time).toBeInstanceOf(Date);
    } finally {
      await wsClient.close();
    }
  });

  it('answers an unknown procedure with a typed NOT_FOUND error', async () => {
    const res = await fetch(`${server.url}/trpc/system.nope`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { json: { data: { code: string } } } };
    expect(body.error.json.data.code).toBe('NOT_FOUND');
  });
});
