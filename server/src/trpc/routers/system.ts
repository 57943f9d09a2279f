import { publicProcedure, router } from '../init.ts';

export const systemRouter = router({
  /** Liveness plus what a client needs to know it talks to a compatible server. */
  info: publicProcedure.query(async ({ ctx }) => {
    const status = await ctx.schemaStatus();
    return {
      version: ctx.services.version,
      time: ctx.services.clock(),
      schema: { applied: status.applied, latest: status.latest },
    };
  }),
  /** Server time once a second: the simplest live subscription, used to check the WebSocket path. */
  ticks: publicProcedure.subscription(async function* ({ ctx, signal }) {
    while (!signal?.aborted) {
      yield { time: ctx.services.clock() };
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }),
});
