import { refineSlo, sloCreateInput, sloUpdateInput } from '@vigilo/shared/slo';
import { z } from 'zod';
import { createSlo, getSlo, listSlos, removeSlo, updateSlo } from '../../reliability/slos.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const sloId = z.uuid('id must be an SLO id');

/** Service level objectives over hosts or tags: error budgets and burn rates (server/src/reliability/). */
export const slosRouter = router({
  /** Every SLO with its budget remaining and burn rates as of its last evaluation. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listSlos(tx))),

  /** One SLO's budget, attainment, burn rates and the burn-rate alerts that fire. */
  status: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: sloId }))
    .query(({ ctx, input }) => ctx.tx((tx) => getSlo(tx, input.id))),

  create: workspaceProcedure
    .input(sloCreateInput.extend({ workspace: workspaceRef }).superRefine(refineSlo))
    .mutation(({ ctx, input: { workspace: _, ...slo } }) =>
      ctx.tx((tx) => createSlo(tx, slo, ctx.services.clock())),
    ),

  update: workspaceProcedure
    .input(sloUpdateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...patch } }) =>
      ctx.tx((tx) => updateSlo(tx, patch, ctx.services.clock())),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: sloId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeSlo(tx, input.id))),
});
