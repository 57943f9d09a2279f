import type { Snapshot } from '@vigilo/shared/snapshot';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeGroup } from '../../src/monitoring/ingest/ingest.ts';

/**
 * The snapshot insert sends every body of a group in one text, split in Postgres on a separator
 * (store-batch.ts): a body must come back exactly as sent, whatever its strings hold, and the
 * columns beside it must be the body's own facts, row for row.
 */
let world: World;
let agent: TestAgent;
const hosts: Array<{ id: string; hostname: string }> = [];

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
  for (const hostname of ['body-a.internal', 'body-b.internal', 'body-c.internal']) {
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
    hosts.push({ id, hostname });
  }
});
afterAll(async () => {
  await world?.close();
});

describe('stored snapshot bodies', () => {
  it('come back exactly as sent, separators and escapes included, with their columns', async () => {
    const odd = makeSnapshot({ hostId: hosts[0]!.id, hostname: hosts[0]!.hostname, grade: 'B' });
    // The separator itself, quotes, backslashes, non-ASCII and a character outside the BMP (NUL
    // is refused at the boundary: safe-input.ts).
    odd.tls!.chain[0]!.subject = 'CN=a\u001eb\u001f "q" \\ back\\slash, é, 漢字, 🔒';
    const down = makeSnapshot({ hostId: hosts[1]!.id, hostname: hosts[1]!.hostname, reachable: false });
    const plain = makeSnapshot({ hostId: hosts[2]!.id, hostname: hosts[2]!.hostname });
    const snapshots: Snapshot[] = [odd, down, plain];
    const [stored] = await writeGroup(
      world.server.services.db,
      [
        {
          agentId: agent.id,
          workspaceId: world.workspace.id,
          batchId: uuidv7(),
          snapshots,
          losses: [],
          receivedAt: new Date().toISOString(),
        },
      ],
      new Date(),
    );
    expect(stored?.accepted.sort()).toEqual(snapshots.map((s) => s.id).sort());

    const { rows } = await world.server.services.db.owner.query<{
      id: string;
      host_id: string;
      reachable: boolean;
      grade: string | null;
      not_after: Date | null;
      fingerprint: string | null;
      handshake_ms: number | null;
      scanned_at: Date;
      body: string;
    }>(
      `SELECT id, host_id, reachable, grade, not_after, fingerprint, handshake_ms, scanned_at, body::text AS body
       FROM snapshots WHERE id = ANY($1)`,
      [snapshots.map((s) => s.id)],
    );
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      const sent = snapshots.find((s) => s.id === row.id)!;
      expect(JSON.parse(row.body)).toEqual(sent);
      expect(row).toMatchObject({
        host_id: sent.target.host_id,
        reachable: sent.reachability.state === 'reachable',
        grade: sent.grade?.grade ?? null,
        fingerprint: sent.tls?.chain[0]?.fingerprint_sha256 ?? null,
      });
      expect(row.scanned_at.toISOString()).toBe(sent.scanned_at);
      expect(row.not_after?.toISOString() ?? null).toBe(
        sent.tls?.chain[0]?.not_after ? new Date(sent.tls.chain[0].not_after).toISOString() : null,
      );
      if (sent.latency.tls_ms === null) expect(row.handshake_ms).toBeNull();
      else expect(row.handshake_ms).toBeCloseTo(sent.latency.tls_ms, 2);
    }
    const back = rows.find((r) => r.id === odd.id)!;
    expect((JSON.parse(back.body) as Snapshot).tls!.chain[0]!.subject).toBe(odd.tls!.chain[0]!.subject);
  });
});
