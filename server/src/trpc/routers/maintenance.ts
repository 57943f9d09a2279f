import { instant, text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import {
  cancelMaintenanceWindow,
  listMaintenanceWindows,
  updateMaintenanceWindow,
} from '../../monitoring/alerts/maintenance.ts';
import { liftSnooze, listSnoozes } from '../../monitoring/alerts/snoozes.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/**
 * Maintenance windows after they are scheduled (alerts.scheduleMaintenance creates them) and the
 * snoozes in force: list, edit, cancel, lift. The rules live in monitoring/alerts/.
 */
export const maintenanceRouter = router({
  /** Windows not over yet (repeating ones always), earliest first; `ended` adds finished ones. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, ended: z.boolean().default(false) }))
    .query(({ ctx, input }) => ctx.tx((tx) => listMaintenanceWindows(tx, ctx.services.clock(), input.ended))),

  /** Edits a window: the fields given replace the stored ones (repeatDays null: once). */
  update: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        id: z.uuid('id must be a maintenance window id'),
        name: text('name').trim().min(1, 'name must not be empty').max(100).optional(),
        hostIds: z.array(z.uuid('hostIds must hold host ids')).max(500).optional(),
        tags: z.array(text('tags').trim().min(1, 'a tag must not be empty').max(100)).max(50).optional(),
        startsAt: instant('startsAt').optional(),
        endsAt: instant('endsAt').optional(),
        repeatDays: z.number().int().min(1, 'repeatDays must be 1 to 366').max(366).nullable().optional(),
      }),
    )
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateMaintenanceWindow(tx, patch, ctx.services.clock())),
    ),

  /** Cancels a window: alerts of its hosts open again from the next evaluation. */
  cancel: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a maintenance window id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => cancelMaintenanceWindow(tx, input.id))),
});

export const snoozesRouter = router({
  /** Snoozes in force, ending soonest first, with the host and rule they name. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listSnoozes(tx, ctx.services.clock()))),

  /** Ends a snooze now. */
  lift: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a snooze id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => liftSnooze(tx, { id: input.id, actor: ctx.auth.actor, now: ctx.services.clock() })),
    ),
});
