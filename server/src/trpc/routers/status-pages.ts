import {
  statusNoticeInput,
  statusNoticeUpdateInput,
  statusPageComponentsInput,
  statusPageCreateInput,
  statusPageUpdateInput,
} from '@vigilo/shared/status-page';
import { z } from 'zod';
import {
  createStatusPage,
  getStatusPage,
  listStatusPages,
  postStatusNotice,
  postStatusUpdate,
  removeStatusPage,
  setStatusPageComponents,
  updateStatusPage,
} from '../../reliability/status-pages.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const pageId = z.uuid('id must be a status page id');

/** Public status pages: what each shows, under which public names (server/src/reliability/). */
export const statusPagesRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listStatusPages(tx))),

  get: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: pageId }))
    .query(({ ctx, input }) => ctx.tx((tx) => getStatusPage(tx, input.id))),

  /** A new page at /status/<slug>; a slug taken by any workspace is refused naming `slug`. */
  create: workspaceProcedure
    .input(statusPageCreateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...page } }) =>
      ctx.tx((tx) => createStatusPage(tx, page, ctx.services.clock())),
    ),

  update: workspaceProcedure
    .input(statusPageUpdateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateStatusPage(tx, patch, ctx.services.clock())),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: pageId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeStatusPage(tx, input.id))),

  /** Replaces the page's components (hosts or tags under public names), in order. */
  setComponents: workspaceProcedure
    .input(statusPageComponentsInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => setStatusPageComponents(tx, input.id, input.components, ctx.services.clock())),
    ),

  /** Publishes an incident or a maintenance on the page, with its first update. */
  postNotice: workspaceProcedure
    .input(statusNoticeInput.safeExtend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...notice } }) =>
      ctx.tx((tx) => postStatusNotice(tx, notice, ctx.services.clock())),
    ),

  /** Adds an update to a published notice; resolved or completed ends it. */
  postUpdate: workspaceProcedure
    .input(statusNoticeUpdateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...update } }) =>
      ctx.tx((tx) => postStatusUpdate(tx, update, ctx.services.clock())),
    ),
});
