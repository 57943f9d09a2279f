import { TRPCError } from '@trpc/server';
import { roleAtMost, workspaceRoleSchema } from '@vigilo/shared/roles';
import { z } from 'zod';
import { mintToken } from '../../platform/api-token-format.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const apiTokensRouter = router({
  list: workspaceProcedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      const { rows } = await tx.query<{
        id: string;
        name: string;
        prefix: string;
        role: string;
        created_at: Date;
        expires_at: Date | null;
        last_used_at: Date | null;
        revoked_at: Date | null;
      }>(
        'SELECT id, name, prefix, role, created_at, expires_at, last_used_at, revoked_at FROM api_tokens ORDER BY created_at DESC',
      );
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        prefix: r.prefix,
        role: r.role,
        createdAt: r.created_at,
        expiresAt: r.expires_at,
        lastUsedAt: r.last_used_at,
        revokedAt: r.revoked_at,
      }));
    }),
  ),

  /** Creates a token and returns it once; only its hash is stored. */
  create: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        name: z.string().trim().min(1, 'name must not be empty').max(100),
        role: workspaceRoleSchema,
        expiresAt: z.coerce.date({ error: 'expiresAt must be a date' }).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      // Only a signed-in user mints tokens. A token is bound to its creator's current role for its
      // whole life (api-token-check.ts); a token minted by a token would have no user behind it,
      // or a chain of parents to walk on every check and revocation. One rule instead: every
      // token has a user on record, and revoking a token leaves no descendants alive.
      if (ctx.auth.principal.kind !== 'user') {
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: 'API tokens cannot create API tokens: sign in as a user to create one',
        });
      }
      const createdBy = ctx.auth.principal.userId;
      const mine = ctx.workspace.role;
      if (!roleAtMost(input.role, mine)) {
        throw new TRPCError({
          code: 'FORBIDDEN',
          message: `a token cannot have a higher role (${input.role}) than yours (${mine})`,
        });
      }
      if (input.expiresAt && input.expiresAt <= ctx.services.clock()) {
        throw new TRPCError({ code: 'BAD_REQUEST', message: 'expiresAt must be in the future' });
      }
      return ctx.tx(async (tx) => {
        const { token, hash, prefix } = mintToken(tx.workspaceId);
        const { rows } = await tx.query<{ id: string }>(
          `INSERT INTO api_tokens (workspace_id, name, token_hash, prefix, role, created_by, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [tx.workspaceId, input.name, hash, prefix, input.role, createdBy, input.expiresAt ?? null],
        );
        const id = rows[0]?.id ?? '';
        await tx.record({
          action: 'api_token.created',
          target: { type: 'api_token', id },
          summary: {
            after: { name: input.name, role: input.role, prefix, expiresAt: input.expiresAt ?? null },
          },
          event: 'api_token.created',
          payload: { id, name: input.name, role: input.role },
        });
        return { id, token, prefix };
      });
    }),

  revoke: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a token id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ name: string }>(
          'UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING name',
          [input.id],
        );
        if (!rows[0]) throw new TRPCError({ code: 'NOT_FOUND', message: 'no active token with that id' });
        await tx.record({
          action: 'api_token.revoked',
          target: { type: 'api_token', id: input.id },
          summary: { before: { name: rows[0].name } },
          event: 'api_token.revoked',
          payload: { id: input.id },
        });
        return { id: input.id };
      }),
    ),
});
