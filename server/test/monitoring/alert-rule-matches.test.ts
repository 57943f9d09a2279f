import { TRPCClientError } from '@trpc/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrollAgent } from '@vigilo/tests/support/agent';
import { makeSnapshot } from '@vigilo/tests/support/snapshots';
import { createWorld, type World } from '@vigilo/tests/support/world';

const DAY = 86_400_000;

/**
 * How many hosts a rule matches now, as the desktop's rule list and editor show it: hosts in
 * scope (all, a tag, one host), how many of them the predicate holds for at their last scan, and
 * the hosts never scanned; through the real server, with hosts scanned by a real agent push.
 */

let world: World;
const ids: Record<string, string> = {};
beforeAll(async () => {
  world = await createWorld();
  const agent = await enrollAgent(world, 'matcher');
  const admin = world.client('admin');
  const add = async (hostname: string, tags: string[]) =>
    (await admin.hosts.add.mutate({ workspace: 'acme', hostname, port: 443, tags, agentId: agent.id })).id;
  ids.soon = await add('soon.internal', ['prod']);
  ids.later = await add('later.internal', ['prod']);
  ids.never = await add('never.internal', []);
  const now = Date.now();
  await agent.push([
    makeSnapshot({ hostId: ids.soon, hostname: 'soon.internal', notAfter: new Date(now + 2 * DAY) }),
    makeSnapshot({ hostId: ids.later, hostname: 'later.internal', notAfter: new Date(now + 200 * DAY) }),
  ]);
});
afterAll(async () => {
  await world?.close();
});

async function refusal(p: Promise<unknown>) {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof TRPCClientError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err.data as { code: string; fieldErrors?: Record<string, string> };
}

describe('alert rule matches', () => {
  it('previews a predicate and scope over the hosts as scanned now', async () => {
    const admin = world.client('admin');
    const preview = (scope: Parameters<typeof admin.alertRules.preview.query>[0]['scope'], days = 30) =>
      admin.alertRules.preview.query({
        workspace: 'acme',
        predicate: { kind: 'expires_within', days },
        scope,
      });
    expect(await preview({ kind: 'all' })).toEqual({ hosts: 3, firing: 1, unscanned: 1 });
    expect(await preview({ kind: 'tag', tag: 'prod' })).toEqual({ hosts: 2, firing: 1, unscanned: 0 });
    expect(await preview({ kind: 'tag', tag: 'prod' }, 365)).toEqual({ hosts: 2, firing: 2, unscanned: 0 });
    expect(await preview({ kind: 'tag', tag: 'staging' })).toEqual({ hosts: 0, firing: 0, unscanned: 0 });
    expect(await preview({ kind: 'host', hostId: ids.later! })).toEqual({
      hosts: 1,
      firing: 0,
      unscanned: 0,
    });
    expect(await preview({ kind: 'host', hostId: ids.never! })).toEqual({
      hosts: 1,
      firing: 0,
      unscanned: 1,
    });
  });

  it('lists each rule with its matches and open alerts; an edit changes them', async () => {
    const admin = world.client('admin');
    const rule = await admin.alertRules.create.mutate({
      workspace: 'acme',
      name: 'Prod expiring within 30 days',
      predicate: { kind: 'expires_within', days: 30 },
      scope: { kind: 'tag', tag: 'prod' },
      severity: 'critical',
    });
    const listed = async () =>
      (await world.client('viewer').alertRules.list.query({ workspace: 'acme' })).find(
        (r) => r.id === rule.id,
      );
    expect(await listed()).toMatchObject({
      matches: { hosts: 2, firing: 1, unscanned: 0 },
      // Created rules evaluate at once: the host expiring in 2 days has its alert already.
      openAlerts: 1,
    });
    await admin.alertRules.update.mutate({ workspace: 'acme', id: rule.id, scope: { kind: 'all' } });
    expect(await listed()).toMatchObject({ matches: { hosts: 3, firing: 1, unscanned: 1 } });
    // Narrowed to a host where it does not hold: the alert of the host left out resolves with it.
    await admin.alertRules.update.mutate({
      workspace: 'acme',
      id: rule.id,
      scope: { kind: 'host', hostId: ids.later! },
    });
    expect(await listed()).toMatchObject({ matches: { hosts: 1, firing: 0, unscanned: 0 }, openAlerts: 0 });
    const { alerts } = await admin.alerts.list.query({
      workspace: 'acme',
      hostId: ids.soon!,
      state: 'resolved',
    });
    const resolved = alerts.filter((a) => a.ruleName === rule.name);
    expect(resolved).toHaveLength(1);
    const audit = await world.client('owner').audit.list.query({
      workspace: 'acme',
      filter: { action: 'alert.resolved', targetId: resolved[0]!.id },
    });
    expect(audit.rows).toHaveLength(1);
    expect(audit.rows[0]).toMatchObject({ actorType: 'system', actorId: 'rule-engine' });
    expect(audit.rows[0]!.summary).toContain("no longer in the rule's scope");
    await admin.alertRules.update.mutate({ workspace: 'acme', id: rule.id, enabled: false });
    // A disabled rule still says what it would match; it opens nothing.
    expect(await listed()).toMatchObject({ enabled: false, matches: { hosts: 1, firing: 0 } });
  });

  it('refuses a bad threshold naming the field, and previews only for admins', async () => {
    const admin = world.client('admin');
    expect(
      await refusal(
        admin.alertRules.preview.query({
          workspace: 'acme',
          predicate: { kind: 'expires_within', days: 0 },
          scope: { kind: 'all' },
        }),
      ),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: { 'predicate.days': 'days must be a whole number from 1 to 3650' },
    });
    expect(
      await refusal(
        admin.alertRules.create.mutate({
          workspace: 'acme',
          name: 'bad flapping',
          predicate: { kind: 'chain_invalid' },
          scope: { kind: 'tag', tag: '' },
          severity: 'warning',
          openAfter: 0,
        }),
      ),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      fieldErrors: {
        'scope.tag': 'tag must not be empty',
        openAfter: 'openAfter must be a whole number from 1 to 100',
      },
    });
    expect(
      await refusal(
        world.client('member').alertRules.preview.query({
          workspace: 'acme',
          predicate: { kind: 'chain_invalid' },
          scope: { kind: 'all' },
        }),
      ),
    ).toMatchObject({ code: 'FORBIDDEN' });
  });
});
