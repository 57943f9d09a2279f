import { outcome } from '@vigilo/tests/support/client';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * members.add must not tell an admin whether an email has an account on this server (issue 10,
 * finding 8: anyone can create a workspace and be its admin). A known and an unknown email get
 * the same bytes back, the same row in the members list and the same audit row: an invitation,
 * which becomes the membership when its invitee next reaches the workspace.
 *
 * `outsider@example.test` has an account (it owns the workspace `other`); `nobody@…` has none.
 */
let world: World;
beforeAll(async () => {
  world = await createWorld();
});
afterAll(async () => {
  await world?.close();
});

const KNOWN = 'outsider@example.test';
const UNKNOWN = 'nobody@example.test';

/** A procedure called over plain HTTP as the owner: the status and the body's exact bytes. */
async function raw(path: string, input: Record<string, unknown>, kind: 'query' | 'mutation') {
  const headers = { authorization: `Bearer ${world.tokens.owner}`, 'content-type': 'application/json' };
  const body = JSON.stringify({ json: input });
  const res =
    kind === 'mutation'
      ? await fetch(`${world.server.url}/trpc/${path}`, { method: 'POST', headers, body })
      : await fetch(`${world.server.url}/trpc/${path}?input=${encodeURIComponent(body)}`, { headers });
  return { status: res.status, body: await res.text() };
}
/**
 * What must not differ between two emails: everything once the email itself is blanked, and the
 * one-time setup code (built-in provider) and its expiry, which every invitation has of its own.
 */
const without = (value: unknown, email: string) =>
  JSON.stringify(value)
    .replaceAll(email, '<email>')
    .replace(/"code":"[A-Z2-7-]{39}"/g, '"code":"<code>"')
    .replace(/(setupCodeExpiresAt\\?"|"expiresAt"):\\?"[0-9T:.Z-]{24}\\?"/g, '$1:"<instant>"');
const auditOf = async (action: string) =>
  (await world.client('owner').audit.list.query({ workspace: 'acme', filter: { action } })).rows;

describe('members.add and members.list answer every email alike', () => {
  it('refuses setRole and remove of a user of another workspace in the words used for an unknown email', async () => {
    for (const path of ['members.setRole', 'members.remove']) {
      const answers = [];
      for (const email of [KNOWN, UNKNOWN]) {
        const answer = await raw(path, { workspace: 'acme', email, role: 'member' }, 'mutation');
        expect(answer.status).toBe(404);
        expect(JSON.parse(answer.body).error.json.message).toBe(`${email} is not a member of this workspace`);
        answers.push(without(answer.body, email));
      }
      expect(answers[0]).toBe(answers[1]);
    }
  });

  it('gives the same bytes, list row and audit row for an existing user’s email and an unknown one', async () => {
    const known = await raw('members.add', { workspace: 'acme', email: KNOWN, role: 'viewer' }, 'mutation');
    const unknown = await raw(
      'members.add',
      { workspace: 'acme', email: UNKNOWN, role: 'viewer' },
      'mutation',
    );
    expect(known.status).toBe(200);
    expect(without(JSON.parse(known.body), KNOWN)).toBe(without(JSON.parse(unknown.body), UNKNOWN));
    expect(JSON.parse(known.body).result.data.json).toEqual({
      email: KNOWN,
      role: 'viewer',
      status: 'invited',
      setup: {
        code: expect.any(String),
        expiresAt: expect.any(String),
        url: expect.stringMatching(/\/welcome$/),
      },
    });

    const list = await world.client('owner').members.list.query({ workspace: 'acme' });
    const row = (email: string) => list.find((m) => m.email === email);
    expect(row(KNOWN)).toEqual({
      status: 'invited',
      userId: null,
      email: KNOWN,
      name: null,
      role: 'viewer',
      expiresAt: null,
    });
    expect(without(row(KNOWN), KNOWN)).toBe(without(row(UNKNOWN), UNKNOWN));
    // The raw list too: the two rows' bytes, found by the email each names.
    const listed = JSON.parse((await raw('members.list', { workspace: 'acme' }, 'query')).body).result.data;
    const rawRow = (email: string) =>
      without(
        (listed.json as Array<{ email: string }>).find((m) => m.email === email),
        email,
      );
    expect(rawRow(KNOWN)).toBe(rawRow(UNKNOWN));

    // The audit rows differ only in what every row has of its own (ids, seq, time, chain).
    const [second, first] = await auditOf('member.invited');
    const own = (r: typeof first) => ({
      ...r,
      seq: 0,
      occurredAt: null,
      hash: '',
      prevHash: '',
      requestId: '',
      targetId: '',
    });
    expect(without(own(first), KNOWN)).toBe(without(own(second), UNKNOWN));
    expect(first).toMatchObject({ actorType: 'user', targetType: 'invitation' });
  });
});

describe('an invitation', () => {
  it('becomes the membership on the invitee’s next workspace call, recorded as theirs', async () => {
    expect(await outcome(() => world.client('outsider').hosts.list.query({ workspace: 'acme' }))).toBe('OK');
    const list = await world.client('owner').members.list.query({ workspace: 'acme' });
    expect(list.find((m) => m.email === KNOWN)).toMatchObject({ status: 'member', role: 'viewer' });
    const [joined] = await auditOf('member.added');
    expect(joined).toMatchObject({ actorType: 'user', targetType: 'user', actorId: joined?.targetId });
    expect(JSON.parse(joined!.summary)).toMatchObject({
      after: { role: 'viewer' },
      invitation: expect.any(String),
    });
    // Once: the invitation is gone, and the member is refused as one.
    await expect(
      world.client('owner').members.add.mutate({ workspace: 'acme', email: KNOWN, role: 'admin' }),
    ).rejects.toMatchObject({ message: `${KNOWN} is already a member`, data: { code: 'CONFLICT' } });
  });

  it('waits for an email nobody has signed in with, and is theirs at first sign-in (workspace.mine)', async () => {
    await expect(
      world.client('owner').members.add.mutate({ workspace: 'acme', email: UNKNOWN, role: 'admin' }),
    ).rejects.toMatchObject({ message: `${UNKNOWN} is already invited`, data: { code: 'CONFLICT' } });
    world.tokens.nobody = await world.identity.tokenFor('nobody', UNKNOWN);
    const mine = await world.client('nobody').workspace.mine.query();
    expect(mine).toEqual([expect.objectContaining({ slug: 'acme', role: 'viewer' })]);
    const emails = (await world.client('owner').members.list.query({ workspace: 'acme' }))
      .filter((m) => m.status === 'invited')
      .map((m) => m.email);
    expect(emails).toEqual([]);
  });

  it('is withdrawn by members.remove; the invitee then finds nothing', async () => {
    const owner = world.client('owner');
    world.tokens.withdrawn = await world.identity.tokenFor('withdrawn', 'withdrawn@example.test');
    await owner.members.add.mutate({ workspace: 'acme', email: 'withdrawn@example.test', role: 'member' });
    expect(await owner.members.remove.mutate({ workspace: 'acme', email: 'Withdrawn@Example.test' })).toEqual(
      {
        userId: null,
        status: 'withdrawn',
      },
    );
    const [withdrawn] = await auditOf('member.invitation_withdrawn');
    expect(withdrawn).toMatchObject({ actorType: 'user', targetType: 'invitation' });
    expect(await outcome(() => world.client('withdrawn').hosts.list.query({ workspace: 'acme' }))).toBe(
      'NOT_FOUND',
    );
    expect(await world.client('withdrawn').workspace.mine.query()).toEqual([]);
    await expect(
      owner.members.remove.mutate({ workspace: 'acme', email: 'withdrawn@example.test' }),
    ).rejects.toMatchObject({ data: { code: 'NOT_FOUND' } });
  });

  it('lapses after 30 days, and a time-boxed grant that already ended is not granted', async () => {
    const owner = world.client('owner');
    world.tokens.stale = await world.identity.tokenFor('stale', 'stale@example.test');
    world.tokens.ended = await world.identity.tokenFor('ended', 'ended@example.test');
    await owner.members.add.mutate({ workspace: 'acme', email: 'stale@example.test', role: 'viewer' });
    await owner.members.add.mutate({
      workspace: 'acme',
      email: 'ended@example.test',
      role: 'auditor',
      expiresAt: new Date(Date.now() + 60_000),
    });
    const db = world.server.services.db.owner;
    await db.query(
      "UPDATE invitations SET invited_at = now() - interval '31 days' WHERE email = 'stale@example.test'",
    );
    await db.query(
      "UPDATE invitations SET expires_at = now() - interval '1 second' WHERE email = 'ended@example.test'",
    );
    expect(await outcome(() => world.client('stale').hosts.list.query({ workspace: 'acme' }))).toBe(
      'NOT_FOUND',
    );
    expect(await outcome(() => world.client('ended').audit.verify.query({ workspace: 'acme' }))).toBe(
      'NOT_FOUND',
    );
    const emails = (await owner.members.list.query({ workspace: 'acme' })).map((m) => m.email);
    expect(emails).not.toContain('stale@example.test');
    expect(emails).not.toContain('ended@example.test');
    // A lapsed invitation can be made again.
    await owner.members.add.mutate({ workspace: 'acme', email: 'stale@example.test', role: 'viewer' });
    expect(await outcome(() => world.client('stale').hosts.list.query({ workspace: 'acme' }))).toBe('OK');
  });

  it('is seen and accepted in its own workspace only, and grants no more than its inviter holds', async () => {
    await world
      .client('outsider')
      .members.add.mutate({ workspace: 'other', email: 'secret@example.test', role: 'viewer' });
    const acme = await world.client('owner').members.list.query({ workspace: 'acme' });
    expect(acme.map((m) => m.email)).not.toContain('secret@example.test');
    world.tokens.secret = await world.identity.tokenFor('secret', 'secret@example.test');
    expect(await outcome(() => world.client('secret').hosts.list.query({ workspace: 'acme' }))).toBe(
      'NOT_FOUND',
    );
    expect((await world.client('secret').workspace.mine.query()).map((w) => w.slug)).toEqual(['other']);
    expect(
      await outcome(() =>
        world
          .client('admin')
          .members.add.mutate({ workspace: 'acme', email: 'boss@example.test', role: 'owner' }),
      ),
    ).toBe('FORBIDDEN');
  });
});
