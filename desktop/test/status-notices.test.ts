import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '@vigilo/tests/support/world';
import { listStatusPages, saveStatusPage, setStatusPageComponents } from '../src/core/reliability-online.ts';
import { postStatusNotice, postStatusUpdate } from '../src/core/status-notices-online.ts';
import { openCore, switchableNetwork, tempDir } from './support/core.ts';

/**
 * Incidents and maintenance on a public status page, posted from the desktop core against the
 * real server: refusals in the server's words under the fields it names (the schema's, and what
 * only the server knows: a component of another page, a status the notice's kind never has), the
 * notices listed by where they stand (active, maintenance, ended in the last 14 days), updates
 * newest first, the public page showing them, a member reading without posting, and offline
 * refused in words.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let world: World;
let hostId = '';
const cleanups: Array<() => unknown> = [];
beforeAll(async () => {
  world = await createWorld();
  hostId = (
    await world.client('admin').hosts.add.mutate({
      workspace: 'acme',
      hostname: 'checkout.internal',
      port: 443,
      agentId: null,
    })
  ).id;
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
afterAll(async () => {
  await world?.close();
});

/** A core of `who`, with its network switchable and its clock `ahead` ms in the future. */
function coreOf(who: string, ahead = 0) {
  const tmp = tempDir();
  const network = switchableNetwork();
  const opened = openCore({
    dataDir: tmp.dir,
    serverUrl: world.server.url,
    workspace: 'acme',
    token: world.tokens[who]!,
    fetch: network.fetch,
    clock: () => new Date(Date.now() + ahead),
  });
  cleanups.push(() => tmp.cleanup());
  cleanups.push(() => opened.core.close());
  return { c: opened.core, network };
}

async function pageOf(c: ReturnType<typeof coreOf>['c'], slug: string) {
  const list = await listStatusPages(c);
  if (!list.ok) throw new Error(list.message);
  const page = list.pages.find((p) => p.slug === slug);
  if (!page) throw new Error(`no page ${slug}`);
  return page;
}

describe('status page notices in the desktop core', () => {
  it('posts an incident and a maintenance, updates and resolves, with refusals per field', async () => {
    const { c, network } = coreOf('admin');
    const saved = await saveStatusPage(c, { slug: 'desk-status', title: 'Desk status', description: '' });
    if (!saved.ok) throw new Error(saved.message);
    expect(await setStatusPageComponents(c, saved.id, [{ publicName: 'Checkout', hostId, tag: '' }])).toEqual(
      { ok: true },
    );
    const checkout = (await pageOf(c, 'desk-status')).components[0]!;
    const startsAt = new Date(Date.now() - HOUR).toISOString();
    const incident = {
      pageId: saved.id,
      kind: 'incident' as const,
      title: 'Checkout is slow',
      componentIds: [checkout.id],
      startsAt,
      endsAt: '',
      status: 'investigating',
      body: 'Paying takes long; we are looking into it.',
    };

    // The schema's words: an empty title and message, no start.
    expect(await postStatusNotice(c, { ...incident, title: ' ', body: '', startsAt: '' })).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: {
        title: 'title must not be empty',
        body: 'body must not be empty',
        startsAt: 'startsAt must be a date',
      },
    });
    // What only the server knows: a component that is not this page's.
    expect(await postStatusNotice(c, { ...incident, componentIds: [randomUUID()] })).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: { 'componentIds.0': 'not a component of this page' },
    });
    // Maintenance that ends before it starts, and an incident's status on a maintenance.
    const soon = Date.now() + DAY;
    const maintenance = {
      ...incident,
      kind: 'maintenance' as const,
      title: 'Checkout upgrade',
      startsAt: new Date(soon).toISOString(),
      endsAt: new Date(soon - HOUR).toISOString(),
      status: 'scheduled',
      body: 'Checkout moves to new machines; a minute of errors is expected.',
    };
    expect(await postStatusNotice(c, maintenance)).toMatchObject({
      ok: false,
      fieldErrors: { endsAt: 'endsAt must be after startsAt' },
    });
    expect(
      await postStatusNotice(c, {
        ...maintenance,
        endsAt: new Date(soon + HOUR).toISOString(),
        status: 'resolved',
      }),
    ).toMatchObject({
      ok: false,
      fieldErrors: { status: 'status of maintenance must be one of scheduled, in_progress, completed' },
    });
    expect((await pageOf(c, 'desk-status')).notices).toEqual([]);

    const posted = await postStatusNotice(c, incident);
    if (!posted.ok) throw new Error(posted.message);
    const planned = await postStatusNotice(c, {
      ...maintenance,
      endsAt: new Date(soon + HOUR).toISOString(),
    });
    if (!planned.ok) throw new Error(planned.message);

    // An update's status must fit its notice's kind: the server names the field.
    expect(
      await postStatusUpdate(c, { noticeId: posted.id, status: 'completed', body: 'Done.' }),
    ).toMatchObject({
      ok: false,
      reason: 'refused',
      fieldErrors: {
        status: 'status of incident must be one of investigating, identified, monitoring, resolved',
      },
    });
    expect(await postStatusUpdate(c, { noticeId: posted.id, status: 'identified', body: '' })).toMatchObject({
      ok: false,
      fieldErrors: { body: 'body must not be empty' },
    });
    expect(
      await postStatusUpdate(c, {
        noticeId: posted.id,
        status: 'identified',
        body: 'A slow payment provider.',
      }),
    ).toMatchObject({ ok: true });

    const open = await pageOf(c, 'desk-status');
    expect(open.activeNotices).toBe(2);
    expect(open.notices.map((n) => [n.title, n.section, n.status])).toEqual([
      ['Checkout is slow', 'active', 'identified'],
      ['Checkout upgrade', 'maintenance', 'scheduled'],
    ]);
    expect(open.notices[0]).toMatchObject({
      kind: 'incident',
      components: ['Checkout'],
      startsAt,
      endsAt: '',
      endedAt: '',
      overdue: false,
      updates: [
        { status: 'identified', body: 'A slow payment provider.' },
        { status: 'investigating', body: 'Paying takes long; we are looking into it.' },
      ],
    });

    // The public page shows what was posted, under the public names only.
    const html = await fetch(`${world.server.url}/status/desk-status`).then((r) => r.text());
    expect(html).toContain('Checkout is slow');
    expect(html).toContain('A slow payment provider.');
    expect(html).toContain('Checkout upgrade');
    expect(html).not.toContain('checkout.internal');

    // Resolving ends it: it moves to the recently ended, and takes no more updates.
    expect(
      await postStatusUpdate(c, {
        noticeId: posted.id,
        status: 'resolved',
        body: 'Payments are fast again.',
      }),
    ).toMatchObject({ ok: true });
    const after = await pageOf(c, 'desk-status');
    expect(after.activeNotices).toBe(1);
    expect(after.notices.map((n) => [n.title, n.section, n.status])).toEqual([
      ['Checkout upgrade', 'maintenance', 'scheduled'],
      ['Checkout is slow', 'recent', 'resolved'],
    ]);
    expect(Date.parse(after.notices[1]!.endedAt)).not.toBeNaN();
    expect(
      await postStatusUpdate(c, { noticeId: posted.id, status: 'monitoring', body: 'Again?' }),
    ).toMatchObject({ ok: false, reason: 'refused', message: expect.stringContaining('ended already') });

    // Fifteen days on, the ended incident is no longer listed (nor on the public page), and the
    // maintenance past its planned end is marked so the admin completes it.
    const later = coreOf('admin', 15 * DAY);
    expect((await pageOf(later.c, 'desk-status')).notices).toMatchObject([
      { title: 'Checkout upgrade', section: 'maintenance', overdue: true },
    ]);

    // Offline: refused in words, nothing half-done.
    network.online = false;
    expect(await listStatusPages(c)).toMatchObject({
      ok: false,
      reason: 'offline',
      message: 'reading status pages needs the server, which cannot be reached: try again when online',
    });
    expect(
      await postStatusUpdate(c, { noticeId: planned.id, status: 'in_progress', body: 'Started.' }),
    ).toMatchObject({ ok: false, reason: 'offline' });
    network.online = true;
    expect((await pageOf(c, 'desk-status')).notices[0]?.updates).toHaveLength(1);
  });

  it('lets a member read the notices but not post them', async () => {
    const { c } = coreOf('member');
    const page = await pageOf(c, 'desk-status');
    expect(page.notices.map((n) => n.title)).toEqual(['Checkout upgrade', 'Checkout is slow']);
    const refused = await postStatusNotice(c, {
      pageId: page.id,
      kind: 'incident',
      title: 'Not mine to post',
      componentIds: [],
      startsAt: new Date().toISOString(),
      endsAt: '',
      status: 'investigating',
      body: 'No.',
    });
    expect(refused).toMatchObject({ ok: false, reason: 'refused' });
    const notice = page.notices[0]!;
    expect(
      await postStatusUpdate(c, { noticeId: notice.id, status: 'completed', body: 'No.' }),
    ).toMatchObject({ ok: false, reason: 'refused' });
    expect((await pageOf(c, 'desk-status')).notices.map((n) => n.updates.length)).toEqual([1, 3]);
  });
});
