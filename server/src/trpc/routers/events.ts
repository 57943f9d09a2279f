import { eventMatches, EVENT_FILTER_PATTERN } from '@vigilo/shared/events';
import { z } from 'zod';
import { workspaceRef } from '../authorize.ts';
import { procedure, router } from '../init.ts';

export const eventsRouter = router({
  /**
   * The workspace's committed events as they are dispatched, optionally filtered by type. Live
   * only: a client that was away pulls what it missed (sync), then subscribes.
   */
  live: procedure
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
      const workspace = ctx.auth.workspace;
      if (!workspace) throw new Error('events.live without a workspace');
      const abort = signal ?? new AbortController().signal;
      for await (const event of ctx.services.bus.subscribe(workspace.id, abort)) {
        if (eventMatches(input.types, event.type)) yield event;
      }
    }),
});
