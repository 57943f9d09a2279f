import {
  changeCreateInput,
  changeTransitionInput,
  changeUpdateInput,
  refinePlannedWindow,
} from '@vigilo/shared/change-inputs';
import { changeStateSchema, changeTypeSchema } from '@vigilo/shared/change-states';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { createChange, updateChange } from '../../changes/change-actions.ts';
import { getChange, listChanges } from '../../changes/change-list.ts';
import { transitionChange } from '../../changes/change-transitions.ts';
import { draftRenewal } from '../../changes/renewal-draft.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Changes: raised, edited, moved through their states (server/src/changes/). */
export const changesRouter = router({
  /** Changes newest first, filtered, with a keyset cursor (createdAt, id). */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        state: z.array(changeStateSchema).max(10).optional(),
        type: changeTypeSchema.optional(),
        hostId: z.uuid('hostId must be a host id').optional(),
        requesterId: z.uuid('requesterId must be a user id').optional(),
        cursor: z.object({ createdAt: instant('cursor.createdAt'), id: z.uuid() }).optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input: { workspace: _, ...filter } }) =>
      ctx.tx((tx) => listChanges(tx, filter, ctx.services.clock())),
    ),

  /** One change with its people named and its approval trail. */
  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a change id') }))
    .query(({ ctx, input }) => ctx.tx((tx) => getChange(tx, input.id, ctx.services.clock()))),

  /** Raises a draft, or with templateId a standard change approved at once. */
  create: workspaceProcedure
    .input(changeCreateInput.extend({ workspace: workspaceRef }).superRefine(refinePlannedWindow))
    .mutation(({ ctx, input: { workspace: _, ...change } }) =>
      ctx.tx((tx) => createChange(tx, change, ctx.auth.actor, ctx.services.clock())),
    ),

  /** Edits the fields given, at the revision the editor saw. */
  update: workspaceProcedure
    .input(changeUpdateInput.extend({ workspace: workspaceRef }).superRefine(refinePlannedWindow))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateChange(tx, patch, ctx.auth.actor, ctx.services.clock())),
    ),

  /** Moves the change to `to` (submit, withdraw, cancel, schedule, start, finish). */
  transition: workspaceProcedure
    .input(changeTransitionInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...move } }) =>
      ctx.tx((tx) => transitionChange(tx, move, ctx.auth.actor, ctx.services.clock())),
    ),

  /**
   * From an alert about an expiring certificate, drafts the change renewing it: the host, the
   * certificate, a window before the expiry outside freeze windows, the renewal template if any.
   */
  draftRenewal: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, alertId: z.uuid('alertId must be an alert id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => draftRenewal(tx, { alertId: input.alertId }, ctx.auth.actor, ctx.services.clock())),
    ),
});
