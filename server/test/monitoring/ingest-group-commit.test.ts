import { randomUUID } from 'node:crypto';
import type { Snapshot } from '@vigilo/shared/snapshot';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDirectSink } from '../../src/monitoring/ingest/direct-sink.ts';

/**
 * Single-machine mode's group commit: batches of one agent arriving while its transactions run
 * share the next transaction; a failing group is written again one batch per transaction, so each
 * request gets its own answer.
 */
let world: World;
let agent: TestAgent;
let host: { id: string; hostname: string };

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
  const hostname = 'gc.internal';
  const { id } = await world
    .client('member')
    .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
  host = { id, hostname };
});
afterAll(async () => {
  await world?.close();
});

const batch = (snapshots: Snapshot[]) => ({
  agentId: agent.id,
  workspaceId: world.workspace.id,
  batchId: uuidv7(),
  snapshots,
  losses: [],
  receivedAt: new Date().toISOString(),
});
const good = () => [makeSnapshot({ hostId: host.id, hostname: host.hostname })];

const transactionsOf = async (snapshots: Snapshot[]) =>
  (
    await world.server.services.db.owner.query<{ n: number; tx: number }>(
      // received_at is the transaction's start: one value per transaction that stored them.
      'SELECT count(*)::int AS n, count(DISTINCT received_at)::int AS tx FROM snapshots WHERE id = ANY($1)',
      [snapshots.map((s) => s.id)],
    )
  ).rows[0]!;

describe('single-machine group commit', () => {
  it('stores batches that arrive together in fewer transactions, each answered with its own ids', async () => {
    const sink = createDirectSink(world.server.services.db, () => new Date(), { concurrency: 1 });
    const batches = Array.from({ length: 6 }, () => batch(good()));
    const outcomes = await Promise.all(batches.map((b) => sink.submit(b)));
    outcomes.forEach((o, i) =>
      expect(o).toEqual({
        kind: 'stored',
        result: { accepted: [batches[i]!.snapshots[0]!.id], duplicate: [], lossesRecorded: [] },
      }),
    );
    // The first goes alone; the five that waited for it share one transaction.
    expect(await transactionsOf(batches.flatMap((b) => b.snapshots))).toEqual({ n: 6, tx: 2 });
    // Sent again, all of them are duplicates, answered per batch.
    const again = await Promise.all(batches.map((b) => sink.submit(b)));
    expect(again.map((o) => (o.kind === 'stored' ? o.result.duplicate.length : -1))).toEqual([
      1, 1, 1, 1, 1, 1,
    ]);
    await sink.close();
  });

  it('falls back to one batch per transaction when a group fails: only the bad batch fails', async () => {
    const sink = createDirectSink(world.server.services.db, () => new Date(), { concurrency: 1 });
    // A host the database does not know: its status row breaks a foreign key.
    const bad = batch([makeSnapshot({ hostId: randomUUID(), hostname: 'ghost.internal' })]);
    const batches = [batch(good()), batch(good()), bad, batch(good())];
    const outcomes = await Promise.allSettled(batches.map((b) => sink.submit(b)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const goodOnes = batches.filter((b) => b !== bad).flatMap((b) => b.snapshots);
    expect((await transactionsOf(goodOnes)).n).toBe(3);
    expect((await transactionsOf(bad.snapshots)).n).toBe(0);
    await sink.close();
  });
});
