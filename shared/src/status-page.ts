import { z } from 'zod';
import { instant, text } from './safe-input.ts';

/**
 * Public status pages (issue 15): the admin's inputs and what the public page shows. The public
 * page shows only what an admin chose: components under public names, and notices (incidents and
 * maintenance) under public titles. Never a hostname, a tag or an internal incident's title.
 */

/** The public address is /status/<slug>: lower-case letters, digits and inner hyphens. */
export const statusPageSlug = text('slug')
  .trim()
  .min(1, 'slug must not be empty')
  .max(64, 'slug must be at most 64 characters')
  .regex(
    /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/,
    'slug may hold lower-case letters, digits and inner hyphens only',
  );

const title = (name: string, max: number) =>
  text(name).trim().min(1, `${name} must not be empty`).max(max, `${name} must be at most ${max} characters`);

export const statusPageCreateInput = z.object({
  slug: statusPageSlug,
  title: title('title', 200),
  description: text('description')
    .trim()
    .max(2000, 'description must be at most 2000 characters')
    .default(''),
});
export type StatusPageCreateInput = z.infer<typeof statusPageCreateInput>;

export const statusPageUpdateInput = z.object({
  id: z.uuid('id must be a status page id'),
  slug: statusPageSlug.optional(),
  title: title('title', 200).optional(),
  description: text('description').trim().max(2000, 'description must be at most 2000 characters').optional(),
});
export type StatusPageUpdateInput = z.infer<typeof statusPageUpdateInput>;

/** One component: a host or every host with a tag, shown under `publicName` only. */
export const statusPageComponentInput = z.union(
  [
    z.object({ publicName: title('publicName', 100), hostId: z.uuid('hostId must be a host id') }),
    z.object({ publicName: title('publicName', 100), tag: title('tag', 100) }),
  ],
  { error: 'a component is { publicName, hostId } or { publicName, tag }' },
);
export type StatusPageComponentInput = z.infer<typeof statusPageComponentInput>;

export const statusPageComponentsInput = z.object({
  id: z.uuid('id must be a status page id'),
  components: z.array(statusPageComponentInput).max(100, 'a page shows at most 100 components'),
});

export const NOTICE_KINDS = ['incident', 'maintenance'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];
/** The states a notice's update may report; the last three end it. */
export const INCIDENT_UPDATE_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export const MAINTENANCE_UPDATE_STATUSES = ['scheduled', 'in_progress', 'completed'] as const;
export const NOTICE_UPDATE_STATUSES = [...INCIDENT_UPDATE_STATUSES, ...MAINTENANCE_UPDATE_STATUSES] as const;
export type NoticeUpdateStatus = (typeof NOTICE_UPDATE_STATUSES)[number];
/** An update with one of these statuses ends its notice. */
export const ENDING_STATUSES: ReadonlySet<NoticeUpdateStatus> = new Set(['resolved', 'completed']);
/** The statuses a notice of `kind` may report: an incident is never "scheduled", nor maintenance "resolved". */
export const statusesOf = (kind: NoticeKind): readonly NoticeUpdateStatus[] =>
  kind === 'incident' ? INCIDENT_UPDATE_STATUSES : MAINTENANCE_UPDATE_STATUSES;
/** How the public page and the desktop name each status. */
export const NOTICE_STATUS_LABELS: Record<NoticeUpdateStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
};

const updateStatus = z.enum(NOTICE_UPDATE_STATUSES, {
  error: `status must be one of ${NOTICE_UPDATE_STATUSES.join(', ')}`,
});
const body = text('body')
  .trim()
  .min(1, 'body must not be empty')
  .max(5000, 'body must be at most 5000 characters');

/** Publishes an incident or a maintenance on a page, with its first update. */
export const statusNoticeInput = z
  .object({
    pageId: z.uuid('pageId must be a status page id'),
    kind: z.enum(NOTICE_KINDS, { error: 'kind must be incident or maintenance' }),
    title: title('title', 200),
    componentIds: z.array(z.uuid('componentIds must hold component ids')).max(100).default([]),
    /** An internal incident this notice speaks for (its title is never shown). */
    incidentId: z.uuid('incidentId must be an incident id').nullable().default(null),
    startsAt: instant('startsAt'),
    endsAt: instant('endsAt').nullable().default(null),
    status: updateStatus,
    body,
  })
  .superRefine((v, ctx) => {
    if (v.endsAt && v.endsAt <= v.startsAt)
      ctx.addIssue({ code: 'custom', path: ['endsAt'], message: 'endsAt must be after startsAt' });
    const allowed = statusesOf(v.kind);
    if (!allowed.includes(v.status))
      ctx.addIssue({
        code: 'custom',
        path: ['status'],
        message: `status of ${v.kind} must be one of ${allowed.join(', ')}`,
      });
  });
export type StatusNoticeInput = z.infer<typeof statusNoticeInput>;

export const statusNoticeUpdateInput = z.object({
  noticeId: z.uuid('noticeId must be a notice id'),
  status: updateStatus,
  body,
});
export type StatusNoticeUpdateInput = z.infer<typeof statusNoticeUpdateInput>;

/** A component's state on the public page, worst last. */
export const COMPONENT_STATES = [
  'operational',
  'no_data',
  'maintenance',
  'degraded',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentState = (typeof COMPONENT_STATES)[number];
export const COMPONENT_STATE_LABELS: Record<ComponentState, string> = {
  operational: 'Operational',
  no_data: 'No data',
  maintenance: 'Under maintenance',
  degraded: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};
