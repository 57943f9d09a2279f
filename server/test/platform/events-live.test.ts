import { createTRPCClient, createWSClient, wsLink } from '@trpc/client';
import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { Redis } from 'ioredis';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type BusEvent, createRedisBus } from '../../src/events/bus.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';
import type { AppRouter } from '../../src/trpc/router-type.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

function wsClient(token: string) {
  const client = createWSClient({
    url: `${world.server.url.replace('http', 'ws')}/trpc`,
    WebSocket: WebSocket as never,
    connectionParams: { token },
  });
  return {
    client,
    api: createTRPCClient<AppRouter>({ links: [wsLink({ client, transformer: superjson })] }),
  };
}

describe('live events', () => {
  it('streams a workspace’s committed events, in order, to a member over WebSocket', async () => {
    const dispatcher = startDispatcher({
      owner: world.server.services.db.owner,
      bus: world.server.services.bus,
      log: createLogger('silent'),
      autoStart: false,
    });
    await dispatcher.runOnce(); // the history so far, before anyone listens
    const { client, api } = wsClient(world.tokens.viewer!);
    const got: BusEvent[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const sub = api.events.live.subscribe(
        { workspace: 'acme', types: ['workspace.*'] },
        {
          onData: (event) => {
            got.push(event);
            if (got.length === 2) {
              sub.unsubscribe();
              resolve();
            }
          },
          onError: reject,
        },
      );
    });
    // Give the subscription a moment to be registered before the events are dispatched.
    await new Promise((r) => setTimeout(r, 300));
    const owner = world.client('owner');
    await owner.workspace.update.mutate({ workspace: 'acme', name: 'One' });
    await owner.workspace.update.mutate({ workspace: 'acme', name: 'Two' });
    await dispatcher.runOnce();
    await done;
    await client.close();
    expect(got.map((e) => [e.type, (e.payload as { name: string }).name])).toEqual([
      ['workspace.updated', 'One'],
      ['workspace.updated', 'Two'],
    ]);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
  });

  it('refuses the subscription to a non-member', async () => {
    const { client, api } = wsClient(world.tokens.outsider!);
    const error = await new Promise<unknown>((resolve) => {
      api.events.live.subscribe({ workspace: 'acme' }, { onData: () => {}, onError: resolve });
    });
    await client.close();
    expect(error).toMatchObject({ data: { code: 'NOT_FOUND' } });
  });
});

describe('the Redis event bus', () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await createTestRedis('bus');
  });
  afterAll(async () => {
    await redis?.cleanup();
  });

  it('fans an event out to subscribers in other processes (separate connections)', async () => {
    const make = () => createRedisBus(new Redis(redis.url), new Redis(redis.url), redis.prefix);
    const publisherSide = make();
    const subscriberSide = make();
    const controller = new AbortController();
    const received: BusEvent[] = [];
    const iterator = subscriberSide.subscribe('ws-1', controller.signal)[Symbol.asyncIterator]();
    const first = iterator.next();
    await new Promise((r) => setTimeout(r, 200));
    const event: BusEvent = {
      workspaceId: 'ws-1',
      seq: 7,
      type: 'alert.opened',
      payload: { host: 'a' },
      occurredAt: new Date().toISOString(),
    };
    await publisherSide.publish({ ...event, workspaceId: 'ws-2' }); // another workspace: not delivered
    await publisherSide.publish(event);
    received.push((await first).value as BusEvent);
    controller.abort();
    await Promise.all([publisherSide.close(), subscriberSide.close()]);
    expect(received).toEqual([event]);
  });
});
