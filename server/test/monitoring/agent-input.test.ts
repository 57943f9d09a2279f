import { AGENT_PATHS } from '@vigilo/shared/agent-protocol';
import type { Snapshot } from '@vigilo/shared/snapshot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREDENTIAL_FAILURE_POLICY } from '../../src/identity/rate-limit.ts';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot, uuidv7 } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

/**
 * What the agent API refuses in a body it did read: each refusal is a typed 4xx naming the field
 * (never a 500 with a database message), and refusing a batch stores none of it.
 */
const DAY = 86_400_000;
let offsetMs = 0;
/** The server's clock: real time plus an offset the rate-limit test moves. */
const clock = () => new Date(Date.now() + offsetMs);
let world: World;
const acme = { token: '', hostId: '', spareHostId: '' };
const other = { token: '', hostId: '' };

const enrollIn = async (workspace: 'acme' | 'other', who: string) => {
  const { token } = await world
    .client(who)
    .agents.createEnrollmentToken.mutate({ workspace, name: `${workspace}-agent` });
  const res = await enroll({ token, name: `${workspace}-scanner`, agent_version: 't', platform: 'linux' });
  expect(res.status).toBe(201);
  return (await res.json()) as { agent_id: string; agent_token: string };
};

const enroll = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${world.server.url}${AGENT_PATHS.enroll}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const push = (token: string, snapshots: unknown[], extra: Record<string, unknown> = {}) =>
  fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      batch_id: uuidv7(),
      agent_version: 't',
      sent_at: clock().toISOString(),
      snapshots,
      ...extra,
    }),
  });

type ErrorBody = { error: { code: string; message: string; issues: Array<{ path: string }> } };
const refusal = async (res: Response, status: number) => {
  const body = (await res.json()) as ErrorBody;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(JSON.stringify(body)).not.toMatch(/stack|invalid byte sequence|out of range|node_modules/);
  return body.error;
};

const owner = () => world.server.services.db.owner;
const stored = async (ids: string[]) =>
  (await owner().query<{ n: number }>('SELECT count(*)::int AS n FROM snapshots WHERE id = ANY($1)', [ids]))
    .rows[0]?.n;
const snap = (o: Partial<Parameters<typeof makeSnapshot>[0]> = {}) =>
  makeSnapshot({ hostId: acme.hostId, hostname: 'in.internal', scannedAt: clock(), ...o });
/** A valid snapshot with one field replaced (by a dotted path into its JSON). */
const withField = (s: Snapshot, path: string, value: unknown): unknown => {
  const copy = structuredClone(s) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let at = copy;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys.at(-1)!] = value;
  return copy;
};

beforeAll(async () => {
  world = await createWorld({ clock });
  const agent = await enrollAgent(world, 'acme-scanner');
  acme.token = agent.token;
  const admin = world.client('admin');
  for (const [key, hostname] of [
    ['hostId', 'in.internal'],
    ['spareHostId', 'spare.internal'],
  ] as const)
    acme[key] = (
      await admin.hosts.add.mutate({ workspace: 'acme', hostname, port: 443, agentId: agent.id })
    ).id;
  const theirs = await enrollIn('other', 'outsider');
  other.token = theirs.agent_token;
  other.hostId = (
    await world.client('outsider').hosts.add.mutate({
      workspace: 'other',
      hostname: 'theirs.internal',
      port: 443,
      agentId: theirs.agent_id,
    })
  ).id;
});
afterAll(async () => {
  await world?.close();
});

describe('bodies that are not JSON', () => {
  it('answer a typed 415, not a 500', async () => {
    for (const type of ['text/xml', 'text/plain', 'application/x-www-form-urlencoded']) {
      const res = await fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${acme.token}`, 'content-type': type },
        body: '<batch/>',
      });
      expect((await refusal(res, 415)).code).toBe('unsupported_media_type');
    }
    const brotli = await push(acme.token, []).then(() =>
      fetch(`${world.server.url}${AGENT_PATHS.snapshots}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${acme.token}`,
          'content-type': 'application/json',
          'content-encoding': 'br',
        },
        body: '{}',
      }),
    );
    expect((await refusal(brotli, 415)).code).toBe('unsupported_media_type');
    const gzippedEnroll = await enroll({}, { 'content-encoding': 'gzip' });
    expect((await refusal(gzippedEnroll, 415)).code).toBe('unsupported_media_type');
  });
});

describe('snapshot times', () => {
  it('refuse year 0000 anywhere in a snapshot as a 400 naming it, and store nothing of the batch', async () => {
    const good = snap();
    for (const [path, value] of [
      ['scanned_at', '0000-06-01T00:00:00Z'],
      ['tls.chain.0.not_before', '0000-01-01T00:00:00Z'],
    ] as const) {
      const error = await refusal(await push(acme.token, [good, withField(snap(), path, value)]), 400);
      expect(error.issues.map((i) => i.path)).toContain(`snapshots.1.${path}`);
    }
    const loss = {
      id: uuidv7(),
      dropped: 1,
      oldest_scanned_at: '0000-01-01T00:00:00Z',
      newest_scanned_at: null,
      reason: 'spool_full',
    };
    const error = await refusal(await push(acme.token, [good], { losses: [loss] }), 400);
    expect(error.issues.map((i) => i.path)).toContain('losses.0.oldest_scanned_at');
    expect(await stored([good.id])).toBe(0);
  });

  it('refuse scans more than a day ahead of the server clock or older than the retention, naming them', async () => {
    const retentionDays = world.server.services.config.snapshotRetentionDays;
    const ahead = snap({ scannedAt: new Date(clock().getTime() + DAY + 3_600_000) });
    const old = snap({ scannedAt: new Date(clock().getTime() - (retentionDays + 1) * DAY) });
    const fine = snap();
    const error = await refusal(await push(acme.token, [fine, ahead, old]), 400);
    expect(error.message).toMatch(/^snapshot 1: .*ahead of the server's clock.*nothing was stored/);
    expect(error.issues.map((i) => i.path)).toEqual(['snapshots.1.scanned_at', 'snapshots.2.scanned_at']);
    expect(await stored([fine.id, ahead.id, old.id])).toBe(0);
    // A clock a few hours fast is an agent's ordinary drift.
    const skewed = snap({ hostId: acme.spareHostId, scannedAt: new Date(clock().getTime() + 3 * 3_600_000) });
    expect((await push(acme.token, [skewed])).status).toBe(200);
  });

  it('refuse a batch spread over 24 future months without creating a partition', async () => {
    const partitions = async () =>
      (
        await owner().query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'snapshots'::regclass",
        )
      ).rows[0]?.n;
    const before = await partitions();
    const months = Array.from({ length: 24 }, (_, i) =>
      snap({ scannedAt: new Date(Date.UTC(clock().getUTCFullYear(), clock().getUTCMonth() + i + 1, 15)) }),
    );
    const error = await refusal(await push(acme.token, months), 400);
    expect(error.issues[0]?.path).toBe('snapshots.0.scanned_at');
    expect(await partitions()).toBe(before);
  });

  it('never let a snapshot dated 9999-12-31 become the host status: later real scans do', async () => {
    const status = async () =>
      (
        await owner().query<{ scanned_at: Date }>('SELECT scanned_at FROM host_status WHERE host_id = $1', [
          acme.hostId,
        ])
      ).rows[0]?.scanned_at.toISOString();
    const end = new Date('9999-12-31T23:59:59.000Z');
    const doomsday = snap({ scannedAt: end, notAfter: end });
    expect((await refusal(await push(acme.token, [doomsday]), 400)).issues[0]?.path).toBe(
      'snapshots.0.scanned_at',
    );
    const real = snap();
    expect((await push(acme.token, [real])).status).toBe(200);
    expect(await status()).toBe(real.scanned_at);
  });
});

describe('NUL characters', () => {
  it('are a 400 naming the field wherever they are in a snapshot, and nothing is stored', async () => {
    for (const path of [
      'target.hostname',
      'reachability.detail',
      'tls.chain.0.subject',
      'tls.chain.0.sans.0',
    ]) {
      const good = snap();
      const res = await push(acme.token, [good, withField(snap(), path, 'a\u0000b')]);
      const error = await refusal(res, 400);
      expect(error.issues.map((i) => i.path)).toContain(`snapshots.1.${path}`);
      expect(await stored([good.id])).toBe(0);
    }
  });

  it('are a 400 naming the field of an enrollment', async () => {
    const { token } = await world
      .client('admin')
      .agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'nul' });
    const error = await refusal(
      await enroll({ token, name: 'scan\u0000ner', agent_version: 't', platform: 'linux' }),
      400,
    );
    expect(error.issues.map((i) => i.path)).toEqual(['name']);
  });
});

describe('snapshot ids', () => {
  it('are deduplicated per workspace: another tenant reusing an id gets its snapshot stored', async () => {
    const ours = snap();
    expect((await push(acme.token, [ours])).status).toBe(200);
    const theirs = {
      ...makeSnapshot({
        hostId: other.hostId,
        hostname: 'theirs.internal',
        scannedAt: new Date(ours.scanned_at),
      }),
      id: ours.id,
    };
    const lossId = uuidv7();
    const loss = {
      id: lossId,
      dropped: 2,
      oldest_scanned_at: null,
      newest_scanned_at: null,
      reason: 'spool_full',
    };
    const first = (await (await push(other.token, [theirs], { losses: [loss] })).json()) as {
      accepted: string[];
      duplicate: string[];
    };
    expect(first).toMatchObject({ accepted: [ours.id], duplicate: [] });
    const again = (await (await push(other.token, [theirs])).json()) as {
      accepted: string[];
      duplicate: string[];
    };
    expect(again).toMatchObject({ accepted: [], duplicate: [ours.id] });
    expect((await push(acme.token, [snap({ hostId: acme.spareHostId })], { losses: [loss] })).status).toBe(
      200,
    );

    const { rows } = await owner().query<{ workspace_id: string; host_id: string }>(
      'SELECT workspace_id, host_id FROM snapshots WHERE id = $1 ORDER BY host_id = $2 DESC',
      [ours.id, acme.hostId],
    );
    expect(rows).toEqual([
      { workspace_id: world.workspace.id, host_id: acme.hostId },
      { workspace_id: world.other.id, host_id: other.hostId },
    ]);
    const losses = await owner().query('SELECT workspace_id FROM agent_losses WHERE id = $1', [lossId]);
    expect(losses.rowCount).toBe(2);
  });
});

describe('config long-poll', () => {
  it('answers 401 as soon as the agent is revoked while it waits, without counting failed checks', async () => {
    const poller = await enrollAgent(world, 'poller');
    const url = `${world.server.url}${AGENT_PATHS.config}`;
    const first = await fetch(url, { headers: { authorization: `Bearer ${poller.token}` } });
    const etag = first.headers.get('etag') ?? '';
    const failures = () => world.server.services.credentialFailures.peek('127.0.0.1');
    const before = (await failures()).count;
    const started = Date.now();
    const waiting = fetch(`${url}?wait=20`, {
      headers: { authorization: `Bearer ${poller.token}`, 'if-none-match': etag },
    });
    await new Promise((r) => setTimeout(r, 1000));
    await world.client('admin').agents.revoke.mutate({ workspace: 'acme', id: poller.id });
    expect((await refusal(await waiting, 401)).code).toBe('unauthorized');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await failures()).count).toBe(before);
  });
});

// Last: it uses up this address's allowance of failed credential checks.
describe('enrollment', () => {
  it('counts failed enrollments as failed credential checks: 429 past the limit, valid token or not', async () => {
    const admin = world.client('admin');
    offsetMs += CREDENTIAL_FAILURE_POLICY.windowMs + 1000; // a window of its own
    const { token } = await admin.agents.createEnrollmentToken.mutate({ workspace: 'acme', name: 'late' });
    const guess = { token: `vge_${'C'.repeat(60)}`, name: 'x', agent_version: 't', platform: 'linux' };
    for (let i = 0; i < CREDENTIAL_FAILURE_POLICY.limit; i++)
      expect((await refusal(await enroll(guess), 401)).code).toBe('unauthorized');
    const blocked = await enroll({ ...guess, token });
    expect((await refusal(blocked, 429)).code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);

    offsetMs += CREDENTIAL_FAILURE_POLICY.windowMs + 1000;
    expect((await enroll({ ...guess, token })).status).toBe(201);
  });
});
