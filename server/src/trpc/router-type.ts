import type { appRouter } from './router.ts';

/** The only thing other programs may import from the server: the API's type, never its code. */
export type AppRouter = typeof appRouter;
