import {
  freezeWindowCreateInput,
  freezeWindowUpdateInput,
  refineFreezeWindow,
} from '@vigilo/shared/change-calendar';
import { z } from 'zod';
import {
  createFreezeWindow,
  listFreezeWindows,
  removeFreezeWindow,
  updateFreezeWindow,
} from '../../changes/freeze-windows.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** Freeze windows: when no change may be scheduled (server/src/changes/freeze-windows.ts). */
export const freezeWindowsRouter = router({
  /** Windows not over yet, earliest first (all of them with `ended: true`). */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, ended: z.boolean().default(false) }))
    .query(({ ctx, input }) => ctx.tx((tx) => listFreezeWindows(tx, ctx.services.clock(), input.ended))),

  /** Adds a window; the changes already planned inside it show it as a collision. */
  create: workspaceProcedure
    .input(freezeWindowCreateInput.extend({ workspace: workspaceRef }).superRefine(refineFreezeWindow))
    .mutation(({ ctx, input: { workspace: _, ...window } }) =>
      ctx.tx((tx) => createFreezeWindow(tx, window, ctx.auth.actor, ctx.services.clock())),
    ),

  update: workspaceProcedure
    .input(freezeWindowUpdateInput.extend({ workspace: workspaceRef }).superRefine(refineFreezeWindow))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateFreezeWindow(tx, patch, ctx.services.clock())),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a freeze window id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeFreezeWindow(tx, input.id, ctx.services.clock()))),
});
