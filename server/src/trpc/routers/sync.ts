import { pushEntrySchema } from '@vigilo/shared/outbox';
import { z } from 'zod';
import { auditAfter } from '../../platform/audit-log.ts';
import { applyClientMutation, type AppliedMutation } from '../../sync/apply.ts';
import { pullChanges } from '../../sync/change-log.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const cursor = z.number({ error: 'cursor must be a number' }).int().min(0, 'cursor must be 0 or more');

export const syncRouter = router({
  /** The change log after `cursor` (0 for everything), in order, filtered to the caller's role. */
  pull: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        cursor: cursor.default(0),
        limit: z.number().int().min(1).max(5000).default(1000),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx((tx) => pullChanges(tx, ctx.workspace.role, input.cursor, input.limit)),
    ),

  /**
   * Audit rows after `afterSeq`, oldest first: replicas copy the log by its own dense seq, so an
   * interrupted copy resumes from the highest seq it holds. `headSeq` is the log's length.
   */
  audit: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        afterSeq: cursor.default(0),
        limit: z.number().int().min(1).max(5000).default(1000),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => auditAfter(tx, input.afterSeq, input.limit))),

  /**
   * Applies client mutations (a desktop's outbox) in order, each in its own transaction and at
   * most once per client id. Each answer is `applied` or a typed `conflict`; retrying an id
   * returns its first answer with `replayed: true`.
   */
  push: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        // Typed by the shared outbox contract; each entry's kind and arguments are checked by
        // applyClientMutation, so one the server cannot take is that entry's conflict.
        mutations: z.array(pushEntrySchema).min(1).max(100),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const role = ctx.workspace.role;
      const results: AppliedMutation[] = [];
      for (const m of input.mutations) {
        results.push(
          await ctx.tx((tx) => applyClientMutation(tx, role, ctx.auth.actor, m, ctx.services.clock())),
        );
      }
      return results;
    }),
});
