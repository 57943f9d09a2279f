import { createTestRedis, type TestRedis } from '@vigilo/tests/support/redis';
import { waitFor } from '@vigilo/tests/support/processes';
import { wsApi } from '@vigilo/tests/support/ws';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusEvent, createRedisBus } from '../../src/events/bus.ts';
import { startDispatcher } from '../../src/events/dispatcher.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { createWorld, type World } from '@vigilo/tests/support/world';

let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('live events', () => {
  it('streams a workspace’s committed events, in order, to a member over WebSocket', async () => {
    const dispatcher = startDispatcher({
      owner: world.server.services.db.owner,
      bus: world.server.services.bus,
      log: createLogger('silent'),
      autoStart: false,
    });
    await dispatcher.runOnce(); // the history so far, before anyone listens
    const { api, close } = wsApi(world.server.url, world.tokens.viewer!);
    const got: BusEvent[] = [];
    let onStarted = () => {};
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const done = new Promise<void>((resolve, reject) => {
      const sub = api.events.live.subscribe(
        { workspace: 'acme', types: ['workspace.*'] },
        {
          onStarted: () => onStarted(),
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
    // The server registers the subscription on its bus before it says it started.
    await started;
    const owner = world.client('owner');
    await owner.workspace.update.mutate({ workspace: 'acme', name: 'One' });
    await owner.workspace.update.mutate({ workspace: 'acme', name: 'Two' });
    await dispatcher.runOnce();
    await done;
    await close();
    expect(got.map((e) => [e.type, (e.payload as { name: string }).name])).toEqual([
      ['workspace.updated', 'One'],
      ['workspace.updated', 'Two'],
    ]);
    expect(got[1]!.seq).toBeGreaterThan(got[0]!.seq);
  });

  it('refuses the subscription to a non-member', async () => {
    const { api, close } = wsApi(world.server.url, world.tokens.outsider!);
    const error = await new Promise<unknown>((resolve) => {
      api.events.live.subscribe({ workspace: 'acme' }, { onData: () => {}, onError: resolve });
    });
    await close();
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
    // Subscribed once Redis counts a subscriber on the workspace's channel.
    await waitFor(
      'the Redis subscription',
      async () => {
        const [, n] = (await redis.client.pubsub('NUMSUB', `${redis.prefix}events:ws-1`)) as [string, number];
        return n > 0 || undefined;
      },
      5_000,
      20,
    );
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
