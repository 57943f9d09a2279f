import { initTRPC, TRPCError } from '@trpc/server';
import { type Access, PROCEDURE_ACCESS, type ProcedurePath } from '@vigilo/shared/roles';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { type TxContext, withWorkspace, type WorkspaceTx } from '../db/workspace-tx.ts';
import { ActionRefused } from '../monitoring/action-refused.ts';
import type { Context } from './context.ts';
import { refusalAsError } from './refusals.ts';
import { authorize, type Authorized } from './authorize.ts';

/**
 * The one tRPC instance. Zod failures are flattened into `data.fieldErrors` so every client can
 * name the offending field without parsing messages.
 */
const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const zod = error.cause instanceof ZodError ? error.cause : undefined;
    return {
      ...shape,
      data: {
        ...shape.data,
        fieldErrors: zod
          ? Object.fromEntries(zod.issues.map((i) => [i.path.join('.') || '(input)', i.message]))
          : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * Every procedure is built on this: it looks the procedure up in the shared role matrix and
 * enforces it before the input is even parsed. A procedure missing from the matrix is refused,
 * so a new endpoint cannot ship without deciding who may call it.
 */
const guarded = t.procedure.use(async ({ ctx, path, next, getRawInput }) => {
  const access = (PROCEDURE_ACCESS as Record<string, Access | undefined>)[path];
  if (!access) {
    throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `${path} is not in the role matrix` });
  }
  const authorized: Authorized = await authorize(ctx, access, await getRawInput());
  const txContext: TxContext = { actor: authorized.actor, requestId: ctx.requestId };
  const result = await next({
    ctx: {
      auth: authorized,
      /** Runs `fn` in the request's workspace transaction (row-level security set). */
      tx: <T>(fn: (tx: WorkspaceTx) => Promise<T>): Promise<T> => {
        if (!authorized.workspace)
          throw new Error(`${path} has no workspace: it cannot open a workspace transaction`);
        return withWorkspace(ctx.services.db.app, authorized.workspace.id, txContext, fn);
      },
    },
  });
  // A domain action's expected refusal (target gone, already decided, bad argument) answers
  // with its own code, for every procedure, instead of each wrapping its call.
  if (!result.ok && result.error.cause instanceof ActionRefused) throw refusalAsError(result.error.cause);
  return result;
});

export const publicProcedure = guarded;
export const procedure = guarded;

export type { ProcedurePath };
