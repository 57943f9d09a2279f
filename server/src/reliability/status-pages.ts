import {
  ENDING_STATUSES,
  type NoticeKind,
  type NoticeUpdateStatus,
  type StatusNoticeInput,
  type StatusNoticeUpdateInput,
  type StatusPageComponentInput,
  type StatusPageCreateInput,
  type StatusPageUpdateInput,
  statusesOf,
} from '@vigilo/shared/status-page';
import type { WorkspaceTx } from '../db/tx.ts';
import { isUniqueViolation } from '../db/pg-errors.ts';
import { ActionRefused, invalidField } from '../domain-errors.ts';

/**
 * Status pages as admins keep them (issue 15): the page, its components (a host or a tag under a
 * public name) and its notices (incidents and maintenance under public titles, with updates).
 * What the public sees is read by status-pages-public.ts.
 */

type PageRow = {
  id: string;
  slug: string;
  title: string;
  description: string;
  created_at: Date;
  updated_at: Date;
};
type ComponentRow = {
  id: string;
  page_id: string;
  public_name: string;
  host_id: string | null;
  tag: string | null;
};
type NoticeRow = {
  id: string;
  page_id: string;
  kind: NoticeKind;
  title: string;
  incident_id: string | null;
  component_ids: string[];
  starts_at: Date;
  ends_at: Date | null;
  resolved_at: Date | null;
};
type UpdateRow = { id: string; notice_id: string; status: NoticeUpdateStatus; body: string; posted_at: Date };

export type StatusPageView = {
  id: string;
  slug: string;
  title: string;
  description: string;
  components: Array<{ id: string; publicName: string; hostId: string | null; tag: string | null }>;
  notices: Array<{
    id: string;
    kind: NoticeKind;
    title: string;
    incidentId: string | null;
    componentIds: string[];
    startsAt: Date;
    endsAt: Date | null;
    resolvedAt: Date | null;
    updates: Array<{ id: string; status: NoticeUpdateStatus; body: string; postedAt: Date }>;
  }>;
};

/** Every page of the workspace with its components and its notices (newest first). */
export async function listStatusPages(tx: WorkspaceTx): Promise<StatusPageView[]> {
  const pages = (
    await tx.query<PageRow>('SELECT * FROM status_pages WHERE workspace_id = $1 ORDER BY slug', [
      tx.workspaceId,
    ])
  ).rows;
  const components = (
    await tx.query<ComponentRow>(
      'SELECT * FROM status_page_components WHERE workspace_id = $1 ORDER BY position',
      [tx.workspaceId],
    )
  ).rows;
  const notices = (
    await tx.query<NoticeRow>(
      'SELECT * FROM status_page_notices WHERE workspace_id = $1 ORDER BY starts_at DESC, id',
      [tx.workspaceId],
    )
  ).rows;
  const updates = (
    await tx.query<UpdateRow>(
      'SELECT * FROM status_page_updates WHERE workspace_id = $1 ORDER BY posted_at DESC, id',
      [tx.workspaceId],
    )
  ).rows;
  return pages.map((p) => ({
    id: p.id,
    slug: p.slug,
    title: p.title,
    description: p.description,
    components: components
      .filter((c) => c.page_id === p.id)
      .map((c) => ({ id: c.id, publicName: c.public_name, hostId: c.host_id, tag: c.tag })),
    notices: notices
      .filter((n) => n.page_id === p.id)
      .map((n) => ({
        id: n.id,
        kind: n.kind,
        title: n.title,
        incidentId: n.incident_id,
        componentIds: n.component_ids,
        startsAt: n.starts_at,
        endsAt: n.ends_at,
        resolvedAt: n.resolved_at,
        updates: updates
          .filter((u) => u.notice_id === n.id)
          .map((u) => ({ id: u.id, status: u.status, body: u.body, postedAt: u.posted_at })),
      })),
  }));
}

export async function getStatusPage(tx: WorkspaceTx, id: string): Promise<StatusPageView> {
  const page = (await listStatusPages(tx)).find((p) => p.id === id);
  if (!page) throw new ActionRefused('not_found', 'no such status page');
  return page;
}

/**
 * Creates a page. Slugs are unique across the instance (they are public addresses), and another
 * workspace's pages are invisible here, so a taken slug is known only from the unique index: the
 * refusal names `slug` and the transaction rolls back, leaving nothing stored.
 */
export async function createStatusPage(
  tx: WorkspaceTx,
  input: StatusPageCreateInput,
  now: Date,
): Promise<StatusPageView> {
  let id: string;
  try {
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO status_pages (workspace_id, slug, title, description, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
      [tx.workspaceId, input.slug, input.title, input.description, now],
    );
    id = rows[0]?.id ?? '';
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken();
    throw err;
  }
  await tx.record({
    action: 'status_page.created',
    target: { type: 'status_page', id },
    summary: { after: input },
    event: 'status_page.created',
    payload: { statusPageId: id, slug: input.slug },
  });
  return getStatusPage(tx, id);
}

export async function updateStatusPage(
  tx: WorkspaceTx,
  patch: StatusPageUpdateInput,
  now: Date,
): Promise<StatusPageView> {
  const before = (
    await tx.query<PageRow>('SELECT * FROM status_pages WHERE id = $1 AND workspace_id = $2 FOR UPDATE', [
      patch.id,
      tx.workspaceId,
    ])
  ).rows[0];
  if (!before) throw new ActionRefused('not_found', 'no such status page');
  const after = {
    slug: patch.slug ?? before.slug,
    title: patch.title ?? before.title,
    description: patch.description ?? before.description,
  };
  try {
    await tx.query(
      'UPDATE status_pages SET slug = $2, title = $3, description = $4, updated_at = $5 WHERE id = $1',
      [patch.id, after.slug, after.title, after.description, now],
    );
  } catch (err) {
    if (isUniqueViolation(err)) throw slugTaken();
    throw err;
  }
  await tx.record({
    action: 'status_page.updated',
    target: { type: 'status_page', id: patch.id },
    summary: { before: { slug: before.slug, title: before.title, description: before.description }, after },
    event: 'status_page.updated',
    payload: { statusPageId: patch.id, slug: after.slug },
  });
  return getStatusPage(tx, patch.id);
}

export async function removeStatusPage(tx: WorkspaceTx, id: string): Promise<{ id: string }> {
  const { rows } = await tx.query<PageRow>(
    'DELETE FROM status_pages WHERE id = $1 AND workspace_id = $2 RETURNING *',
    [id, tx.workspaceId],
  );
  const row = rows[0];
  if (!row) throw new ActionRefused('not_found', 'no such status page');
  await tx.record({
    action: 'status_page.removed',
    target: { type: 'status_page', id },
    summary: { before: { slug: row.slug, title: row.title } },
    event: 'status_page.removed',
    payload: { statusPageId: id, slug: row.slug },
  });
  return { id };
}

/**
 * Replaces what a page shows, in order. Components keep their ids when their public name and
 * source are unchanged, so notices that name them stay attached.
 */
export async function setStatusPageComponents(
  tx: WorkspaceTx,
  pageId: string,
  components: StatusPageComponentInput[],
  now: Date,
): Promise<StatusPageView> {
  const page = (
    await tx.query<PageRow>('SELECT * FROM status_pages WHERE id = $1 AND workspace_id = $2 FOR UPDATE', [
      pageId,
      tx.workspaceId,
    ])
  ).rows[0];
  if (!page) throw new ActionRefused('not_found', 'no such status page');
  const hostIds = components.flatMap((c) => ('hostId' in c ? [c.hostId] : []));
  const known = new Set(
    (
      await tx.query<{ id: string }>('SELECT id FROM hosts WHERE id = ANY($1) AND workspace_id = $2', [
        hostIds,
        tx.workspaceId,
      ])
    ).rows.map((r) => r.id),
  );
  components.forEach((c, i) => {
    if ('hostId' in c && !known.has(c.hostId))
      throw invalidField(['components', i, 'hostId'], 'no such host in this workspace');
  });
  const before = (
    await tx.query<ComponentRow>(
      'SELECT * FROM status_page_components WHERE page_id = $1 ORDER BY position',
      [pageId],
    )
  ).rows;
  const keep = new Set<string>();
  for (const [position, c] of components.entries()) {
    const hostId = 'hostId' in c ? c.hostId : null;
    const tag = 'tag' in c ? c.tag : null;
    const same = before.find(
      (b) => !keep.has(b.id) && b.public_name === c.publicName && b.host_id === hostId && b.tag === tag,
    );
    if (same) {
      keep.add(same.id);
      await tx.query('UPDATE status_page_components SET position = $2 WHERE id = $1', [same.id, position]);
    } else {
      const { rows } = await tx.query<{ id: string }>(
        `INSERT INTO status_page_components (workspace_id, page_id, public_name, host_id, tag, position)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
        [tx.workspaceId, pageId, c.publicName, hostId, tag, position],
      );
      keep.add(rows[0]?.id ?? '');
    }
  }
  await tx.query('DELETE FROM status_page_components WHERE page_id = $1 AND NOT (id = ANY($2))', [
    pageId,
    [...keep],
  ]);
  await tx.query('UPDATE status_pages SET updated_at = $2 WHERE id = $1', [pageId, now]);
  await tx.record({
    action: 'status_page.updated',
    target: { type: 'status_page', id: pageId },
    summary: {
      before: {
        components: before.map((b) => ({ publicName: b.public_name, hostId: b.host_id, tag: b.tag })),
      },
      after: { components },
    },
    event: 'status_page.updated',
    payload: { statusPageId: pageId, slug: page.slug },
  });
  return getStatusPage(tx, pageId);
}

/** Publishes an incident or a maintenance on a page with its first update. */
export async function postStatusNotice(
  tx: WorkspaceTx,
  input: StatusNoticeInput,
  now: Date,
): Promise<{ id: string }> {
  const page = (
    await tx.query<PageRow>('SELECT * FROM status_pages WHERE id = $1 AND workspace_id = $2', [
      input.pageId,
      tx.workspaceId,
    ])
  ).rows[0];
  if (!page) throw invalidField(['pageId'], 'no such status page');
  const components = new Set(
    (
      await tx.query<{ id: string }>('SELECT id FROM status_page_components WHERE page_id = $1', [
        input.pageId,
      ])
    ).rows.map((r) => r.id),
  );
  input.componentIds.forEach((id, i) => {
    if (!components.has(id)) throw invalidField(['componentIds', i], 'not a component of this page');
  });
  if (input.incidentId) {
    const found = await tx.query('SELECT 1 FROM incidents WHERE id = $1 AND workspace_id = $2', [
      input.incidentId,
      tx.workspaceId,
    ]);
    if (!found.rowCount) throw invalidField(['incidentId'], 'no such incident in this workspace');
  }
  const ended = ENDING_STATUSES.has(input.status);
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO status_page_notices (workspace_id, page_id, kind, title, incident_id, component_ids, starts_at, ends_at, resolved_at, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      tx.workspaceId,
      input.pageId,
      input.kind,
      input.title,
      input.incidentId,
      input.componentIds,
      input.startsAt,
      input.endsAt,
      ended ? now : null,
      now,
    ],
  );
  const id = rows[0]?.id ?? '';
  await tx.query(
    'INSERT INTO status_page_updates (workspace_id, notice_id, status, body, posted_at) VALUES ($1, $2, $3, $4, $5)',
    [tx.workspaceId, id, input.status, input.body, now],
  );
  await tx.record({
    action: 'status_page.notice_posted',
    target: { type: 'status_page_notice', id },
    summary: { after: { ...input } },
    event: 'status_page.notice_posted',
    payload: { statusPageId: input.pageId, noticeId: id, kind: input.kind, status: input.status },
  });
  return { id };
}

/** Adds an update to a notice; `resolved` or `completed` ends it. */
export async function postStatusUpdate(
  tx: WorkspaceTx,
  input: StatusNoticeUpdateInput,
  now: Date,
): Promise<{ id: string }> {
  const notice = (
    await tx.query<NoticeRow>(
      'SELECT * FROM status_page_notices WHERE id = $1 AND workspace_id = $2 FOR UPDATE',
      [input.noticeId, tx.workspaceId],
    )
  ).rows[0];
  if (!notice) throw new ActionRefused('not_found', 'no such notice');
  if (notice.resolved_at) throw new ActionRefused('already_decided', 'this notice has ended already');
  // The schema knows the status but not the notice: a maintenance cannot be "resolved" (it is
  // completed), nor an incident "scheduled", or the page would show a state its kind never has.
  const allowed = statusesOf(notice.kind);
  if (!allowed.includes(input.status))
    throw invalidField(['status'], `status of ${notice.kind} must be one of ${allowed.join(', ')}`);
  const { rows } = await tx.query<{ id: string }>(
    'INSERT INTO status_page_updates (workspace_id, notice_id, status, body, posted_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [tx.workspaceId, notice.id, input.status, input.body, now],
  );
  if (ENDING_STATUSES.has(input.status))
    await tx.query('UPDATE status_page_notices SET resolved_at = $2 WHERE id = $1', [notice.id, now]);
  await tx.record({
    action: 'status_page.notice_posted',
    target: { type: 'status_page_notice', id: notice.id },
    summary: { after: { status: input.status, body: input.body } },
    event: 'status_page.notice_posted',
    payload: { statusPageId: notice.page_id, noticeId: notice.id, kind: notice.kind, status: input.status },
  });
  return { id: rows[0]?.id ?? '' };
}

function slugTaken(): ActionRefused {
  return invalidField(['slug'], 'this slug is taken: choose another');
}
