import type { Snapshot } from '@vigilo/shared/snapshot';
import { enrollAgent, type TestAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withWorkspace } from '../../src/db/tx.ts';
import { ensurePartitions } from '../../src/monitoring/ingest/ingest.ts';
import { storeBatch } from '../../src/monitoring/ingest/store-batch.ts';

/**
 * The certificate inventory ingest keeps: a certificate and its host link are inserted the first
 * time they are seen, and their last_seen moves only once it is an hour behind a scan (ingest
 * looks the rows up by key first and writes only new or stale ones).
 */
let world: World;
let agent: TestAgent;
const hosts: Array<{ id: string; hostname: string }> = [];
const HOUR = 3_600_000;
const t0 = Date.now() - 5 * HOUR;

beforeAll(async () => {
  world = await createWorld();
  agent = await enrollAgent(world);
  for (const hostname of ['inv0.internal', 'inv1.internal']) {
    const { id } = await world
      .client('member')
      .hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id });
    hosts.push({ id, hostname });
  }
});
afterAll(async () => {
  await world?.close();
});

const scan = (at: number, seeds: string[] = hosts.map((h) => h.hostname)) =>
  hosts.map((h, i) =>
    makeSnapshot({
      hostId: h.id,
      hostname: h.hostname,
      scannedAt: new Date(at),
      notAfter: new Date(t0 + 90 * 24 * HOUR + i),
      certSeed: seeds[i]!,
    }),
  );

async function store(snapshots: Snapshot[]) {
  await ensurePartitions(world.server.services.db.owner, snapshots);
  await withWorkspace(
    world.server.services.db.app,
    world.workspace.id,
    { actor: { type: 'agent', id: agent.id }, requestId: undefined },
    (tx) => storeBatch(tx, agent.id, snapshots, [], new Date()),
  );
}

/** Every certificate and host link of the workspace, with first and last seen as epoch ms. */
async function inventory() {
  const { rows } = await world.server.services.db.owner.query<{
    kind: string;
    host: string | null;
    fingerprint: string;
    first: number;
    last: number;
  }>(
    `SELECT 'certificate' AS kind, NULL AS host, fingerprint, (extract(epoch FROM first_seen) * 1000)::float8 AS first,
       (extract(epoch FROM last_seen) * 1000)::float8 AS last FROM certificates WHERE workspace_id = $1
     UNION ALL
     SELECT 'link', host_id::text, fingerprint, (extract(epoch FROM first_seen) * 1000)::float8,
       (extract(epoch FROM last_seen) * 1000)::float8 FROM host_certificates WHERE workspace_id = $1
     ORDER BY 1, 2, 3`,
    [world.workspace.id],
  );
  return rows;
}

describe('certificate inventory', () => {
  it('inserts new certificates and links, refreshes last_seen hourly, and adds a renewed certificate beside the old', async () => {
    await store(scan(t0));
    const first = await inventory();
    expect(first.filter((r) => r.kind === 'certificate')).toHaveLength(2);
    expect(first.filter((r) => r.kind === 'link')).toHaveLength(2);
    expect(first.every((r) => r.first === t0 && r.last === t0)).toBe(true);

    // Half an hour later: nothing is rewritten.
    await store(scan(t0 + HOUR / 2));
    expect(await inventory()).toEqual(first);

    // Two hours later: every last_seen moves to the scan, first_seen stays.
    await store(scan(t0 + 2 * HOUR));
    const later = await inventory();
    expect(later.map((r) => [r.kind, r.host, r.fingerprint, r.first])).toEqual(
      first.map((r) => [r.kind, r.host, r.fingerprint, r.first]),
    );
    expect(later.every((r) => r.last === t0 + 2 * HOUR)).toBe(true);

    // The first host's certificate is renewed: a new certificate and link, the old ones kept.
    await store(scan(t0 + 2 * HOUR + 60_000, ['inv0.internal-renewed', hosts[1]!.hostname]));
    const renewed = await inventory();
    const added = renewed.filter(
      (r) => !later.some((o) => o.kind === r.kind && o.fingerprint === r.fingerprint),
    );
    expect(added.map((r) => [r.kind, r.host])).toEqual([
      ['certificate', null],
      ['link', hosts[0]!.id],
    ]);
    expect(added.every((r) => r.first === t0 + 2 * HOUR + 60_000)).toBe(true);
    expect(renewed.filter((r) => !added.includes(r))).toEqual(later);
  });
});
