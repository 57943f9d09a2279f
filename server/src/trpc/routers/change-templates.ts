import { changeTemplateInput } from '@vigilo/shared/change-inputs';
import { z } from 'zod';
import { approveTemplate, createTemplate, listTemplates, removeTemplate } from '../../changes/templates.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const templateRef = z.object({ workspace: workspaceRef, id: z.uuid('id must be a template id') });

/** The standard-change catalogue (server/src/changes/templates.ts). */
export const changeTemplatesRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listTemplates)),

  /** Proposes a template; another approver approves it once (changeTemplates.approve). */
  create: workspaceProcedure
    .input(changeTemplateInput.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...template } }) =>
      ctx.tx((tx) => createTemplate(tx, template, ctx.auth.actor, ctx.services.clock())),
    ),

  approve: workspaceProcedure
    .input(templateRef)
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => approveTemplate(tx, input.id, ctx.auth.actor, ctx.services.clock())),
    ),

  remove: workspaceProcedure
    .input(templateRef)
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeTemplate(tx, input.id))),
});
