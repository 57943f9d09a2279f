import { randomUUID } from 'node:crypto';
import { AlertSeverity } from '@vigilo/shared/alert-rules';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import {
  acknowledgeAlert,
  commentOnAlert,
  createSnooze,
  resolveAlert,
  SNOOZE_PRESETS,
} from '../../monitoring/alerts/alert-actions.ts';
import { listAlertComments, listAlerts } from '../../monitoring/alerts/alert-list.ts';
import { scheduleMaintenance } from '../../monitoring/alerts/maintenance.ts';

/** An alert and an optional note: what acknowledging and resolving take. */
const alertNoteInput = z.object({
  workspace: workspaceRef,
  id: z.uuid('id must be an alert id'),
  note: z.string().max(2000).optional(),
});

export const alertsRouter = router({
  /** Alerts newest first, filtered, with a keyset cursor (opened_at, id). */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        state: z.enum(['open', 'resolved']).optional(),
        severity: AlertSeverity.optional(),
        hostId: z.uuid().optional(),
        ruleId: z.uuid().optional(),
        tag: z.string().optional(),
        from: instant('from').optional(),
        to: instant('to').optional(),
        cursor: z.object({ openedAt: instant('cursor.openedAt'), id: z.uuid() }).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => listAlerts(tx, input))),

  acknowledge: workspaceProcedure.input(alertNoteInput).mutation(({ ctx, input }) =>
    ctx.tx((tx) =>
      acknowledgeAlert(tx, {
        alertId: input.id,
        note: input.note,
        actor: ctx.auth.actor,
        now: ctx.services.clock(),
      }).then((r) => ({ id: r.alertId, acknowledgedAt: r.acknowledgedAt })),
    ),
  ),

  /** Resolves an open alert by hand; it reopens at the next evaluation if its condition holds. */
  resolve: workspaceProcedure.input(alertNoteInput).mutation(({ ctx, input }) =>
    ctx.tx((tx) =>
      resolveAlert(tx, {
        alertId: input.id,
        note: input.note,
        actor: ctx.auth.actor,
        now: ctx.services.clock(),
      }).then((r) => ({ id: r.alertId, resolvedAt: r.resolvedAt })),
    ),
  ),

  /** Adds a comment to an alert's timeline; `commentId` (optional) makes a retry harmless. */
  comment: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: z.uuid('id must be an alert id'),
        commentId: z.uuid('commentId must be a uuid').optional(),
        body: z.string().trim().min(1, 'body must not be empty').max(4000),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        commentOnAlert(tx, {
          commentId: input.commentId ?? randomUUID(),
          alertId: input.id,
          body: input.body,
          actor: ctx.auth.actor,
          now: ctx.services.clock(),
        }),
      ),
    ),

  /** An alert's comments, oldest first. */
  comments: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be an alert id') }))
    .query(({ ctx, input }) => ctx.tx((tx) => listAlertComments(tx, input.id))),

  /** Snoozes a host or a rule (or one rule on one host) for a preset or until a time. */
  snooze: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          hostId: z.uuid().optional(),
          ruleId: z.uuid().optional(),
          duration: z.enum(['1h', '1d', '1w']).optional(),
          until: instant('until').optional(),
          reason: z.string().max(500).optional(),
        })
        .refine((s) => s.hostId || s.ruleId, { message: 'snooze a host, a rule, or both', path: ['hostId'] })
        .refine((s) => (s.duration === undefined) !== (s.until === undefined), {
          message: 'give either duration or until',
          path: ['until'],
        }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => {
        const now = ctx.services.clock();
        return createSnooze(tx, {
          hostId: input.hostId,
          ruleId: input.ruleId,
          until: input.until ?? new Date(now.getTime() + SNOOZE_PRESETS[input.duration ?? '1h']),
          reason: input.reason,
          actor: ctx.auth.actor,
          now,
        });
      }),
    ),

  /** Schedules a maintenance window (once, or repeating every N days) for hosts or tags. */
  scheduleMaintenance: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          name: z.string().trim().min(1).max(100),
          hostIds: z.array(z.uuid()).default([]),
          tags: z.array(z.string()).default([]),
          startsAt: instant('startsAt'),
          endsAt: instant('endsAt'),
          repeatDays: z.number().int().min(1).max(366).optional(),
        })
        .refine((w) => w.endsAt > w.startsAt, { message: 'endsAt must be after startsAt', path: ['endsAt'] })
        .refine((w) => w.hostIds.length + w.tags.length > 0, {
          message: 'cover at least one host or tag',
          path: ['hostIds'],
        }),
    )
    .mutation(({ ctx, input: { workspace: _, ...window } }) =>
      ctx.tx((tx) => scheduleMaintenance(tx, window)),
    ),
});
