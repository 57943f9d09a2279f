import { initTRPC, TRPCError } from '@trpc/server';
import { type Access, PROCEDURE_ACCESS, type ProcedurePath } from '@vigilo/shared/roles';
import { findNulPaths, NUL_MESSAGE } from '@vigilo/shared/safe-input';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { type TxContext, withWorkspace, type WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import type { Context } from './context.ts';
import { FieldRefusal, refusalAsError } from './refusals.ts';
import { authorize, type Authorized } from './authorize.ts';

/**
 * The one tRPC instance. Zod failures are flattened into `data.fieldErrors` so every client can
 * name the offending field without parsing messages.
 *
 * Production is the only mode: `isDev: false` whatever NODE_ENV says (tRPC would otherwise add
 * `data.stack` with absolute paths whenever NODE_ENV is unset), and an unexpected failure answers
 * with words and the request id, never its own message, which may be a raw database error. The
 * original is logged with the same request id (the adapter's onError, see http/app.ts).
 */
const t = initTRPC.context<Context>().create({
  transformer: superjson,
  isDev: false,
  errorFormatter({ shape, error, ctx }) {
    const issues =
      error.cause instanceof ZodError || error.cause instanceof FieldRefusal ? error.cause.issues : undefined;
    const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
    return {
      ...shape,
      message: error.code === 'INTERNAL_SERVER_ERROR' ? internalErrorMessage(ctx?.requestId) : shape.message,
      data: {
        ...data,
        fieldErrors: issues
          ? Object.fromEntries(issues.map((i) => [i.path.join('.') || '(input)', i.message]))
          : undefined,
      },
    };
  },
});

/** What a caller reads for a failure of ours: no internals, and the id to find it in the log. */
export function internalErrorMessage(requestId: string | undefined): string {
  return `internal error; the server logged it with request id ${requestId ?? 'unknown'}`;
}

/**
 * Refuses any string holding U+0000, anywhere in the raw input (values and keys), as BAD_REQUEST
 * naming each path. Postgres text and jsonb cannot store it, so without this one check every
 * procedure (and the workspace lookup itself) would answer with a 500 carrying a database error.
 */
function refuseNul(rawInput: unknown): void {
  const paths = findNulPaths(rawInput);
  if (paths.length === 0) return;
  const first = paths[0]?.join('.') || '(input)';
  throw new TRPCError({
    code: 'BAD_REQUEST',
    message: `${first}: ${NUL_MESSAGE}`,
    cause: new FieldRefusal(paths.map((path) => ({ path, message: NUL_MESSAGE }))),
  });
}

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
  const rawInput = await getRawInput();
  refuseNul(rawInput);
  const authorized: Authorized = await authorize(ctx, access, rawInput);
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
