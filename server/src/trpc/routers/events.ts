import { eventMatches, EVENT_FILTER_PATTERN } from '@vigilo/shared/events';
import { z } from 'zod';
import { eventVisibleTo } from '../../sync/event-visibility.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { watchAccess } from '../live-access.ts';

export const eventsRouter = router({
  /**
   * The workspace's committed events as they are dispatched, optionally filtered by type. Live
   * only: a client that was away pulls what it missed (sync), then subscribes. Each event is
   * shown only to a role sync would show its rows to, by the subscriber's role at delivery; the
   * stream ends with the reason once their access does (live-access.ts).
   */
  live: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        types: z
          .array(z.string().regex(EVENT_FILTER_PATTERN, 'event types look like alert.opened, alert.* or *'))
          .min(1)
          .default(['*']),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      const access = watchAccess(ctx, ctx.workspace, signal);
      try {
        for await (const event of ctx.services.bus.subscribe(ctx.workspace.id, access.signal)) {
          const role = await access.roleFor(event.type);
          if (eventVisibleTo(role, event.type) && eventMatches(input.types, event.type)) yield event;
        }
        access.throwIfEnded();
      } finally {
        access.close();
      }
    }),
});
