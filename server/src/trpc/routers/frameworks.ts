import { text } from '@vigilo/shared/safe-input';
import { z } from 'zod';
import { frameworkCoverage } from '../../compliance/frameworks/coverage.ts';
import { ensureBuiltinFrameworks } from '../../compliance/frameworks/builtin.ts';
import { getFramework, listFrameworks } from '../../compliance/frameworks/framework-views.ts';
import { importFramework } from '../../compliance/frameworks/import.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

/** A framework named by its key (`nist-csf-2.0`) or id. */
const framework = z
  .string({ error: 'framework must be a string' })
  .min(1, 'framework must not be empty')
  .max(100);

/** The largest catalogue accepted, in characters of JSON (NIST CSF 2.0 is about 30 000). */
const MAX_DOCUMENT = 2_000_000;

export const frameworksRouter = router({
  /** The workspace's frameworks (the shipped NIST CSF 2.0 first) with their requirement counts. */
  list: workspaceProcedure.input(z.object({ workspace: workspaceRef })).query(({ ctx }) =>
    ctx.tx(async (tx) => {
      // A workspace made before frameworks existed gets the shipped catalogue on first look.
      await ensureBuiltinFrameworks(tx, ctx.services.clock());
      return listFrameworks(tx);
    }),
  ),

  /** One framework with its requirements in order, each with the controls mapped to it. */
  get: workspaceProcedure.input(z.object({ workspace: workspaceRef, framework })).query(({ ctx, input }) =>
    ctx.tx(async (tx) => {
      await ensureBuiltinFrameworks(tx, ctx.services.clock());
      return getFramework(tx, input.framework);
    }),
  ),

  /** The share of leaf requirements with an implemented control and current evidence, per function too. */
  coverage: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, framework }))
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const now = ctx.services.clock();
        await ensureBuiltinFrameworks(tx, now);
        return frameworkCoverage(tx, input.framework, now);
      }),
    ),

  /** Imports a catalogue in the documented JSON format; every bad line is reported, nothing stored. */
  import: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        document: text('document')
          .min(1, 'document must not be empty')
          .max(MAX_DOCUMENT, `document must be at most ${MAX_DOCUMENT} characters`),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) => importFramework(tx, { document: input.document, now: ctx.services.clock() })),
    ),
});
