import { z } from 'zod';
import { listDeadLetters, retryDeadLetter, STREAM_ID } from '../../monitoring/ingest/dead-letters.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const deadLetterId = (name: string) =>
  z.string().regex(STREAM_ID, `${name} must be a dead-letter id such as 1700000000000-0`);

/** The ingest pipeline as admins see it: batches that failed too often to store, and a retry. */
export const ingestRouter = router({
  deadLetters: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        limit: z.number().int().min(1).max(100).default(50),
        after: deadLetterId('after').optional(),
      }),
    )
    .query(({ ctx, input }) =>
      listDeadLetters(ctx.services.ingest.deadLetters, ctx.workspace.id, {
        limit: input.limit,
        after: input.after,
      }),
    ),

  /** Queues a dead letter again (after its cause was fixed); a new entry with fresh attempts. */
  retryDeadLetter: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: deadLetterId('id') }))
    .mutation(async ({ ctx, input }) => {
      const retried = await retryDeadLetter(ctx.services.ingest.deadLetters, ctx.workspace.id, input.id);
      // Redis state, not a database row: no audit row, so the log keeps who asked.
      ctx.log.info(
        {
          workspace: ctx.workspace.id,
          deadLetter: input.id,
          queuedAs: retried.queuedAs,
          actor: ctx.auth.actor,
        },
        'ingest dead letter queued again',
      );
      return retried;
    }),
});
