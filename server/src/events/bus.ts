import { EventEmitter, on } from 'node:events';
import type { Redis } from 'ioredis';

/** A committed event as subscribers see it. */
export type BusEvent = {
  workspaceId: string;
  seq: number;
  type: string;
  payload: unknown;
  occurredAt: string;
};

/**
 * Live fan-out of committed events to subscribers in this process (tRPC subscriptions). The
 * dispatcher publishes; with Redis, every server process's subscribers receive it.
 */
export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  /** Events of one workspace until the signal aborts. */
  subscribe(workspaceId: string, signal: AbortSignal): AsyncIterable<BusEvent>;
  close(): Promise<void>;
}

/** Single-machine mode: everything in one process. */
export function createMemoryBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    publish: (event) => {
      emitter.emit(event.workspaceId, event);
      return Promise.resolve();
    },
    subscribe: (workspaceId, signal) => iterate(emitter, workspaceId, signal),
    close: () => Promise.resolve(),
  };
}

/**
 * Scaled mode: Redis pub/sub on `<prefix>events:<workspace>`. One subscriber connection per
 * process, re-emitted locally, so many WebSocket subscribers cost one Redis subscription per
 * workspace, not one each.
 */
export function createRedisBus(publisher: Redis, subscriber: Redis, prefix = 'vigilo:'): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const channel = (ws: string) => `${prefix}events:${ws}`;
  const counts = new Map<string, number>();
  subscriber.on('message', (ch: string, message: string) => {
    const event = JSON.parse(message) as BusEvent;
    if (ch === channel(event.workspaceId)) emitter.emit(event.workspaceId, event);
  });
  return {
    publish: async (event) => {
      await publisher.publish(channel(event.workspaceId), JSON.stringify(event));
    },
    subscribe: (workspaceId, signal) => {
      const n = counts.get(workspaceId) ?? 0;
      counts.set(workspaceId, n + 1);
      const ready = n === 0 ? subscriber.subscribe(channel(workspaceId)) : Promise.resolve();
      signal.addEventListener('abort', () => {
        const left = (counts.get(workspaceId) ?? 1) - 1;
        counts.set(workspaceId, left);
        if (left === 0) subscriber.unsubscribe(channel(workspaceId)).catch(() => {});
      });
      return (async function* () {
        const events = iterate(emitter, workspaceId, signal);
        await ready;
        yield* events;
      })();
    },
    close: () => {
      subscriber.disconnect();
      publisher.disconnect();
      return Promise.resolve();
    },
  };
}

async function* iterate(
  emitter: EventEmitter,
  workspaceId: string,
  signal: AbortSignal,
): AsyncGenerator<BusEvent> {
  try {
    for await (const [event] of on(emitter, workspaceId, { signal })) yield event as BusEvent;
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
}
