import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { moveHosts } from '../../monitoring/agents/default-agent.ts';
import { setHostActive } from '../../monitoring/hosts/host-actions.ts';
import { hostFields, hostPatch, importDefaults } from '../../monitoring/hosts/host-fields.ts';
import { hostHistory } from '../../monitoring/hosts/host-history.ts';
import { importHosts } from '../../monitoring/hosts/host-import.ts';
import { addHost, listHosts, removeHost, updateHost } from '../../monitoring/hosts/host-records.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';

const hostId = z.uuid('id must be a host id');

export const hostsRouter = router({
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        tag: z.string().optional(),
        search: z.string().max(100).optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.tx((tx) => listHosts(tx, input))),

  add: workspaceProcedure
    .input(hostFields.extend({ workspace: workspaceRef }))
    .mutation(({ ctx, input: { workspace: _, ...host } }) => ctx.tx((tx) => addHost(tx, host))),

  update: workspaceProcedure
    .input(hostPatch.extend({ workspace: workspaceRef, id: hostId }))
    .mutation(({ ctx, input: { workspace: _, id, ...patch } }) => ctx.tx((tx) => updateHost(tx, id, patch))),

  /**
   * Moves hosts to another agent (`toAgentId` null: to no agent): the hosts named by `hostIds`,
   * or every host of `fromAgentId` (null: the hosts no agent scans). Each host moved is audited.
   */
  move: workspaceProcedure
    .input(
      z
        .object({
          workspace: workspaceRef,
          hostIds: z
            .array(hostId, { error: 'hostIds must be a list of host ids' })
            .min(1, 'hostIds must name at least one host')
            .max(1000, 'hostIds must name at most 1000 hosts')
            .optional(),
          fromAgentId: z.uuid('fromAgentId must be an agent id').nullable().optional(),
          toAgentId: z.uuid('toAgentId must be an agent id').nullable(),
        })
        .refine((i) => (i.hostIds === undefined) !== (i.fromAgentId === undefined), {
          message: 'name the hosts to move: either hostIds or fromAgentId',
          path: ['hostIds'],
        }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        moveHosts(
          tx,
          input.hostIds ? { hostIds: input.hostIds } : { fromAgentId: input.fromAgentId ?? null },
          input.toAgentId,
          'moved by hand',
        ),
      ),
    ),

  /** Pause (active=false) or resume scanning. */
  setActive: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: hostId, active: z.boolean() }))
    .mutation(({ ctx, input }) =>
      ctx.tx((tx) =>
        setHostActive(tx, { hostId: input.id, active: input.active, now: ctx.services.clock() }),
      ),
    ),

  /**
   * A host's grade history: one point per UTC day over the last `days` (worst grade, and whether
   * every scan reached it), plus the chain and posture of its latest handshake. Desktops fetch
   * it on demand (snapshots are not replicated) and keep the last answer for offline use.
   */
  history: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        hostId: z.uuid('hostId must be a host id'),
        days: z
          .number({ error: 'days must be a number' })
          .int('days must be a whole number')
          .min(1, 'days must be 1–90')
          .max(90, 'days must be 1–90')
          .default(30),
      }),
    )
    .query(async ({ ctx, input }) => {
      const history = await ctx.tx((tx) =>
        hostHistory(tx, { hostId: input.hostId, days: input.days, now: ctx.services.clock() }),
      );
      if (!history) throw new TRPCError({ code: 'NOT_FOUND', message: 'no host with that id' });
      return history;
    }),

  /**
   * Bulk import from CSV or `vigilo-agent discover --json` output. Valid rows are added in one
   * transaction (with `dryRun`, nothing is); every other row is reported with its reason.
   */
  import: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        format: z.enum(['csv', 'discover'], { error: 'format must be csv or discover' }),
        content: z.string().max(2_000_000, 'content must be at most 2 MB'),
        defaults: importDefaults.default({}),
        dryRun: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) => ctx.tx((tx) => importHosts(tx, input))),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: hostId }))
    .mutation(({ ctx, input }) => ctx.tx((tx) => removeHost(tx, input.id))),
});
