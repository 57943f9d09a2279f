import { randomBytes } from 'node:crypto';
import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { leaksIn } from './leaks.ts';

/**
 * The attack run's bad inputs, one by one: each is a typed 400 (or 409) naming what is wrong,
 * changes nothing, and leaves the server serving. Unexpected failures answer in words.
 */
let world: World;
let agentId: string;
let foreignAgentId: string;
let hostId: string;
beforeAll(async () => {
  world = await createWorld();
  agentId = (await enrollAgent(world, 'mine')).id;
  // An agent of the other tenant, made directly: the attacker only needs to know its id.
  const { rows } = await world.server.services.db.owner.query<{ id: string }>(
    'INSERT INTO agents (workspace_id, name, token_hash) VALUES ($1, $2, $3) RETURNING id',
    [world.other.id, 'theirs', randomBytes(32)],
  );
  foreignAgentId = rows[0]!.id;
  ({ id: hostId } = await world.client('member').hosts.add.mutate({
    workspace: 'acme',
    hostname: 'a.internal',
    port: 443,
    agentId,
  }));
  await world.client('member').hosts.add.mutate({ workspace: 'acme', hostname: 'b.internal', port: 443 });
});
afterAll(async () => {
  await world?.close();
});

/** The error of a failed call, as a client sees it; fails the test when the call succeeds. */
async function refusal(call: () => Promise<unknown>) {
  try {
    await call();
  } catch (err) {
    if (!(err instanceof TRPCClientError)) throw err;
    const data = err.data as { code: string; fieldErrors?: Record<string, string> };
    const body = JSON.stringify({ message: err.message, data: err.data, shape: err.shape });
    return {
      code: data.code,
      fieldErrors: data.fieldErrors ?? {},
      message: err.message,
      leaks: leaksIn(body),
    };
  }
  throw new Error('the call succeeded');
}

async function hostRow(id: string) {
  const { rows } = await world.server.services.db.owner.query<{ agent_id: string | null; hostname: string }>(
    'SELECT agent_id, hostname FROM hosts WHERE id = $1',
    [id],
  );
  return rows[0];
}

describe('NUL characters', () => {
  it('are refused as BAD_REQUEST naming the path, in the workspace slug and deep in sync.push', async () => {
    const member = world.client('member');
    expect(await refusal(() => member.hosts.list.query({ workspace: 'ac\u0000me' }))).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { workspace: expect.stringMatching(/NUL/) },
      leaks: [],
    });
    expect(
      await refusal(() =>
        member.sync.push.mutate({
          workspace: 'acme',
          mutations: [
            {
              clientId: crypto.randomUUID(),
              kind: 'workspace.rename',
              args: { name: 'Ac\u0000me' },
            },
          ],
        }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { 'mutations.0.args.name': expect.any(String) } });
    expect(
      await refusal(() =>
        world.client('owner').workspace.update.mutate({ workspace: 'acme', settings: { 'k\u0000': 1 } }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { 'settings.k\\u0000': expect.any(String) } });
    const ws = await world.client('owner').workspace.get.query({ workspace: 'acme' });
    expect(ws.name).toBe('Acme');
  });
});

describe('dates', () => {
  it('outside 1970–2200 are refused naming the field', async () => {
    const viewer = world.client('viewer');
    expect(
      await refusal(() => viewer.alerts.list.query({ workspace: 'acme', from: new Date(-8.64e15) })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { from: 'from must be between 1970-01-01 and 2200-01-01' },
    });
    const admin = world.client('admin');
    expect(
      await refusal(() =>
        admin.alerts.scheduleMaintenance.mutate({
          workspace: 'acme',
          name: 'w',
          tags: ['prod'],
          startsAt: '-271821-04-20',
          endsAt: new Date('2100-01-01'),
        }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { startsAt: expect.stringMatching(/startsAt/) } });
  });
});

describe('agent ids', () => {
  it('hosts.update refuses an unknown agent and another tenant’s alike, naming agentId, and stores nothing', async () => {
    const member = world.client('member');
    const unknown = await refusal(() =>
      member.hosts.update.mutate({ workspace: 'acme', id: hostId, agentId: crypto.randomUUID() }),
    );
    const foreign = await refusal(() =>
      member.hosts.update.mutate({ workspace: 'acme', id: hostId, agentId: foreignAgentId }),
    );
    expect(unknown).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { agentId: expect.any(String) },
      leaks: [],
    });
    // The same answer: nothing tells the caller the foreign id exists.
    expect(foreign).toEqual(unknown);
    expect(await hostRow(hostId)).toMatchObject({ agent_id: agentId });
  });

  it('hosts.add and hosts.import refuse another tenant’s agent too', async () => {
    const member = world.client('member');
    expect(
      await refusal(() =>
        member.hosts.add.mutate({
          workspace: 'acme',
          hostname: 'c.internal',
          port: 443,
          agentId: foreignAgentId,
        }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { agentId: expect.any(String) } });
    expect(
      await refusal(() =>
        member.hosts.import.mutate({
          workspace: 'acme',
          format: 'csv',
          content: 'hostname,port\nd.internal,443\n',
          defaults: { agentId: foreignAgentId },
        }),
      ),
    ).toMatchObject({ code: 'BAD_REQUEST', fieldErrors: { agentId: expect.any(String) } });
    const { rows } = await world.server.services.db.owner.query(
      'SELECT count(*)::int AS n FROM hosts WHERE agent_id = $1',
      [foreignAgentId],
    );
    expect(rows[0]).toEqual({ n: 0 });
  });
});

describe('unique names', () => {
  it('are conflicts in words, not raw constraint violations', async () => {
    const member = world.client('member');
    expect(
      await refusal(() =>
        member.hosts.update.mutate({ workspace: 'acme', id: hostId, hostname: 'b.internal' }),
      ),
    ).toMatchObject({ code: 'CONFLICT', message: 'b.internal:443 is already monitored', leaks: [] });
    expect(await hostRow(hostId)).toMatchObject({ hostname: 'a.internal' });

    const admin = world.client('admin');
    const rule = { predicate: { kind: 'chain_invalid' as const }, severity: 'info' as const };
    await admin.alertRules.create.mutate({ workspace: 'acme', name: 'one', ...rule });
    const two = await admin.alertRules.create.mutate({ workspace: 'acme', name: 'two', ...rule });
    expect(
      await refusal(() => admin.alertRules.update.mutate({ workspace: 'acme', id: two.id, name: 'one' })),
    ).toMatchObject({ code: 'CONFLICT', message: 'a rule named "one" exists', leaks: [] });
  });
});

describe('unexpected failures', () => {
  it('answer with words and the request id: no stack, no path, no database message', async () => {
    const db = world.server.services.db.owner;
    // A real failure inside a procedure: its table is briefly missing.
    await db.query('ALTER TABLE certificates RENAME TO certificates_away');
    try {
      const res = await fetch(
        `${world.server.url}/trpc/certificates.inventory?input=${encodeURIComponent(JSON.stringify({ json: { workspace: 'acme' } }))}`,
        { headers: { authorization: `Bearer ${world.tokens.viewer}`, 'x-request-id': 'req-hygiene-1' } },
      );
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(leaksIn(text)).toEqual([]);
      expect(JSON.parse(text)).toMatchObject({
        error: {
          json: {
            message: 'internal error; the server logged it with request id req-hygiene-1',
            data: { code: 'INTERNAL_SERVER_ERROR' },
          },
        },
      });
      expect(text).not.toContain('does not exist');
    } finally {
      await db.query('ALTER TABLE certificates_away RENAME TO certificates');
    }
    expect(await world.client('viewer').certificates.inventory.query({ workspace: 'acme' })).toMatchObject({
      certificates: [],
    });
  });
});

describe('the REST audit export', () => {
  const exportUrl = (workspace: string, query: string) =>
    `${world.server.url}/api/workspaces/${encodeURIComponent(workspace)}/audit/export?${query}`;
  const get = (url: string) => fetch(url, { headers: { authorization: `Bearer ${world.tokens.owner}` } });

  it('refuses NUL characters and impossible dates with a 400 naming the field, before any 200', async () => {
    for (const [url, field] of [
      [exportUrl('acme', 'format=csv&actorId=a%00b'), 'actorId'],
      [exportUrl('acme', 'format=jsonl&targetId=%00'), 'targetId'],
      [exportUrl('ac\u0000me', 'format=csv'), 'workspace'],
      [exportUrl('acme', 'format=csv&from=-271821-04-20'), 'from'],
      [exportUrl('acme', 'format=csv&to=%2B275760-09-13'), 'to'],
    ] as const) {
      const res = await get(url);
      const text = await res.text();
      expect({ field, status: res.status, leaks: leaksIn(text) }).toEqual({ field, status: 400, leaks: [] });
      expect((JSON.parse(text) as { error: string }).error).toMatch(new RegExp(`^${field}: `));
    }
    const ok = await get(exportUrl('acme', 'format=csv&from=2000-01-01'));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('workspace.created');
  });

  it('answers a failure of its first read as an error in words, not a cut 200', async () => {
    const db = world.server.services.db.owner;
    await db.query('ALTER TABLE audit_events RENAME TO audit_events_away');
    try {
      const res = await fetch(exportUrl('acme', 'format=jsonl'), {
        headers: { authorization: `Bearer ${world.tokens.owner}`, 'x-request-id': 'req-export-1' },
      });
      const text = await res.text();
      expect(res.status).toBe(500);
      expect(JSON.parse(text)).toEqual({
        error: 'internal error; the server logged it with request id req-export-1',
      });
      expect(leaksIn(text)).toEqual([]);
    } finally {
      await db.query('ALTER TABLE audit_events_away RENAME TO audit_events');
    }
    expect((await get(exportUrl('acme', 'format=jsonl'))).status).toBe(200);
  });
});
