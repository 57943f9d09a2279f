import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWebhookSecret } from '../../src/integrations/webhook-signature.ts';

/**
 * VIGILO_DELIVERY_LEASE_MS reaches the delivery worker the runtime starts: while an attempt is in
 * flight its delivery is leased for that long, which is how long a delivery whose process died
 * mid-attempt waits before another worker sends it again.
 */
const LEASE_MS = 25_000;
let world: World;
beforeAll(async () => {
  world = await createWorld({ background: true, env: { VIGILO_DELIVERY_LEASE_MS: String(LEASE_MS) } });
});
afterAll(async () => {
  await world?.close();
});

describe('the delivery lease', () => {
  it('leases a delivery in flight for the configured time', async () => {
    const sockets = new Set<Socket>();
    let arrived = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    // Never answers: the attempt stays in flight until the test ends it.
    const receiver = http.createServer(() => arrived());
    receiver.on('connection', (s) => sockets.add(s));
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    try {
      const owner = world.client('owner');
      const channel = await owner.channels.create.mutate({
        workspace: 'acme',
        name: 'slow hook',
        type: 'webhook',
        config: { url: `http://127.0.0.1:${port}/hook`, secret: generateWebhookSecret() },
        eventTypes: ['api_token.*'],
      });
      // The runtime's dispatcher hears the event and its delivery worker sends it.
      await owner.apiTokens.create.mutate({ workspace: 'acme', name: 'deploy bot', role: 'member' });
      await inFlight;
      const { rows } = await world.server.services.db.owner.query<{
        next_attempt_at: Date;
        attempts: number;
      }>("SELECT next_attempt_at, attempts FROM deliveries WHERE channel_id = $1 AND status = 'pending'", [
        channel.id,
      ]);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.attempts).toBe(1);
      // Claimed moments ago for LEASE_MS; the default lease (60 s) would leave far more.
      const left = rows[0]!.next_attempt_at.getTime() - Date.now();
      expect(left).toBeLessThanOrEqual(LEASE_MS);
      expect(left).toBeGreaterThan(LEASE_MS - 10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
