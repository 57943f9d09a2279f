import type { WorkspaceRole } from '@vigilo/shared/roles';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Context } from '../../src/trpc/context.ts';
import {
  builderMismatches,
  createCallerFactory,
  publicProcedure,
  router,
  userProcedure,
  workspaceProcedure,
} from '../../src/trpc/init.ts';
import { appRouter } from '../../src/trpc/router.ts';

/**
 * The narrowed builders (trpc/init.ts) only narrow types: the role matrix decides access. So a
 * procedure's builder must fit its access there, which is checked for the whole API at start and
 * again when a procedure runs.
 */
type Procedures = Record<string, { _def: { meta?: unknown } }>;
const proceduresOf = (r: { _def: { procedures: unknown } }) => r._def.procedures as Procedures;

describe('procedure builders', () => {
  it('fit the role matrix for every procedure of the API', () => {
    expect(builderMismatches(proceduresOf(appRouter))).toEqual([]);
  });

  it('are refused where they do not fit: a workspace builder for signed_in, a user one for a permission', () => {
    const wrong = router({
      workspace: router({
        mine: workspaceProcedure.query(() => 1),
        get: userProcedure.query(() => 1),
        update: publicProcedure.mutation(() => 1),
      }),
      system: router({ info: publicProcedure.query(() => 1) }),
      made: router({ up: publicProcedure.query(() => 1) }),
    });
    expect(builderMismatches(proceduresOf(wrong))).toEqual([
      'workspace.mine: built as workspace, access signed_in needs user',
      'workspace.get: built as user, access read needs workspace',
      'workspace.update: built as public, access administer needs workspace',
      'made.up: not in the role matrix',
    ]);
  });

  it('refuse to run a miswired procedure, before any credential is checked', async () => {
    const wrong = router({ workspace: router({ mine: workspaceProcedure.query(() => 1) }) });
    const ctx = {
      requestId: 'test',
      principal: () => Promise.reject(new Error('the credential must not be checked')),
    } as unknown as Context;
    await expect(createCallerFactory(wrong)(ctx).workspace.mine()).rejects.toMatchObject({
      code: 'INTERNAL_SERVER_ERROR',
      message: 'workspace.mine is a workspace procedure, but its access signed_in needs a user one',
    });
  });

  it('give handlers a non-optional user or workspace with a typed role', () => {
    workspaceProcedure.query(({ ctx }) => {
      expectTypeOf(ctx.workspace.role).toEqualTypeOf<WorkspaceRole>();
      expectTypeOf(ctx.workspace.id).toEqualTypeOf<string>();
      return 1;
    });
    userProcedure.query(({ ctx }) => {
      expectTypeOf(ctx.user.userId).toEqualTypeOf<string>();
      expectTypeOf(ctx.user.platformAdmin).toEqualTypeOf<boolean>();
      return 1;
    });
  });
});
