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

type AlertRow = {
  id: string;
  rule_id: string;
  rule_name: string;
  host_id: string;
  hostname: string;
  port: number;
  severity: string;
  summary: string;
  state: string;
  opened_at: Date;
  resolved_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  ack_note: string | null;
};

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
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<AlertRow>(
          `SELECT a.id, a.rule_id, r.name AS rule_name, a.host_id, h.hostname, h.port, a.severity, a.summary, a.state, a.opened_at,
                  a.resolved_at, a.acknowledged_at, a.acknowledged_by, a.ack_note
           FROM alerts a JOIN alert_rules r ON r.id = a.rule_id JOIN hosts h ON h.id = a.host_id
           WHERE ($1::text IS NULL OR a.state = $1) AND ($2::text IS NULL OR a.severity = $2) AND ($3::uuid IS NULL OR a.host_id = $3)
             AND ($4::uuid IS NULL OR a.rule_id = $4) AND ($5::text IS NULL OR $5 = ANY(h.tags))
             AND ($6::timestamptz IS NULL OR a.opened_at >= $6) AND ($7::timestamptz IS NULL OR a.opened_at <= $7)
             AND ($8::timestamptz IS NULL OR (a.opened_at, a.id) < ($8, $9::uuid))
           ORDER BY a.opened_at DESC, a.id DESC LIMIT $10`,
          [
            input.state ?? null,
            input.severity ?? null,
            input.hostId ?? null,
            input.ruleId ?? null,
            input.tag ?? null,
            input.from ?? null,
            input.to ?? null,
            input.cursor?.openedAt ?? null,
            input.cursor?.id ?? null,
            input.limit + 1,
          ],
        );
        const page = rows.slice(0, input.limit).map((r) => ({
          id: r.id,
          ruleId: r.rule_id,
          ruleName: r.rule_name,
          hostId: r.host_id,
          hostname: r.hostname,
          port: r.port,
          severity: r.severity,
          summary: r.summary,
          state: r.state,
          openedAt: r.opened_at,
          resolvedAt: r.resolved_at,
          acknowledgedAt: r.acknowledged_at,
          acknowledgedBy: r.acknowledged_by,
          ackNote: r.ack_note,
        }));
        const last = page.at(-1);
        return {
          alerts: page,
          nextCursor:
            rows.length > input.limit && last ? { openedAt: last.openedAt, id: last.id } : undefined,
        };
      }),
    ),

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
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ id: string; body: string; author: string; created_at: Date }>(
          `SELECT id, body, author, created_at FROM comments
           WHERE target_type = 'alert' AND target_id = $1 ORDER BY created_at, id`,
          [input.id],
        );
        return rows.map((r) => ({ id: r.id, body: r.body, author: r.author, createdAt: r.created_at }));
      }),
    ),

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
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO maintenance_windows (workspace_id, name, host_ids, tags, starts_at, ends_at, repeat_days)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [
            tx.workspaceId,
            input.name,
            input.hostIds,
            input.tags,
            input.startsAt,
            input.endsAt,
            input.repeatDays ?? null,
          ],
        );
        const id = rows[0]?.id ?? '';
        await tx.record({
          action: 'maintenance.created',
          target: { type: 'maintenance_window', id },
          summary: {
            after: {
              name: input.name,
              hostIds: input.hostIds,
              tags: input.tags,
              startsAt: input.startsAt,
              endsAt: input.endsAt,
              repeatDays: input.repeatDays ?? null,
            },
          },
          event: 'maintenance.created',
          payload: { id, name: input.name },
        });
        return { id };
      }),
    ),
});
