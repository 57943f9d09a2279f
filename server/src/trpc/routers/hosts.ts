import { TRPCError } from '@trpc/server';
import { SCAN_INTERVALS_S } from '@vigilo/shared/agent-protocol';
import { ServiceProtocol } from '@vigilo/shared/snapshot';
import { z } from 'zod';
import { isUniqueViolation } from '../../db/pg-errors.ts';
import type { WorkspaceTx } from '../../db/tx.ts';
import { agentIsAssignable, nudgeAgents, setHostActive } from '../../monitoring/hosts/host-actions.ts';
import { hostHistory } from '../../monitoring/hosts/host-history.ts';
import { parseHostList } from '../../monitoring/hosts/host-import.ts';
import { normaliseHostname } from '../../monitoring/hosts/hostname.ts';
import { workspaceRef } from '../authorize.ts';
import { router, workspaceProcedure } from '../init.ts';
import { fieldError } from '../refusals.ts';

const hostnameSchema = z.string().transform((value, ctx) => {
  const result = normaliseHostname(value);
  if (!result.ok) {
    ctx.addIssue({ code: 'custom', message: result.message });
    return z.NEVER;
  }
  return result.hostname;
});
const intervalSchema = z.union(
  SCAN_INTERVALS_S.map((s) => z.literal(s)),
  {
    error: `interval must be one of ${SCAN_INTERVALS_S.join(', ')} seconds (5 min, 15 min, 1 h, 6 h, 24 h)`,
  },
);
/** The fields of a host as given, without defaults: `.partial()` of this is a true patch. */
const hostBase = z.object({
  hostname: hostnameSchema,
  port: z
    .number({ error: 'port must be a number' })
    .int()
    .min(1, 'port must be 1–65535')
    .max(65535, 'port must be 1–65535'),
  protocol: ServiceProtocol.nullable(),
  intervalS: intervalSchema,
  tags: z
    .array(z.string().regex(/^[a-z0-9][a-z0-9:._-]{0,63}$/, 'tags are lower-case words (a-z, 0-9, : . _ -)'))
    .max(20),
  agentId: z.uuid('agentId must be an agent id').nullable(),
});
/** A new host: unset fields take their defaults. */
export const hostFields = hostBase.extend({
  protocol: hostBase.shape.protocol.default(null),
  intervalS: hostBase.shape.intervalS.default(3600),
  tags: hostBase.shape.tags.default([]),
  // Omitted: the workspace's only agent, if it has exactly one. null: no agent.
  agentId: hostBase.shape.agentId.optional(),
});
export type HostFields = z.infer<typeof hostFields>;

export async function insertHost(
  tx: WorkspaceTx,
  h: HostFields,
): Promise<{ id: string } | { conflict: true }> {
  if (h.agentId === undefined) {
    // With exactly one active agent (single-machine mode's local agent) a new host goes to it,
    // so it is scanned without any agent set-up.
    const only = await tx.query<{ id: string }>('SELECT id FROM agents WHERE revoked_at IS NULL LIMIT 2');
    h = { ...h, agentId: only.rows.length === 1 ? (only.rows[0]?.id ?? null) : null };
  }
  if (h.agentId && !(await agentIsAssignable(tx, h.agentId))) throw unknownAgent();
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO hosts (workspace_id, hostname, port, protocol, interval_s, tags, agent_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (workspace_id, hostname, port) DO NOTHING RETURNING id`,
    [tx.workspaceId, h.hostname, h.port, h.protocol, h.intervalS, h.tags, h.agentId],
  );
  const id = rows[0]?.id;
  if (!id) return { conflict: true };
  await tx.record({
    action: 'host.added',
    target: { type: 'host', id },
    summary: { after: h },
    event: 'host.added',
    payload: { id, hostname: h.hostname, port: h.port },
  });
  await nudgeAgents(tx, [h.agentId]);
  return { id };
}

/** The same answer for an unknown id and another workspace's agent: nothing to learn from it. */
const unknownAgent = () => fieldError(['agentId'], 'agentId: no active agent with that id in this workspace');

type HostRow = {
  id: string;
  hostname: string;
  port: number;
  protocol: string | null;
  interval_s: number;
  tags: string[];
  agent_id: string | null;
  active: boolean;
  grade: string | null;
  not_after: Date | null;
  reachable: boolean | null;
  scanned_at: Date | null;
};

export const hostsRouter = router({
  list: workspaceProcedure
    .input(
      z.object({
        workspace: workspaceRef,
        tag: z.string().optional(),
        search: z.string().max(100).optional(),
      }),
    )
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<HostRow>(
          `SELECT h.id, h.hostname, h.port, h.protocol, h.interval_s, h.tags, h.agent_id, h.active,
                  s.grade, s.not_after, s.reachable, s.scanned_at
           FROM hosts h LEFT JOIN host_status s ON s.host_id = h.id
           WHERE ($1::text IS NULL OR $1 = ANY(h.tags)) AND ($2::text IS NULL OR h.hostname ILIKE '%' || $2 || '%')
           ORDER BY h.hostname, h.port`,
          [input.tag ?? null, input.search ?? null],
        );
        return rows.map((r) => ({
          id: r.id,
          hostname: r.hostname,
          port: r.port,
          protocol: r.protocol,
          intervalS: r.interval_s,
          tags: r.tags,
          agentId: r.agent_id,
          active: r.active,
          grade: r.grade,
          notAfter: r.not_after,
          reachable: r.reachable,
          lastScanAt: r.scanned_at,
        }));
      }),
    ),

  add: workspaceProcedure.input(hostFields.extend({ workspace: workspaceRef })).mutation(({ ctx, input }) =>
    ctx.tx(async (tx) => {
      const result = await insertHost(tx, input);
      if ('conflict' in result)
        throw new TRPCError({
          code: 'CONFLICT',
          message: `${input.hostname}:${input.port} is already monitored`,
        });
      return result;
    }),
  ),

  update: workspaceProcedure
    .input(hostBase.partial().extend({ workspace: workspaceRef, id: z.uuid('id must be a host id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const before = await tx.query<HostRow>('SELECT * FROM hosts WHERE id = $1 FOR UPDATE', [input.id]);
        const prev = before.rows[0];
        if (!prev) throw new TRPCError({ code: 'NOT_FOUND', message: 'no host with that id' });
        // Checked only when it changes: a host whose agent was since revoked stays editable.
        if (input.agentId && input.agentId !== prev.agent_id && !(await agentIsAssignable(tx, input.agentId)))
          throw unknownAgent();
        const next = {
          hostname: input.hostname ?? prev.hostname,
          port: input.port ?? prev.port,
          protocol: input.protocol !== undefined ? input.protocol : prev.protocol,
          intervalS: input.intervalS ?? prev.interval_s,
          tags: input.tags ?? prev.tags,
          agentId: input.agentId !== undefined ? input.agentId : prev.agent_id,
        };
        try {
          await tx.query(
            'UPDATE hosts SET hostname = $2, port = $3, protocol = $4, interval_s = $5, tags = $6, agent_id = $7, updated_at = now() WHERE id = $1',
            [input.id, next.hostname, next.port, next.protocol, next.intervalS, next.tags, next.agentId],
          );
        } catch (err) {
          if (!isUniqueViolation(err)) throw err;
          throw new TRPCError({
            code: 'CONFLICT',
            message: `${next.hostname}:${next.port} is already monitored`,
            cause: err,
          });
        }
        await tx.record({
          action: 'host.updated',
          target: { type: 'host', id: input.id },
          summary: {
            before: {
              hostname: prev.hostname,
              port: prev.port,
              protocol: prev.protocol,
              intervalS: prev.interval_s,
              tags: prev.tags,
              agentId: prev.agent_id,
            },
            after: next,
          },
          event: 'host.updated',
          payload: { id: input.id, hostname: next.hostname, port: next.port },
        });
        await nudgeAgents(tx, [prev.agent_id, next.agentId]);
        return { id: input.id, ...next };
      }),
    ),

  /** Pause (active=false) or resume scanning. */
  setActive: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a host id'), active: z.boolean() }))
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
    .query(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const history = await hostHistory(tx, {
          hostId: input.hostId,
          days: input.days,
          now: ctx.services.clock(),
        });
        if (!history) throw new TRPCError({ code: 'NOT_FOUND', message: 'no host with that id' });
        return history;
      }),
    ),

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
        defaults: hostBase.pick({ intervalS: true, tags: true, agentId: true }).partial().default({}),
        dryRun: z.boolean().default(false),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const report: Array<{
          row: number;
          status: 'added' | 'exists' | 'rejected';
          host?: string;
          reason?: string;
        }> = [];
        for (const parsed of parseHostList(input.format, input.content)) {
          if ('error' in parsed) {
            report.push({ row: parsed.row, status: 'rejected', reason: parsed.error });
            continue;
          }
          const fields = hostFields.safeParse({ ...input.defaults, ...parsed.fields });
          if (!fields.success) {
            const issue = fields.error.issues[0];
            report.push({
              row: parsed.row,
              status: 'rejected',
              reason: `${issue?.path.join('.') || 'row'}: ${issue?.message}`,
            });
            continue;
          }
          const host = `${fields.data.hostname}:${fields.data.port}`;
          if (input.dryRun) {
            const exists = await tx.query('SELECT 1 FROM hosts WHERE hostname = $1 AND port = $2', [
              fields.data.hostname,
              fields.data.port,
            ]);
            report.push({ row: parsed.row, status: exists.rowCount ? 'exists' : 'added', host });
            continue;
          }
          const result = await insertHost(tx, fields.data);
          report.push({ row: parsed.row, status: 'conflict' in result ? 'exists' : 'added', host });
        }
        const count = (status: string) => report.filter((r) => r.status === status).length;
        return {
          added: count('added'),
          exists: count('exists'),
          rejected: count('rejected'),
          dryRun: input.dryRun,
          rows: report,
        };
      }),
    ),

  remove: workspaceProcedure
    .input(z.object({ workspace: workspaceRef, id: z.uuid('id must be a host id') }))
    .mutation(({ ctx, input }) =>
      ctx.tx(async (tx) => {
        const { rows } = await tx.query<{ agent_id: string | null; hostname: string; port: number }>(
          'DELETE FROM hosts WHERE id = $1 RETURNING agent_id, hostname, port',
          [input.id],
        );
        const host = rows[0];
        if (!host) throw new TRPCError({ code: 'NOT_FOUND', message: 'no host with that id' });
        await tx.record({
          action: 'host.removed',
          target: { type: 'host', id: input.id },
          summary: { before: host },
          event: 'host.removed',
          payload: { id: input.id, hostname: host.hostname, port: host.port },
        });
        await nudgeAgents(tx, [host.agent_id]);
        return { id: input.id };
      }),
    ),
});
