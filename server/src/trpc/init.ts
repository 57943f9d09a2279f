import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { ZodError } from 'zod';
import type { Context } from './context.ts';

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
export const publicProcedure = t.procedure;
export const createCallerFactory = t.createCallerFactory;
