import { initTRPC, TRPCError } from '@trpc/server';
import { type Access, PROCEDURE_ACCESS, type ProcedurePath } from '@vigilo/shared/roles';
import { findNulPaths, NUL_MESSAGE } from '@vigilo/shared/safe-input';
import superjson from 'superjson';
import { ZodError } from 'zod';
import { type TxContext, withWorkspace, type WorkspaceTx } from '../db/tx.ts';
import { ActionRefused } from '../domain-errors.ts';
import type { Context } from './context.ts';
import { issuesInWords } from './error-words.ts';
import { FieldRefusal, refusalAsError } from './refusals.ts';
import { authorize, type Authorized } from './authorize.ts';

/**
 * The one tRPC instance. Zod failures are flattened into `data.fieldErrors` so every client can
 * name the offending field without parsing messages, and said in words in the message
 * ("hostname: must be a host name"), never as the issues' JSON.
 *
 * Production is the only mode: `isDev: false` whatever NODE_ENV says (tRPC would otherwise add
 * `data.stack` with absolute paths whenever NODE_ENV is unset), and an unexpected failure answers
 * with words and the request id, never its own message, which may be a raw database error. The
 * original is logged with the same request id (the adapter's onError, see http/app.ts).
 */
const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    transformer: superjson,
    isDev: false,
    errorFormatter({ shape, error, ctx }) {
      const issues =
        error.cause instanceof ZodError || error.cause instanceof FieldRefusal
          ? error.cause.issues
          : undefined;
      const { stack: _stack, ...data } = shape.data as typeof shape.data & { stack?: string };
      return {
        ...shape,
        // Zod's own message is its issues as JSON: a person reads the fields named in words.
        message:
          error.code === 'INTERNAL_SERVER_ERROR'
            ? internalErrorMessage(ctx?.requestId)
            : error.cause instanceof ZodError
              ? issuesInWords(error.cause.issues)
              : shape.message,
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

/** Which builder made a procedure: what its handler may take for granted in its context. */
export type ProcedureKind = 'public' | 'user' | 'workspace';
type ProcedureMeta = { kind: ProcedureKind };

/**
 * The builder a procedure's access (the shared role matrix) calls for: `signed_in` and
 * `platform_admin` admit signed-in users only, a Permission is checked in a named workspace.
 */
export function builderFor(access: Access): ProcedureKind {
  if (access === 'public') return 'public';
  return access === 'signed_in' || access === 'platform_admin' ? 'user' : 'workspace';
}

/** A failure of ours, not the caller's: the procedure is wired against the role matrix. */
const miswired = (message: string) => new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message });

/**
 * Every procedure is built on this: it looks the procedure up in the shared role matrix and
 * enforces it before the input is even parsed. A procedure missing from the matrix is refused,
 * so a new endpoint cannot ship without deciding who may call it; one built with the wrong
 * builder for its access is refused too (router.ts also checks all of them at start).
 */
const guarded = t.procedure.use(async ({ ctx, path, meta, next, getRawInput }) => {
  const access = (PROCEDURE_ACCESS as Record<string, Access | undefined>)[path];
  if (!access) throw miswired(`${path} is not in the role matrix`);
  if (meta?.kind !== builderFor(access))
    throw miswired(
      `${path} is a ${meta?.kind ?? 'plain'} procedure, but its access ${access} needs a ${builderFor(access)} one`,
    );
  const rawInput = await getRawInput();
  refuseNul(rawInput);
  const authorized: Authorized = await authorize(ctx, access, rawInput);
  const result = await next({ ctx: { auth: authorized } });
  // A domain action's expected refusal (target gone, already decided, bad argument) answers
  // with its own code, for every procedure, instead of each wrapping its call.
  if (!result.ok && result.error.cause instanceof ActionRefused) throw refusalAsError(result.error.cause);
  return result;
});

/** Anyone may call it, signed in or not (`public` in the role matrix). */
export const publicProcedure = guarded.meta({ kind: 'public' });

/**
 * A signed-in user's procedure (`signed_in`, `platform_admin`): `ctx.user` is the caller. No
 * workspace is involved; what it reads above the workspaces goes through `ctx.directory`.
 */
export const userProcedure = guarded.meta({ kind: 'user' }).use(({ ctx, path, next }) => {
  const p = ctx.auth.principal;
  if (p.kind !== 'user') throw miswired(`${path} admitted a ${p.kind} caller to a user procedure`);
  return next({ ctx: { user: { userId: p.userId, email: p.email, platformAdmin: p.platformAdmin } } });
});

/**
 * A procedure in the workspace its input names (a Permission in the role matrix, checked with
 * the caller's membership before the handler runs): `ctx.workspace` is that workspace with the
 * caller's role in it, and `ctx.tx` runs work in its transaction under row-level security.
 */
export const workspaceProcedure = guarded.meta({ kind: 'workspace' }).use(({ ctx, path, next }) => {
  const workspace = ctx.auth.workspace;
  if (!workspace) throw miswired(`${path} reached a workspace procedure without a workspace`);
  const txContext: TxContext = { actor: ctx.auth.actor, requestId: ctx.requestId };
  return next({
    ctx: {
      workspace,
      /** Runs `fn` in the request's workspace transaction (row-level security set). */
      tx: <T>(fn: (tx: WorkspaceTx) => Promise<T>): Promise<T> =>
        withWorkspace(ctx.services.db.app, workspace.id, txContext, fn),
    },
  });
});

/**
 * The procedures whose builder does not fit their access in the role matrix (see builderFor),
 * as `path: why`. router.ts refuses to start with any.
 */
export function builderMismatches(procedures: Record<string, { _def: { meta?: unknown } }>): string[] {
  return Object.entries(procedures).flatMap(([path, p]) => {
    const access = (PROCEDURE_ACCESS as Record<string, Access | undefined>)[path];
    const kind = (p._def.meta as Partial<ProcedureMeta> | undefined)?.kind;
    if (!access) return [`${path}: not in the role matrix`];
    return kind === builderFor(access)
      ? []
      : [`${path}: built as ${kind ?? 'plain'}, access ${access} needs ${builderFor(access)}`];
  });
}

export type { ProcedurePath };
