import type { NoticeKind, NoticeUpdateStatus } from '@vigilo/shared/status-page';
import type { z } from 'zod';
import type {
  NoticeSection,
  noticeDraftSchema,
  noticeUpdateDraftSchema,
  StatusNoticeView,
} from '../bridge/reliability.ts';
import type { OnlineResult } from '../bridge/changes.ts';
import { iso, online } from './change-admin-online.ts';
import type { OnlineDeps } from './hosts-online.ts';

/**
 * A status page's notices (incidents and maintenance published under public titles) as the
 * desktop lists them, and posting them and their updates. Online calls: notices live on the
 * server only (they are not replicated), so offline they are refused in words and the page shows
 * why; a refusal carries the server's words per field for the forms.
 */

/** How long an ended notice stays listed: as long as the public page shows it under "Recently resolved". */
const RECENT_MS = 14 * 86_400_000;

/** A page's notice as the server lists it (statusPages.list). */
type ServerNotice = {
  id: string;
  kind: NoticeKind;
  title: string;
  componentIds: string[];
  startsAt: Date | string;
  endsAt: Date | string | null;
  resolvedAt: Date | string | null;
  updates: Array<{ id: string; status: NoticeUpdateStatus; body: string; postedAt: Date | string }>;
};

/**
 * The notices of one page the admin still deals with, in the order the public page shows them:
 * active incidents newest first, maintenance not completed soonest first, then those ended in
 * the last 14 days newest first. `names` gives the components' public names.
 */
export function noticeViews(
  notices: ServerNotice[],
  names: ReadonlyMap<string, string>,
  now: Date,
): StatusNoticeView[] {
  const rank: Record<NoticeSection, number> = { active: 0, maintenance: 1, recent: 2 };
  const views = notices.flatMap((n): StatusNoticeView[] => {
    const endedAt = iso(n.resolvedAt);
    const section: NoticeSection = endedAt ? 'recent' : n.kind === 'incident' ? 'active' : 'maintenance';
    if (endedAt && now.getTime() - Date.parse(endedAt) >= RECENT_MS) return [];
    // The server lists updates newest first; a notice always has its first one.
    const last = n.updates[0];
    const endsAt = iso(n.endsAt);
    return [
      {
        id: n.id,
        kind: n.kind,
        title: n.title,
        section,
        componentIds: n.componentIds,
        components: n.componentIds.flatMap((id) => {
          const name = names.get(id);
          return name ? [name] : [];
        }),
        startsAt: iso(n.startsAt),
        endsAt,
        endedAt,
        status: last?.status ?? (n.kind === 'incident' ? 'investigating' : 'scheduled'),
        overdue: section === 'maintenance' && endsAt !== '' && Date.parse(endsAt) <= now.getTime(),
        updates: n.updates.map((u) => ({
          id: u.id,
          status: u.status,
          body: u.body,
          postedAt: iso(u.postedAt),
        })),
      },
    ];
  });
  const time = (v: StatusNoticeView) =>
    v.section === 'recent'
      ? -Date.parse(v.endedAt)
      : v.section === 'active'
        ? -Date.parse(v.startsAt)
        : Date.parse(v.startsAt);
  return views.sort((a, b) => rank[a.section] - rank[b.section] || time(a) - time(b));
}

/** Publishes an incident or a maintenance on a page, with its first update. */
export function postStatusNotice(
  deps: OnlineDeps,
  draft: z.output<typeof noticeDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('posting to a status page', async () => {
    const posted = await deps.api.statusPages.postNotice.mutate({
      workspace: deps.workspace,
      pageId: draft.pageId,
      kind: draft.kind,
      title: draft.title,
      componentIds: draft.componentIds,
      // An empty start is sent as what it is, so the server names the field.
      startsAt: draft.startsAt,
      endsAt: draft.endsAt || null,
      // Loose on purpose: the server names a status its kind does not allow.
      status: draft.status as NoticeUpdateStatus,
      body: draft.body,
    });
    return { id: posted.id };
  });
}

/** Adds an update to a published notice; `resolved` or `completed` ends it. */
export function postStatusUpdate(
  deps: OnlineDeps,
  draft: z.output<typeof noticeUpdateDraftSchema>,
): Promise<OnlineResult<{ id: string }>> {
  return online('posting a status page update', async () => {
    const posted = await deps.api.statusPages.postUpdate.mutate({
      workspace: deps.workspace,
      noticeId: draft.noticeId,
      status: draft.status as NoticeUpdateStatus,
      body: draft.body,
    });
    return { id: posted.id };
  });
}
