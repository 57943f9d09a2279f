import { workspaceRoleSchema } from '@vigilo/shared/roles';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { createApiToken, listApiTokens, revokeApiToken } from '../../platform/api-tokens.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const apiTokensRouter = router({
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx(listApiTokens)),

  /** Creates a token and returns it once; only its hash is stored. */
  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        name: z.string().trim().min(1, 'name must not be empty').max(100),
        role: workspaceRoleSchema,
        expiresAt: instant('expiresAt').optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const principal = ctx.auth.principal;
      const creator = {
        userId: principal.kind === 'user' ? principal.userId : undefined,
        role: ctx.workspace.role,
      };
      return ctx.tx((tx) =>
        createApiToken(tx, creator, {
          name: input.name,
          role: input.role,
          expiresAt: input.expiresAt,
          now: ctx.services.clock(),
        }),
      );
    }),

  revoke: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a token id') }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => revokeApiToken(tx, input.id))),
});
