import { z } from 'zod';
import { exportAuditBundle } from '../../compliance/audit-bundle/export.ts';
import { auditFilterSchema, listAudit, verifyAudit } from '../../platform/audit-log.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const auditRouter = router({
  /** Filtered audit rows, newest first, with a keyset cursor (the seq to continue before). */
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        filter: auditFilterSchema.optional(),
        cursor: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(500).default(100),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx((tx) => listAudit(tx, input.filter ?? {}, { beforeSeq: input.cursor, limit: input.limit })),
    ),

  /** Walks the chain; `broken` names the first row that fails, if any. */
  verify: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => verifyAudit(tx))),

  /**
   * The audit bundle for a period and filter (shared/src/audit-bundle.ts): the manifest, the rows
   * as CSV and as JSON lines, in one document that `vigilo audit verify` checks offline.
   */
  bundle: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, filter: auditFilterSchema.optional() }))
    .query(({ ctx, input }) =>
      ctx.tx((tx) =>
        exportAuditBundle(tx, {
          filter: input.filter ?? {},
          workspaceSlug: ctx.auth.workspace?.slug ?? '',
          exportedBy: `${ctx.auth.actor.type}:${ctx.auth.actor.id}`,
          now: ctx.services.clock(),
        }),
      ),
    ),
});
