import { migrationStatus } from '../../db/migrate.ts';
import { publicProcedure, router } from '../init.ts';

export const systemRouter = router({
  /** Liveness plus what a client needs to know it talks to a compatible server. */
  info: publicProcedure.query(async ({ ctx }) => {
    const client = await ctx.services.db.owner.connect();
    try {
      const status = await migrationStatus(client, ctx.services.migrations);
      return {
        version: ctx.services.version,
        time: ctx.services.clock(),
        schema: { applied: status.applied, latest: status.latest },
      };
    } finally {
      client.release();
    }
  }),
  /** Server time once a second: the simplest live subscription, used to check the WebSocket path. */
  ticks: publicProcedure.subscription(async function* ({ ctx, signal }) {
    while (!signal?.aborted) {
      yield { time: ctx.services.clock() };
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }),
});
