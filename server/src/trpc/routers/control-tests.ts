import { controlTestIdSchema } from '@vigilo/shared/control-tests';
import { instant } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import {
  configureControlTest,
  listControlTests,
  resultHistory,
} from '../../compliance/control-tests/results.ts';
import { runControlTests } from '../../compliance/control-tests/run.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

export const controlTestsRouter = router({
  /** Every shipped control test with what it checks, its settings and its latest result. */
  list: workspaceProcedure
    .input(z.object({ workspace: workspaceRef }))
    .query(({ ctx }) => ctx.tx((tx) => listControlTests(tx))),

  /** Evaluates the tests now (all, or the ones named) and returns their results. */
  run: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, testIds: z.array(controlTestIdSchema).min(1).optional() }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        runControlTests(tx, { now: ctx.services.clock(), actor: ctx.auth.actor, only: input.testIds }),
      ),
    ),

  /** Stored results, newest first (each a change of outcome), for one test or all. */
  results: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        testId: controlTestIdSchema.optional(),
        before: instant('before').optional(),
        limit: z.number().int().min(1).max(200).default(50),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => resultHistory(tx, input))),

  /** Whether a test opens a task when it starts failing. */
  configure: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, testId: controlTestIdSchema, openTaskOnFail: z.boolean() }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        configureControlTest(tx, {
          testId: input.testId,
          openTaskOnFail: input.openTaskOnFail,
          now: ctx.services.clock(),
        }),
      ),
    ),
});
