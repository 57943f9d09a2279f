import { router } from './init.ts';
import { systemRouter } from './routers/system.ts';

/** The whole API: one sub-router per domain. */
export const appRouter = router({
  system: systemRouter,
});
